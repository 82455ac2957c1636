"""The latest signed checkpoint as a file, the same for the API and the dashboard.

Served as an attachment (never shown inline): an overseer keeps it outside the ledger.
"""

from __future__ import annotations

from fastapi.responses import Response

from lookout_ledger.core import checkpoints
from lookout_ledger.core.errors import NotFound
from lookout_ledger.core.ledger import Ledger


def latest_checkpoint_file(ledger: Ledger) -> Response:
    with ledger.reading() as s:
        cp = checkpoints.latest_checkpoint(s)
    if cp is None:
        raise NotFound("no checkpoint has been signed yet: the schedule signs one daily, or run `lookout checkpoint`")
    return Response(
        cp.note,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="checkpoint-{cp.size}.txt"'},
    )
