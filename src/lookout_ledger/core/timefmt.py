"""RFC 3339 timestamps that keep their original offset.

Instants are stored as UTC microseconds (portable, set-based arithmetic on SQLite, PostgreSQL
and DuckDB alike) plus the offset in minutes the source wrote them with, so an export shows
the same local time an official saw.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|z|[+-]\d{2}:\d{2})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROS_PER_DAY = 86_400_000_000


# The instants the ledger stores, exports and re-imports identically on every engine (#15: a valid
# RFC 3339 instant whose UTC value left Python's datetime range was accepted, and then building the
# screening index, exporting and re-importing failed for everyone).
MIN_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
MAX_INSTANT = datetime(2200, 1, 1, tzinfo=UTC)
RANGE = "an instant from 1900-01-01T00:00:00Z up to (not including) 2200-01-01T00:00:00Z"


def in_range(instant: datetime) -> datetime:
    """The instant in UTC, or ValueError when it is outside the range the ledger stores."""
    try:
        utc = instant.astimezone(UTC)
    except OverflowError:
        raise ValueError(RANGE) from None
    if not MIN_INSTANT <= utc < MAX_INSTANT:
        raise ValueError(RANGE)
    return utc


def parse_rfc3339(text: str) -> tuple[datetime, int]:
    """Parse an RFC 3339 timestamp with a mandatory offset; return (UTC instant, offset minutes).

    Raises ValueError with a readable message for anything else (a naive timestamp is an
    error: the spec requires the offset so nobody has to guess the zone).
    """
    m = _RFC3339.match(text)
    if not m:
        raise ValueError("an RFC 3339 timestamp with an offset, like 2018-12-10T14:03:00-08:00")
    year, month, day, hh, mm, ss = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7)
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    off = m.group(8)
    if off in ("Z", "z"):
        offset = 0
    else:
        sign = 1 if off[0] == "+" else -1
        oh, om = int(off[1:3]), int(off[4:6])
        if oh > 23 or om > 59:
            raise ValueError("an offset between -23:59 and +23:59")
        offset = sign * (oh * 60 + om)
    try:
        local = datetime(year, month, day, hh, mm, ss, micro, tzinfo=timezone(timedelta(minutes=offset)))
    except ValueError as exc:
        raise ValueError(f"a real calendar date and time ({exc})") from None
    return in_range(local), offset


def parse_instant(text: str) -> datetime:
    """Parse a timestamp given on the command line (`--now`). A bare date means its UTC midnight."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return in_range(datetime.fromisoformat(text).replace(tzinfo=UTC))
    try:
        return parse_rfc3339(text)[0]
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a timestamp; expected e.g. 2019-03-01T00:00:00Z") from None
    return in_range(dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt)


def format_rfc3339(instant: datetime, offset_minutes: int | None = 0) -> str:
    """Format a UTC instant in the given offset, seconds always, fraction only when non-zero."""
    offset_minutes = offset_minutes or 0
    local = instant.astimezone(timezone(timedelta(minutes=offset_minutes)))
    base = local.strftime("%Y-%m-%dT%H:%M:%S")
    if local.microsecond:
        base += f".{local.microsecond:06d}".rstrip("0")
    sign = "+" if offset_minutes >= 0 else "-"
    h, m = divmod(abs(offset_minutes), 60)
    return f"{base}{sign}{h:02d}:{m:02d}"


def to_micros(instant: datetime) -> int:
    """UTC microseconds since the epoch (exact integer arithmetic, no float rounding)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: every instant in the ledger carries its zone")
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def parse_date(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"a real calendar date ({exc})") from None


def parse_field_instant(value: str | None, field: str) -> datetime | None:
    """An optional instant from a form or query field: None when blank, else the instant, or an
    error that names the field (what every adapter shows)."""
    from lookout_ledger.core.errors import LedgerError

    if not value:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise LedgerError(f"{field}: {exc}") from None
