"""The injected clock. Domain code asks a Clock for the time so every decision can be replayed
with `--now`; nothing else in the package calls `datetime.now()`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from lookout_ledger.core.timefmt import parse_instant


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock frozen at one instant (replay, tests, `--now`)."""

    def __init__(self, at: datetime | str) -> None:
        self.at = parse_instant(at) if isinstance(at, str) else at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.at = self.at + timedelta(**delta)


def clock_for(now: str | None) -> Clock:
    """The clock a command should use: fixed when `--now` was given, else the system's."""
    return FixedClock(now) if now else SystemClock()
