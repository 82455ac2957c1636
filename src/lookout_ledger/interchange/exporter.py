"""Export the ledger as a LIF file, for an overseer or another system.

Records are written in dependency order and by id in byte order (COLLATE "C" on PostgreSQL,
whose default collation may sort differently from SQLite), so the same records always give
the same bytes: export, import elsewhere, export again is byte-identical. Ids are streamed
from a server-side cursor and records are built a batch at a time, so memory stays flat
whatever the size of the database.
"""

from __future__ import annotations

import hashlib
from typing import IO

import orjson
from sqlalchemy import select

from lookout_ledger.core.auth import Role, User
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.interchange.canonical import canonical_records
from lookout_ledger.interchange.schema import FORMAT, RECORD_TYPES, VERSION
from lookout_ledger.interchange.tables import TABLES
from lookout_ledger.people.service import can_read_spii, check_purpose

BATCH = 1000


class _HashingWriter:
    """Writes through to the output and keeps the SHA-256 the audit entry records."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.sha.update(data)
        self.out.write(data)


def export_lif(
    ledger: Ledger, out_stream: IO[bytes], actor: str, source: str = "lookout-ledger", *, purpose: str
) -> dict[str, int]:
    """Write every record to `out_stream` (binary) as LIF; return the number written per type.

    An export carries every person's identifying data out of the ledger, so it is a read of each
    of them: the caller must be allowed to read SPII and state a purpose, and the audit entry
    names every person exported, beside the purpose and the file's digest."""
    text = check_purpose(purpose)
    with ledger.reading() as s:
        reader = s.get(User, actor)
        if reader is None or not (can_read_spii(reader) or (reader.active and reader.has_role(Role.ADMIN))):
            raise refuse(
                "SYS-EXPORT-PURPOSE",
                f"{actor} may not read people's identifying data, which an export carries",
                "sign in as an auditor or administrator",
            )
    persons: list[str] = []
    out = _HashingWriter(out_stream)
    counts = dict.fromkeys(RECORD_TYPES, 0)
    header = {
        "type": "header",
        "format": FORMAT,
        "version": VERSION,
        "source": source,
        "exported_at": format_rfc3339(ledger.now(), 0),
    }
    out.write(orjson.dumps(header) + b"\n")
    # A read, not a write: on SQLite it does not hold the write lock for the length of a large
    # export; on PostgreSQL REPEATABLE READ makes every batch see the same snapshot.
    with ledger.reading() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        conn = session.connection(execution_options={"isolation_level": "REPEATABLE READ"} if postgres else None)
        for rtype in RECORD_TYPES:
            id_col = TABLES[rtype].main.c.id
            order = id_col.collate("C") if postgres else id_col
            query = select(id_col).order_by(order).execution_options(stream_results=True, yield_per=BATCH)
            for part in conn.execute(query).scalars().partitions(BATCH):
                records = canonical_records(conn, ledger.keyring, rtype, part)
                if rtype == "person":
                    persons.extend(part)
                out.write(b"".join(orjson.dumps(records[i]) + b"\n" for i in part))
                counts[rtype] += len(part)
    with ledger.transaction() as session:
        ledger.audit(
            session,
            actor,
            "lif.export",
            target_type="lif_file",
            detail={"counts": counts, "source": source, "purpose": text, "persons_read": persons},
            change_digest=out.sha.hexdigest(),
        )
    return counts
