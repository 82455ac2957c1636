"""Audit results, computed once per audit-log head and evaluation day.

Running every rule over the whole ledger is the expensive part of the dashboard, and every
page (dashboard, findings filter, each record page) needs the same result. Every write use
case appends to the hash-chained audit log in its own transaction, so the log's head (seq,
hash) moves whenever the data may have changed: keying on it makes the cache never stale after
a write, without any invalidation calls scattered through the code. The
evaluation day is in the key because time-dependent rules (review windows, the 20-day
forwarding rule) change their answer as days pass even when nothing is written.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.auditlog import GENESIS, AuditEntry, AuditHead
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import to_micros
from lookout_ledger.oversight.audit import AuditResult, run_audit

# Entries that record someone reading or signing in, never a change to the records the audit
# evaluates. Skipping them in the key means a sign-in or a logged SPII read does not throw away
# an audit that took seconds to compute.
NON_WRITING_ACTIONS = (
    "session.sign_in",
    "session.sign_in_failed",
    "session.sign_in_throttled",
    "session.sign_out",
    "session.idle_timeout",
    "session.end",
    "person.read",
)


def audit_head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the newest audit-log entry that may reflect a change to the records."""
    head = session.get(AuditHead, 1)
    if head is None or head.seq is None:
        return (0, GENESIS)
    newest = session.execute(
        select(AuditEntry.seq, AuditEntry.hash)
        .where(AuditEntry.action.not_in(NON_WRITING_ACTIONS))
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).first()
    return (newest.seq, newest.hash) if newest is not None else (0, GENESIS)


@dataclass
class CachedAudit:
    """One audit result and the things derived from it (the chart), computed at most once."""

    result: AuditResult
    _derived: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def memo(self, name: str, compute: Callable[[AuditResult], Any]) -> Any:
        with self._lock:
            if name not in self._derived:
                self._derived[name] = compute(self.result)
            return self._derived[name]


class AuditCache:
    """A small LRU of audit results; thread-safe because uvicorn runs sync handlers in a pool."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, CachedAudit] = OrderedDict()
        self._lock = threading.Lock()
        self.computed = 0  # how many times an audit actually ran (tests and diagnostics)

    def get(self, ledger: Ledger, session: Session, at: datetime | None = None) -> CachedAudit:
        """The audit at `at`, or at the ledger clock when `at` is None.

        An explicit time is keyed exactly; the clock's time is keyed by its UTC day, so the
        result evaluated at the first request of a day serves the rest of that day.
        """
        window = ledger.policy.review_window_days
        head = audit_head(session)
        if at is None:
            evaluate_at = ledger.now()
            key: Hashable = (head, "day", evaluate_at.date().isoformat(), window)
        else:
            evaluate_at = at
            key = (head, "at", to_micros(at), window)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit
            entry = CachedAudit(run_audit(session, now=evaluate_at, review_window_days=window, policy=ledger.policy))
            self.computed += 1
            self._entries[key] = entry
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
            return entry
