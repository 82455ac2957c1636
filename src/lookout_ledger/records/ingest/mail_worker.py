"""Entry point of a worker process reading e-mail for an import (see `mail_rows.read_all`).

Run as `python -m lookout_ledger.records.ingest.mail_worker` by the importer, never by hand: it reads
pickled chunks of an mbox on stdin and writes the pickled rows on stdout until stdin closes.
"""

from __future__ import annotations

import sys

from lookout_ledger.records.ingest.mail_rows import serve

if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
