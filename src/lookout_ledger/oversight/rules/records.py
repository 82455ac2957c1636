"""The records rules (RC-*): personal-account messages not forwarded in time, messages not retained."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from lookout_ledger.core.timefmt import MICROS_PER_DAY
from lookout_ledger.oversight.metrics import (
    us,
)
from lookout_ledger.oversight.rules.base import (
    COMMUNICATIONS,
    AuditContext,
    Finding,
    when,
)
from lookout_ledger.oversight.rules.catalog import RULES


def communication_finding(rule: str, row: Any, message: str) -> Finding:
    return Finding(
        rule=rule,
        record_type="communication",
        record_id=row.id,
        person_id=None,
        message=message,
        citation=RULES[rule].citation,
        at_micros=row.at,
    )


def rc_unofficial_not_forwarded(ctx: AuditContext) -> list[Finding]:
    """Personal-account communications whose forwarding deadline (sent_at + 20 days) has passed at the
    evaluation time and that were not forwarded by the deadline (never, or later)."""
    c = COMMUNICATIONS
    deadline = us(c.c.sent_at) + ctx.forward_days * MICROS_PER_DAY
    forwarded = us(c.c.forwarded_to_official_at)
    rows = ctx.session.execute(
        select(c.c.id, c.c.channel, us(c.c.sent_at).label("at"), forwarded.label("forwarded")).where(
            c.c.account == "personal",
            deadline < ctx.now_micros,
            or_(c.c.forwarded_to_official_at.is_(None), forwarded > deadline),
        )
    )
    out = []
    for r in rows:
        if r.forwarded is None or r.forwarded > ctx.now_micros:
            fate = "has not been forwarded to an official account"
        else:
            fate = f"was forwarded to an official account only on {when(r.forwarded)}"
        msg = (
            f"Communication {r.id} ({r.channel}) sent from a personal account on {when(r.at)} {fate}. A federal "
            f"record sent from a personal account must be copied or forwarded to an official account within "
            f"{ctx.forward_days} days."
        )
        out.append(communication_finding("RC-UNOFFICIAL-NOT-FORWARDED", r, msg))
    return out


def rc_not_retained(ctx: AuditContext) -> list[Finding]:
    """Communications with retained false."""
    c = COMMUNICATIONS
    rows = ctx.session.execute(select(c.c.id, c.c.channel, us(c.c.sent_at).label("at")).where(c.c.retained.is_(False)))
    return [
        communication_finding(
            "RC-NOT-RETAINED",
            r,
            f"Communication {r.id} ({r.channel}, sent {when(r.at)}) was not retained. Messages that document "
            "agency business are federal records and must be kept under the records schedule.",
        )
        for r in rows
    ]
