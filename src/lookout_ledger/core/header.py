"""What kind of database this is: a system of record, a simulation, or the demo.

A system of record takes the system's clock for everything that happens and never screens
without a log. A simulation (a trial, a replay, the test suite) may set the clock with
`--now`, because its records are not evidence of anything; the demo is a simulation of
invented people. The kind is written once, when the database is created, and every page and
command that writes shows it; a database without a header is a system of record (fail closed).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lookout_ledger.core import state
from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant


class DatabaseKind(StrEnum):
    RECORD = "record"  # a system of record
    SIMULATION = "simulation"
    DEMO = "demo"

    @property
    def simulated(self) -> bool:
        return self is not DatabaseKind.RECORD

    @property
    def banner(self) -> str | None:
        if self is DatabaseKind.DEMO:
            return "Demo database: invented people; times may be set by hand. Not a system of record."
        if self is DatabaseKind.SIMULATION:
            return "Simulation database: times may be set by hand. Not a system of record."
        return None


class LedgerHeader(Base):
    __tablename__ = "ledger_header"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    # The log's name in its signed checkpoints (C2SP origin line), fixed when first needed.
    origin: Mapped[str | None] = mapped_column(String(200))
    # A keyed value of the ledger key: tells a wrong key file from tampered data.
    key_check: Mapped[str | None] = mapped_column(String(64))


def database_kind(session: Session) -> DatabaseKind:
    kind = session.execute(select(LedgerHeader.kind).where(LedgerHeader.id == 1)).scalar_one_or_none()
    return DatabaseKind(kind) if kind else DatabaseKind.RECORD


def write_header(session: Session, kind: DatabaseKind, *, at: datetime, by: str, key_check: str | None = None) -> None:
    """Set the kind of a database that has none yet, or (the demo's reload) keep it the same."""
    row = session.get(LedgerHeader, 1)
    if row is None:
        session.add(LedgerHeader(id=1, kind=str(kind), created_at=at, created_by=by, key_check=key_check))
    else:
        row.kind = str(kind)
        if row.key_check is None:
            row.key_check = key_check
    session.flush()


def stored_key_check(session: Session) -> str | None:
    return session.execute(select(LedgerHeader.key_check).where(LedgerHeader.id == 1)).scalar_one_or_none()


# A database relabelled a simulation would accept stated times: the header is a record too.
state.track("ledger_header", LedgerHeader)
