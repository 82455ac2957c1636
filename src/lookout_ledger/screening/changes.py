"""The change feed that keeps every process's screening index current without a rebuild.

A lookout's referral can change through many use cases (approval, removal, inspection,
review, a person's new passport ...). Rather than asking each of them to remember the index,
every flush that touches a table screening depends on notes the affected person or lookout,
and the commit appends them to `screening_changes`, in the same transaction. Each process's
index polls the feed by sequence number and reloads just those persons, so a change is
visible at the next screening and several server processes stay current without talking to
each other.

Core-level bulk writers (the LIF importer, the demo loader) bypass the ORM. The importer calls
`mark_imported`: a file of up to `IMPORT_FEED_LIMIT` persons, lookouts, events and inspections
enters the feed record by record (indexes reload just those persons); a larger one asks every
index to rebuild (`mark_everything`), which is then cheaper than reloading person by person.

On PostgreSQL, concurrent transactions could commit sequence numbers out of order, and a
poller that has seen 11 would never see 10. Writers of the feed therefore take one
transaction-scoped advisory lock just before they append, at commit: feed rows commit in
sequence order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    String,
    Table,
    and_,
    event,
    func,
    insert,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from lookout_ledger.core.db import Base, table_of

_ADVISORY_LOCK = 0x4C4B5343  # "LKSC"

_Seq = BigInteger().with_variant(Integer(), "sqlite")


class ScreeningChange(Base):
    __tablename__ = "screening_changes"

    seq: Mapped[int] = mapped_column(_Seq, primary_key=True, autoincrement=True)
    person_id: Mapped[str | None] = mapped_column(String(200))
    lookout_id: Mapped[str | None] = mapped_column(String(200))


def _watched() -> dict[type, tuple[str | None, str | None]]:
    """Mapped class -> (attribute holding a person id, attribute holding a lookout id)."""
    from lookout_ledger.history.inspections import Inspection, InspectionLookout
    from lookout_ledger.history.lookouts import Lookout, LookoutEvent
    from lookout_ledger.lookouts.lifecycle_models import LookoutApproval, LookoutControl, LookoutReview
    from lookout_ledger.people.models import Person, PersonCitizenship, PersonDocument, PersonOtherName

    return {
        Person: ("id", None),
        PersonOtherName: ("person_id", None),
        PersonCitizenship: ("person_id", None),
        PersonDocument: ("person_id", None),
        Lookout: ("person_id", "id"),
        LookoutEvent: (None, "lookout_id"),
        LookoutApproval: (None, "lookout_id"),
        LookoutControl: (None, "lookout_id"),
        LookoutReview: (None, "lookout_id"),
        Inspection: ("person_id", None),
        InspectionLookout: (None, "lookout_id"),
    }


_WATCHED: dict[type, tuple[str | None, str | None]] | None = None


_PENDING = "screening_changes"


def _lock_feed(conn: Connection) -> None:
    """Serialise feed appends until commit (PostgreSQL; SQLite has one writer anyway)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK})


@event.listens_for(Session, "before_flush")
def _collect_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    global _WATCHED
    if _WATCHED is None:
        _WATCHED = _watched()
    dirty = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    for obj in (*session.new, *dirty, *session.deleted):
        attrs = _WATCHED.get(type(obj))
        if attrs is None:
            continue
        person = getattr(obj, attrs[0]) if attrs[0] else None
        lookout = getattr(obj, attrs[1]) if attrs[1] else None
        if person or lookout:
            session.info.setdefault(_PENDING, set()).add((person, lookout))


@event.listens_for(Session, "before_commit")
def _append_changes(session: Session) -> None:
    """Append what the transaction changed, as its last statements: the advisory lock is then
    held only for the commit itself, and never while waiting on another transaction's rows
    (taken earlier, it could close a deadlock cycle with them)."""
    session.flush()  # the commit's own final flush runs after this hook: collect it first
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    conn = session.connection()
    _lock_feed(conn)
    rows = sorted(pending, key=lambda t: (t[0] or "", t[1] or ""))
    conn.execute(insert(ScreeningChange), [{"person_id": p, "lookout_id": lk} for p, lk in rows])


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)


def mark_everything(target: Session | Connection) -> None:
    """Ask every screening index to rebuild (after a bulk write that bypassed the ORM)."""
    _lock_feed(target.connection() if isinstance(target, Session) else target)
    target.execute(insert(ScreeningChange).values(person_id=None, lookout_id=None))


IMPORT_FEED_LIMIT = 10_000


def mark_imported(conn: Connection, seen: Table) -> None:
    """Feed rows for what a LIF import wrote, from its table of (type, id) seen in the file."""
    kinds = ("person", "lookout", "lookout_event", "inspection")
    count = conn.execute(select(func.count()).select_from(seen).where(seen.c.type.in_(kinds))).scalar_one()
    if count > IMPORT_FEED_LIMIT:
        mark_everything(conn)
        return
    if not count:
        return
    _lock_feed(conn)
    from lookout_ledger.history.inspections import Inspection
    from lookout_ledger.history.lookouts import LookoutEvent

    events, inspections = table_of(LookoutEvent), table_of(Inspection)
    rows = union_all(
        select(seen.c.id.label("person_id"), null().label("lookout_id")).where(seen.c.type == "person"),
        select(null(), seen.c.id).where(seen.c.type == "lookout"),
        select(null(), events.c.lookout_id).join(seen, and_(seen.c.type == "lookout_event", seen.c.id == events.c.id)),
        select(inspections.c.person_id, null()).join(
            seen, and_(seen.c.type == "inspection", seen.c.id == inspections.c.id)
        ),
    ).subquery()
    conn.execute(
        insert(ScreeningChange).from_select(
            ["person_id", "lookout_id"], select(rows.c.person_id, rows.c.lookout_id).distinct()
        )
    )
