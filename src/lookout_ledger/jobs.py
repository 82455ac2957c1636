"""The time-based controls, composed: the sweep every adapter and the schedule run.

The lifecycle's sweep (post-inspection deadlines, expiry, periodic reviews, unaccepted
transfers) plus the steps of capabilities built on it (inspections left open past the
policy's limit, flagged even when nobody opens their page), then a signed checkpoint of the
log when the last one is a day old. A composition module, like
`server`: it may import any capability; no capability imports it. A server runs the sweep every
LOOKOUT_SWEEP_SECONDS (default 300; 0 turns it off); one failed run is logged and the next one
retries: the schedule must not die with a bad run.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable

from sqlalchemy.orm import Session

from lookout_ledger.core.errors import KeyError_
from lookout_ledger.core.integrity import checkpoint_if_due
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.inspections.service import flag_open_inspections
from lookout_ledger.lookouts.sweep import SweepReport, sweep
from lookout_ledger.notifications.mailer import deliver_pending

log = logging.getLogger(__name__)


def sweep_interval() -> float:
    return float(os.environ.get("LOOKOUT_SWEEP_SECONDS", "300"))


def run_sweep(ledger: Ledger, session: Session) -> SweepReport:
    """Every time-based control, in the caller's transaction; running it twice changes nothing more."""
    return sweep(ledger, session, steps={"inspections_flagged": flag_open_inspections})


def checkpoint_once(ledger: Ledger) -> int | None:
    """A signed checkpoint when the last is a day old (core.integrity.CHECKPOINT_EVERY); its size, or
    None. In its own transaction, after the sweep's: a missing signing key stops the checkpoint (and
    says so in the log) but never the time-based controls."""
    try:
        with ledger.transaction() as s:
            written = checkpoint_if_due(ledger, s)
    except KeyError_:
        log.exception("the scheduled checkpoint was not written")
        return None
    return int(written[0]) if written else None


def sweep_once(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        run_sweep(ledger, s)
    checkpoint_once(ledger)
    deliver_pending(ledger)


async def sweep_forever(
    ledger: Ledger, interval: float, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> None:
    """Run the sweep every `interval` seconds until cancelled; `sleep` is injected so tests drive the
    loop without the wall clock."""
    while True:
        await sleep(interval)
        try:
            await asyncio.to_thread(sweep_once, ledger)
        except Exception:  # the schedule must survive one bad run; the next run retries
            log.exception("scheduled sweep failed")
