"""The sweep on a schedule: the time-based controls run whether or not anyone opens a page.

A server runs it every LOOKOUT_SWEEP_SECONDS (default 300; 0 turns it off). One failed run is
logged and the next one retries: the schedule must not die with a bad run.
"""

from __future__ import annotations

import asyncio
import logging
import os

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.lookouts.sweep import sweep
from lookout_ledger.notifications.mailer import deliver_pending

log = logging.getLogger(__name__)


def sweep_interval() -> float:
    return float(os.environ.get("LOOKOUT_SWEEP_SECONDS", "300"))


def sweep_once(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        sweep(ledger, s)
    deliver_pending(ledger)


async def sweep_forever(ledger: Ledger, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(sweep_once, ledger)
        except Exception:  # the schedule must survive one bad run; the next run retries
            log.exception("scheduled sweep failed")
