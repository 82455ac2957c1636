"""Acknowledging the policy is idempotent, also from concurrent requests (#15 item 3)."""

from __future__ import annotations

from sqlalchemy import func, select

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.lookouts.lifecycle_models import PolicyAcknowledgment
from lookout_ledger.lookouts.training import acknowledge
from support.concurrency import at_once
from support.lifecycle_world import build_world


def test_eight_simultaneous_acknowledgments_by_one_user_all_succeed_once(ledger: Ledger) -> None:
    """On PostgreSQL, 3-7 of 8 concurrent acknowledgments failed with an IntegrityError (HTTP 500)."""
    build_world(ledger, acknowledged=False)

    def once() -> None:
        with ledger.transaction() as s:
            acknowledge(ledger, s, "alice")

    _, errors = at_once(once, 8)
    assert errors == []
    with ledger.reading() as s:
        rows = s.scalar(
            select(func.count()).select_from(PolicyAcknowledgment).where(PolicyAcknowledgment.username == "alice")
        )
    assert rows == 1
