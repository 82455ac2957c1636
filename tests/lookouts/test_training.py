"""Acknowledging the policy is idempotent, also from concurrent requests (#15 item 3)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.lookouts.lifecycle_models import PolicyAcknowledgment
from lookout_ledger.lookouts.training import acknowledge
from support.lifecycle_world import build_world


def test_eight_simultaneous_acknowledgments_by_one_user_all_succeed_once(ledger: Ledger) -> None:
    """On PostgreSQL, 3-7 of 8 concurrent acknowledgments failed with an IntegrityError (HTTP 500)."""
    build_world(ledger, acknowledged=False)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def once() -> None:
        try:
            start.wait(5)
            with ledger.transaction() as s:
                acknowledge(ledger, s, "alice")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=once) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with ledger.reading() as s:
        rows = s.scalar(
            select(func.count()).select_from(PolicyAcknowledgment).where(PolicyAcknowledgment.username == "alice")
        )
    assert rows == 1
