"""Verifying the whole ledger: the key, the chain, every record's state, and kept checkpoints.

One place composes what `lookout verify`, the API and the dashboard report, so each says the
same thing: a wrong key is a wrong key (never "tampering"); an edited, added or removed record
is named with its type, id and, where the column checks tell, the table and column; an empty
log under a database that has a header is a deleted log; and each checkpoint an overseer kept
is checked by consistency proof, which holds even against someone holding the HMAC key.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Boolean, Float, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lookout_ledger.core import auditlog, checkpoints, state
from lookout_ledger.core.checkpoints import CheckpointCheck, VerifierKey
from lookout_ledger.core.db import Base
from lookout_ledger.core.header import LedgerHeader
from lookout_ledger.core.ids import new_id
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.core.types import Instant

CHECKPOINT_EVERY = timedelta(days=1)


class IntegrityRun(Base):
    """One full verification and its result, for the dashboard's "last verified"."""

    __tablename__ = "integrity_runs"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False, index=True)
    by: Mapped[str] = mapped_column(String(200), nullable=False)
    ok: Mapped[bool] = mapped_column(Boolean, nullable=False)
    entries: Mapped[int] = mapped_column(Integer, nullable=False)
    records: Mapped[int] = mapped_column(Integer, nullable=False)
    checkpoints: Mapped[int] = mapped_column(Integer, nullable=False)
    problems: Mapped[int] = mapped_column(Integer, nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    seconds: Mapped[float] = mapped_column(Float, nullable=False)


@dataclass
class IntegrityReport:
    key_ok: bool = True
    key_message: str | None = None
    entries: int = 0
    chain: list[auditlog.Problem] = field(default_factory=list)
    warnings: list[auditlog.Problem] = field(default_factory=list)
    records: int = 0
    state: list[state.StateProblem] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # the log as a whole (emptied)
    checkpoints: list[CheckpointCheck] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def problems(self) -> int:
        return len(self.chain) + len(self.state) + len(self.log) + sum(not c.ok for c in self.checkpoints)

    @property
    def ok(self) -> bool:
        return self.key_ok and not self.problems

    @property
    def exit_code(self) -> int:
        """0 intact, 1 tampering found, 3 the key does not belong to this database."""
        return 3 if not self.key_ok else (0 if self.ok else 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "key": {"ok": self.key_ok, "message": self.key_message},
            "entries": self.entries,
            "records": self.records,
            "log": self.log,
            "chain": [{"seq": p.seq, "kind": p.kind, "message": p.message} for p in self.chain],
            "warnings": [{"seq": p.seq, "kind": p.kind, "message": p.message} for p in self.warnings],
            "state": [
                {"type": p.record_type, "id": p.record_id, "kind": p.kind, "where": p.where, "message": p.message}
                for p in self.state
            ],
            "checkpoints": [
                {"source": c.source, "ok": c.ok, "size": c.size, "message": c.message, "consistency_proof": c.proof}
                for c in self.checkpoints
            ],
            "seconds": round(self.seconds, 3),
        }


def _workers() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0))))


def _consistent(session: Session) -> None:
    """One snapshot for the whole verification (PostgreSQL reads committed per statement otherwise)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def verify_ledger(
    ledger: Ledger, notes: list[tuple[str, str]] | None = None, trusted: list[VerifierKey] | None = None
) -> IntegrityReport:
    """Verify everything; `notes` are (source, text) of checkpoints kept outside the database and
    `trusted` the verifier keys to check them with (default: those of our signing key file)."""
    started = time.perf_counter()
    report = IntegrityReport()
    with ledger.reading() as s:
        _consistent(s)
        header = s.get(LedgerHeader, 1)
        if header is not None and header.key_check is not None and header.key_check != ledger.keyring.key_check:
            report.key_ok = False
            report.key_message = (
                "the key does not belong to this database (its key check differs): a wrong key, not tampering; "
                "nothing was verified"
            )
            return report
        chain = auditlog.verify(s, ledger.keyring)
        report.entries, report.warnings = chain.entries, chain.warnings
        unchecked = chain.entries and header is not None and header.key_check is None
        if unchecked and len(chain.problems) == chain.entries and all(p.kind == "modified" for p in chain.problems):
            report.key_ok = False
            report.key_message = "the key opens none of the log's entries: a wrong key, not tampering"
            return report
        report.chain = chain.problems
        if header is not None and chain.entries == 0:
            report.log.append(
                f"the log is empty, but this database was created on {format_rfc3339(header.created_at)} by "
                f"{header.created_by}, which wrote its first entry: the log was deleted"
            )
        result = state.verify_state_parallel(s.connection(), ledger.settings.database_url, _workers())
        report.records, report.state = result.records, result.problems
        if notes:
            leaves = auditlog.leaf_hashes(s)
            keys = trusted if trusted is not None else _own_verifiers(ledger, s)
            origin = header.origin if header is not None else None
            for source, text in notes:
                report.checkpoints.append(checkpoints.check_checkpoint(text, source, leaves, keys, origin))
    report.seconds = time.perf_counter() - started
    return report


def _own_verifiers(ledger: Ledger, session: Session) -> list[VerifierKey]:
    path = checkpoints.signing_key_path(ledger.settings)
    return checkpoints.load_signing_keys(path, session, create=False).verifiers()


def record_run(ledger: Ledger, actor: str, report: IntegrityReport) -> None:
    """Keep the result (dashboard) and log it; a wrong key writes nothing (its MAC would be wrong too)."""
    if not report.key_ok:
        return
    summary = report.as_dict()
    with ledger.recording().transaction() as s:
        s.add(
            IntegrityRun(
                id=new_id("IR"),
                at=ledger.recording().now(),
                by=actor,
                ok=report.ok,
                entries=report.entries,
                records=report.records,
                checkpoints=len(report.checkpoints),
                problems=report.problems,
                summary=orjson.dumps({k: summary[k] for k in ("log", "chain", "state", "checkpoints")}).decode()[
                    :20000
                ],
                seconds=report.seconds,
            )
        )
        ledger.recording().audit(
            s,
            actor,
            "ledger.verify",
            "ledger",
            None,
            {"ok": report.ok, "entries": report.entries, "records": report.records, "problems": report.problems},
        )


def last_run(session: Session) -> IntegrityRun | None:
    return session.execute(select(IntegrityRun).order_by(IntegrityRun.at.desc()).limit(1)).scalar()


def checkpoint(ledger: Ledger, session: Session, actor: str) -> checkpoints.Checkpoint:
    """Sign the log as it stands and log that it was signed (the entry comes after: the checkpoint
    covers every entry before it)."""
    keys = checkpoints.load_signing_keys(checkpoints.signing_key_path(ledger.settings), session, create=True)
    cp = checkpoints.write_checkpoint(session, keys, at=ledger.now(), by=actor)
    ledger.audit(session, actor, "ledger.checkpoint", "checkpoint", str(cp.size), {"size": cp.size, "root": cp.root})
    return cp


def checkpoint_if_due(ledger: Ledger, session: Session) -> list[str]:
    """The schedule's step: a checkpoint when the last is a day old (or there is none yet)."""
    latest = checkpoints.latest_checkpoint(session)
    if latest is not None and ledger.now() - latest.at < CHECKPOINT_EVERY:
        return []
    if session.execute(select(LedgerHeader.id)).first() is None:
        return []
    cp = checkpoint(ledger, session, "sweep")
    return [f"{cp.size}"]


def status(session: Session) -> dict[str, Any]:
    """The latest checkpoint and the last verification, as the API and the dashboard show them."""
    cp = checkpoints.latest_checkpoint(session)
    run = last_run(session)
    return {
        "checkpoint": None
        if cp is None
        else {"size": cp.size, "root": cp.root, "key_name": cp.key_name, "at": format_rfc3339(cp.at), "note": cp.note},
        "last_verification": None
        if run is None
        else {
            "at": format_rfc3339(run.at),
            "by": run.by,
            "ok": run.ok,
            "entries": run.entries,
            "records": run.records,
            "checkpoints": run.checkpoints,
            "problems": run.problems,
            "seconds": round(run.seconds, 3),
            "summary": orjson.loads(run.summary),
        },
    }
