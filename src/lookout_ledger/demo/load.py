"""Load (or reload) the demo scenario and the demo users, in one transaction.

A reload replaces every record a LIF file can carry (and anything that refers to those
records) with the scenario, so running `lookout demo` twice gives the same figures. The audit
log is never wiped: each load appends "demo.reload", the importer's "lif.import" and one
entry per demo user, so the chain shows when the demo data replaced what was there.

The interchange importer opens its own transaction; to make wipe + import + users one
all-or-nothing step, the importer is handed a view of the ledger whose `transaction()` is the
transaction already open here. If anything fails, nothing changes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, cast

from sqlalchemy import Table, delete, literal, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from lookout_ledger import models  # noqa: F401  (every table registered, so the wipe sees all dependants)
from lookout_ledger.core.auth import Role, User, UserRole, add_user, hash_password
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.db import Base, table_of
from lookout_ledger.core.header import DatabaseKind, LedgerHeader, database_kind, write_header
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.demo.cast import OFFICIALS
from lookout_ledger.demo.scenario import build_scenario, scenario_lines
from lookout_ledger.interchange.importer import import_lif
from lookout_ledger.interchange.provenance import RecordProvenance
from lookout_ledger.interchange.tables import TABLES
from lookout_ledger.org.models import Official
from lookout_ledger.records.archive_models import LegalHold
from lookout_ledger.screening.changes import mark_everything

DEMO_PASSWORD = "lookout-demo"  # noqa: S105  (printed on purpose: invented data, local demo)
SIGN_IN_URL = "http://127.0.0.1:8000"

# One user per role, each acting as an official of the scenario.
DEMO_USERS: list[tuple[str, Role, str]] = [
    ("auditor", Role.AUDITOR, "OFF-OVS-1"),
    ("owner", Role.LOOKOUT_OWNER, "OFF-EOC-5"),
    ("supervisor", Role.SUPERVISOR, "OFF-EOC-3"),
    ("counsel", Role.COUNSEL, "OFF-COUNSEL"),
    ("officer", Role.PORT_OFFICER, "OFF-TTRT-1"),
    ("liaison", Role.LIAISON_OFFICER, "OFF-FOB-6"),
    ("records", Role.RECORDS_OFFICER, "OFF-REC-1"),
    ("admin", Role.ADMIN, "OFF-ADMIN"),
]

# Kept across reloads: who may sign in, and the record of everything done.
_KEPT = {"users", "user_roles", "audit_log", "audit_head"}


@dataclass
class DemoUser:
    username: str
    role: str
    official_id: str
    official_name: str
    created: bool  # False: the user existed and was reset to the demo's role, official and password


@dataclass
class DemoSummary:
    records: dict[str, int]  # LIF records imported, per type
    replaced_rows: int  # rows removed from the domain tables before the import
    sha256: str  # digest of the scenario file as imported
    users: list[DemoUser] = field(default_factory=list)
    unlinked_users: list[str] = field(default_factory=list)  # other users whose official left with the old data
    password: str = DEMO_PASSWORD
    url: str = SIGN_IN_URL


def domain_tables() -> list[Table]:
    """The tables a reload empties, children first: every table a LIF record lives in, plus any
    table that refers to one of them (so no row is left pointing at a removed record)."""
    names = {t.main.name for t in TABLES.values()} | {c.table.name for t in TABLES.values() for c in t.children}
    ordered = Base.metadata.sorted_tables
    for table in ordered:  # sorted_tables lists referenced tables first, so one pass closes the set
        if table.name not in _KEPT and any(fk.column.table.name in names for fk in table.foreign_keys):
            names.add(table.name)
    return [t for t in reversed(ordered) if t.name in names]


@dataclass
class _InOpenTransaction(Ledger):
    """The same ledger, but `transaction()` joins the caller's open transaction instead of starting one."""

    session: Session | None = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        assert self.session is not None
        yield self.session


def _wipe(session: Session) -> dict[str, int]:
    """Empty the domain tables; returns the rows removed per table (tables that were empty omitted)."""
    removed = {}
    for table in [*domain_tables(), table_of(RecordProvenance)]:
        n = cast(CursorResult[Any], session.execute(delete(table))).rowcount or 0
        if n:
            removed[str(table.name)] = n
    if removed:
        mark_everything(session)  # Core deletes bypass the change feed: every screening index rebuilds
    return removed


def _demo_users(ledger: Ledger, session: Session, actor: str) -> list[DemoUser]:
    out = []
    for username, role, official_id in DEMO_USERS:
        name = OFFICIALS[official_id][0]
        user = session.get(User, username)
        if user is None:
            add_user(
                session,
                username=username,
                password=DEMO_PASSWORD,
                roles=[role],
                at=ledger.now(),
                display_name=name,
                official_id=official_id,
            )
            ledger.audit(session, actor, "user.add", "user", username, {"roles": [str(role)], "demo": True})
        else:
            user.display_name = name
            user.official_id = official_id
            user.password_hash = hash_password(DEMO_PASSWORD)
            user.active = True
            if user.role_names != {str(role)}:
                user.roles.clear()
                session.flush()  # delete the old roles before adding, or the new row could collide
                user.roles.append(UserRole(role=str(role)))
            session.flush()
            ledger.audit(session, actor, "user.reset", "user", username, {"roles": [str(role)], "demo": True})
        out.append(DemoUser(username, str(role), official_id, name, created=user is None))
    return out


def _unlink_departed_officials(ledger: Ledger, session: Session, actor: str) -> list[str]:
    """Users (not the demo's) who acted as an official the scenario does not have lose that link;
    otherwise the reload would leave them pointing at an official that no longer exists."""
    demo_names = {u for u, _, _ in DEMO_USERS}
    rows = session.execute(
        select(User.username, User.official_id).where(
            User.official_id.is_not(None), User.official_id.not_in(list(OFFICIALS)), User.username.not_in(demo_names)
        )
    ).all()
    for username, official_id in rows:
        session.execute(update(User).where(User.username == username).values(official_id=None))
        ledger.audit(session, actor, "user.unlink", "user", username, {"official_id": official_id, "reason": "demo"})
    return [r.username for r in rows]


def _holds_anything(session: Session) -> bool:
    if session.execute(select(User.username).limit(1)).first() is not None:
        return True
    return any(session.execute(select(literal(1)).select_from(t).limit(1)).first() for t in domain_tables())


def check_own_database(session: Session) -> None:
    """The demo goes into a database of its own: an empty one, or one the demo made. A legal hold,
    even in the demo, is never lifted by a reload (nothing removes a record under hold)."""
    kind = database_kind(session)
    if kind is not DatabaseKind.DEMO and (
        (kind is DatabaseKind.RECORD and _has_header(session)) or _holds_anything(session)
    ):
        raise refuse(
            "SYS-DEMO-OWN-DATABASE",
            f"this database holds records that are not demo data (it is a {kind} database)",
            "load the demo into a database of its own: lookout --database-url sqlite:///demo.db demo",
            database_kind=str(kind),
        )
    held = session.execute(select(LegalHold.id).where(LegalHold.released_at.is_(None)).limit(1)).first()
    if held is not None:
        raise refuse(
            "SYS-HOLD",
            f"legal hold {held[0]} is in force here, and a reload would remove the records it covers",
            "have a records officer release the hold (with its reason), or load the demo into a new database",
            hold=held[0],
        )


def _has_header(session: Session) -> bool:
    return session.execute(select(LedgerHeader.id)).first() is not None


def load_demo(ledger: Ledger, actor: str) -> DemoSummary:
    """Replace the demo data with the demo scenario and (re)create the demo users; all or nothing.

    Refused on a database holding anything but demo data, and while a hold is in force."""
    records = build_scenario()
    stream = io.BytesIO(scenario_lines(records).encode("utf-8"))
    stream.name = "demo-scenario.lif"  # type: ignore[attr-defined]  # the importer records the name
    with ledger.reading() as session:
        check_own_database(session)
    ledger.set_kind(DatabaseKind.DEMO)  # an empty database becomes the demo's: its clock may be set
    with ledger.transaction() as session:
        check_own_database(session)
        write_header(session, DatabaseKind.DEMO, at=ledger.now(), by=actor, key_check=ledger.keyring.key_check)
        removed = _wipe(session)
        ledger.audit(session, actor, "demo.reload", "database", None, {"rows_removed": removed})
        joined = _InOpenTransaction(**{f.name: getattr(ledger, f.name) for f in fields(Ledger)}, session=session)
        report = import_lif(joined, stream, actor)
        unlinked = _unlink_departed_officials(ledger, session, actor)
        users = _demo_users(ledger, session, actor)
        # The cast's titles are the demo's own facts, confirmed by the loader (an import alone confirms none).
        session.execute(update(Official).where(Official.id.in_(list(OFFICIALS))).values(title_confirmed_by=actor))
    imported = {rtype: c["inserted"] + c["unchanged"] + c["updated"] for rtype, c in report.counts.items()}
    return DemoSummary(
        records=imported,
        replaced_rows=sum(removed.values()),
        sha256=report.sha256,
        users=users,
        unlinked_users=unlinked,
    )
