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

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lookout_ledger.core import auditlog
from lookout_ledger.core.clock import Clock, SystemClock
from lookout_ledger.core.config import Settings
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.crypto import Keyring, load_keyring
from lookout_ledger.core.db import get_engine, session_factory, writer
from lookout_ledger.core.header import DatabaseKind, database_kind
from lookout_ledger.core.policy.loader import Policy, load_policy


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
        keyring = load_keyring(settings.key_file, settings.key_b64, create=True)
        engine = get_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            keyring=keyring,
            clock=clock or SystemClock(),
            policy=load_policy(policy or settings.policy),
        )

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
