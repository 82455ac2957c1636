"""Column types shared by every capability's tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

from lookout_ledger.core.timefmt import from_micros, to_micros


class Instant(TypeDecorator[datetime]):
    """An aware datetime stored as UTC microseconds since the epoch (BIGINT).

    Integers make the review-window arithmetic of the audit plain SQL on every engine
    (`b.at - a.at > :window`), index well, and compare exactly.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | int | None, dialect: object) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value
        return to_micros(value)

    def process_result_value(self, value: int | None, dialect: object) -> datetime | None:
        return None if value is None else from_micros(int(value))
