"""What every CLI module shares: the console, global options, opening the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console

from lookout_ledger.core.clock import clock_for
from lookout_ledger.core.config import Settings
from lookout_ledger.core.ledger import Ledger

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

NOW_HELP = "Evaluation time (RFC 3339, e.g. 2019-03-01T00:00:00Z); default: the clock."


@dataclass
class _State:
    database_url: str | None = None
    actor: str = "cli"


state = _State()


def open_ledger(now: str | None = None, policy: str | None = None) -> Ledger:
    return Ledger.open(Settings.from_env(state.database_url), clock=clock_for(now), policy=policy)
