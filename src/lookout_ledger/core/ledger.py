"""The ledger context every use case runs in: database, key, clock and policy.

Adapters (CLI, API, pages) build one `Ledger` and pass it to service functions; tests build
one over a temporary database with a fixed clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lookout_ledger.core import auditlog, upgrades
from lookout_ledger.core.clock import Clock, SystemClock
from lookout_ledger.core.config import Settings
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.crypto import Keyring, load_keyring
from lookout_ledger.core.db import get_engine, session_factory, writer
from lookout_ledger.core.errors import KeyError_
from lookout_ledger.core.header import DatabaseKind, LedgerHeader, database_kind, stored_key_check
from lookout_ledger.core.policy.loader import Policy, load_policy


def _holds_data(engine: Engine) -> bool:
    with session_factory(engine)() as s:
        logged = s.execute(select(auditlog.AuditEntry.seq).limit(1)).first() is not None
        return logged or s.execute(select(LedgerHeader.id).limit(1)).first() is not None


def _keyring_for(settings: Settings, engine: Engine) -> Keyring:
    """The ledger key, created only for a database that holds nothing yet.

    A missing key file for a database with entries is refused, never replaced: a new key would
    make every sealed value unreadable and every entry's MAC fail (read as tampering). A key that
    does not give the header's key check is the wrong key, and is said to be.
    """
    key_file = settings.key_file
    if not settings.key_b64 and key_file is not None and not key_file.exists() and _holds_data(engine):
        raise KeyError_(
            f"key file {key_file} is missing, and this database already holds an audit log and sealed data "
            "written with a key: restore the key file (or set LOOKOUT_KEY_FILE to it); a new key would make "
            "them unreadable, so none is created"
        )
    keyring = load_keyring(key_file, settings.key_b64, create=True)
    with session_factory(engine)() as s:
        stored = stored_key_check(s)
    if stored is not None and stored != keyring.key_check:
        raise KeyError_(
            f"the key {'in LOOKOUT_KEY' if settings.key_b64 else f'file {key_file}'} does not belong to this "
            "database (its key check differs from the one the database was created with): this is a wrong key, "
            "not tampering; set LOOKOUT_KEY_FILE to the key file of this database"
        )
    return keyring


@dataclass
class Ledger:
    settings: Settings
    engine: Engine
    keyring: Keyring
    clock: Clock
    policy: Policy
    _kind: DatabaseKind | None = field(default=None, repr=False, compare=False)

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        clock: Clock | None = None,
        policy: str | None = None,
    ) -> Ledger:
        settings = settings or Settings.from_env()
        engine = get_engine(settings.database_url)
        keyring = _keyring_for(settings, engine)
        ledger = cls(
            settings=settings,
            engine=engine,
            keyring=keyring,
            clock=clock or SystemClock(),
            policy=load_policy(policy or settings.policy),
        )
        # At the system's time, on a copy: reading the database kind here would fix it too early.
        upgrades.run_pending(replace(ledger, clock=SystemClock()))
        return ledger

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def kind(self) -> DatabaseKind:
        """System of record, simulation or demo (read once; only the demo's load changes it)."""
        if self._kind is None:
            with self.reading() as s:
                self._kind = database_kind(s)
        return self._kind

    def set_kind(self, kind: DatabaseKind) -> None:
        self._kind = kind

    @property
    def clock_is_system(self) -> bool:
        return isinstance(self.clock, SystemClock)

    def check_clock(self) -> None:
        """Refuse to record anything at a stated time in a system of record (SYS-SYSTEM-TIME)."""
        if not self.clock_is_system and not self.kind.simulated:
            raise refuse(
                "SYS-SYSTEM-TIME",
                f"this is a system of record: what happens is recorded at the system's time, not at "
                f"{self.now().isoformat()}",
                "leave out --now for anything that writes (it stays for audit, replay, report and findings), "
                "or work in a simulation database (lookout init --simulation)",
            )

    def recording(self) -> Ledger:
        """The ledger that records a read or an evaluation run at a stated time: itself in a
        simulation, else the same ledger on the system's clock (the log says when it happened;
        the evaluation time goes into the entry's detail)."""
        if self.clock_is_system or self.kind.simulated:
            return self
        return replace(self, clock=SystemClock())

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction per use case; the audit entry is written inside it. Every write of every
        adapter passes here, so this is where a stated clock is refused in a system of record."""
        self.check_clock()
        with session_factory(writer(self.engine))() as session, session.begin():
            session.info["lookout_ledger.ledger"] = self  # for records written with no entry of their own
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with session_factory(self.engine)() as session:
            yield session

    def audit(
        self,
        session: Session,
        actor: str,
        action: str,
        target_type: str | None = None,
        target_id: str | None = None,
        detail: dict[str, Any] | None = None,
        change_digest: str | None = None,
    ) -> auditlog.AuditEntry:
        return auditlog.append(
            session,
            self.keyring,
            at=self.now(),
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail,
            change_digest=change_digest,
        )
