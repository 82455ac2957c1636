"""Key rotation: a new active key, every sealed value re-sealed with it.

The new keyring (old keys kept) is written to the key file before any row changes, so a crash
half-way leaves data that every key in the file can still open; the re-sealing itself is one
transaction with its audit entry. Blind indexes and the audit chain use keys derived from the
first key and do not change.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import column, select, table, update

from lookout_ledger.core.errors import KeyError_
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.sealed import sealed_columns

BATCH = 5000


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def rotate_key(ledger: Ledger, actor: str) -> dict[str, int]:
    """Add a new active key and re-seal every sealed column; returns values re-sealed per column."""
    key_file = ledger.settings.key_file
    if ledger.settings.key_b64 or key_file is None:
        raise KeyError_("rotation needs a key file (LOOKOUT_KEY_FILE); a key given in LOOKOUT_KEY cannot be rotated")
    new_ring = ledger.keyring.rotated()
    _write_atomically(key_file, new_ring.to_json())
    ledger.keyring = new_ring
    counts: dict[str, int] = {}
    with ledger.transaction() as s:
        for sc in sealed_columns():
            tname, pks, col, context = sc.table, sc.keys, sc.column, sc.context
            t = table(tname, *(column(c) for c in (*pks, col)))
            done = 0
            rows = s.execute(select(*(t.c[c] for c in pks), t.c[col]).where(t.c[col].is_not(None))).all()
            for start in range(0, len(rows), BATCH):
                for row in rows[start : start + BATCH]:
                    *key, token = row
                    if new_ring.key_id_of(token) == new_ring.active:
                        continue
                    row_context = context.format(**dict(zip(pks, key, strict=True)))
                    fresh = new_ring.encrypt(new_ring.decrypt(token, row_context), row_context)
                    cond = [t.c[c] == v for c, v in zip(pks, key, strict=True)]
                    s.execute(update(t).where(*cond).values({col: fresh}))
                    done += 1
            counts[f"{tname}.{col}"] = done
        ledger.audit(s, actor, "keys.rotate", "keyring", new_ring.active, {"resealed": counts})
    return counts
