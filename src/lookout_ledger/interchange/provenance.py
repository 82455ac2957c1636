"""Where an imported record came from: the file's digest and the line that asserted it.

An import is history, not authority. Every record a LIF file brings is kept with the file
and line that asserted it, so a page, an export or an audit can say "this approval is a claim
of file 3fa2…, line 118", never the ledger's own observation. A record asserted by two files
has two rows; importing the same file again adds none.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Integer, String, Table, and_, exists, func, literal, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lookout_ledger.core.db import Base, table_of
from lookout_ledger.core.timefmt import to_micros
from lookout_ledger.core.types import Instant


class RecordProvenance(Base):
    __tablename__ = "record_provenance"

    record_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    file_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    imported_by: Mapped[str] = mapped_column(String(100), nullable=False)


def record_provenance(conn: Connection, seen: Table, sha256: str, at: datetime, actor: str) -> None:
    """Copy every (type, id, line) this import read into the provenance table, once per file."""
    table = table_of(RecordProvenance)
    first = (
        select(seen.c.type, seen.c.id, func.min(seen.c.line).label("line")).group_by(seen.c.type, seen.c.id)
    ).subquery()
    already = exists().where(
        and_(table.c.record_type == first.c.type, table.c.record_id == first.c.id, table.c.file_sha256 == sha256)
    )
    micros = to_micros(at)
    rows = select(first.c.type, first.c.id, literal(sha256), first.c.line, literal(micros), literal(actor)).where(
        ~already
    )
    conn.execute(
        table.insert().from_select(
            ["record_type", "record_id", "file_sha256", "line", "imported_at", "imported_by"], rows
        )
    )


def provenance_of(session: Session, record_type: str, record_id: str) -> list[RecordProvenance]:
    q = (
        select(RecordProvenance)
        .where(RecordProvenance.record_type == record_type, RecordProvenance.record_id == record_id)
        .order_by(RecordProvenance.imported_at)
    )
    return list(session.execute(q).scalars())


def imported_ids(session: Session, record_type: str) -> set[str]:
    q = select(RecordProvenance.record_id).where(RecordProvenance.record_type == record_type).distinct()
    return set(session.execute(q).scalars())
