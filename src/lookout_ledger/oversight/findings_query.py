"""Filtering, counting and paging audit findings for reviewers.

The page and the JSON API take the same filters (rule, owner, unit, date range) so a
reviewer's on-screen selection and a script's query always agree. Filters are validated
against the ledger (an unknown owner is an error naming the field, not an empty table that
looks like "no problems").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.timefmt import format_rfc3339, parse_date, parse_instant
from lookout_ledger.org.models import Official, Unit
from lookout_ledger.oversight.audit import Finding
from lookout_ledger.oversight.rules import RULES

PAGE_SIZE = 25


@dataclass(frozen=True)
class FindingFilter:
    rule: str | None = None
    owner: str | None = None
    unit: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive upper bound

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.rule, self.owner, self.unit, self.since, self.until))

    def matches(self, f: Finding) -> bool:
        if self.rule is not None and f.rule != self.rule:
            return False
        if self.owner is not None and f.owner_id != self.owner:
            return False
        if self.unit is not None and f.unit_id != self.unit:
            return False
        if self.since is not None or self.until is not None:
            if f.at is None:
                return False
            if self.since is not None and f.at < self.since:
                return False
            if self.until is not None and f.at >= self.until:
                return False
        return True

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if self.matches(f)]


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _bound(field: str, text: str | None, *, upper: bool) -> datetime | None:
    """A date means the whole day (UTC): `since` from its start, `until` through its end."""
    text = _blank(text)
    if text is None:
        return None
    try:
        day = parse_date(text)
    except ValueError:
        try:
            return parse_instant(text) + (timedelta(microseconds=1) if upper else timedelta(0))
        except ValueError:
            raise LedgerError(f"{field}: {text!r} is not a date (YYYY-MM-DD) or an RFC 3339 timestamp") from None
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start + timedelta(days=1) if upper else start


def parse_filter(
    session: Session,
    *,
    rule: str | None = None,
    owner: str | None = None,
    unit: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> FindingFilter:
    """Validate raw query values; raise LedgerError naming the first bad field."""
    rule, owner, unit = _blank(rule), _blank(owner), _blank(unit)
    if rule is not None and rule not in RULES:
        raise LedgerError(f"rule: unknown rule {rule!r}; rules are: {', '.join(RULES)}")
    if owner is not None and session.get(Official, owner) is None:
        raise LedgerError(f"owner: no official with id {owner!r}")
    if unit is not None and session.get(Unit, unit) is None:
        raise LedgerError(f"unit: no unit with id {unit!r}")
    lo = _bound("since", since, upper=False)
    hi = _bound("until", until, upper=True)
    if lo is not None and hi is not None and hi <= lo:
        raise LedgerError("until: the end of the date range is before its start")
    return FindingFilter(rule=rule, owner=owner, unit=unit, since=lo, until=hi)


def counts_by_rule(findings: Iterable[Finding]) -> list[tuple[str, int]]:
    """Counts in the order rules are declared, rules with no finding included (a zero is news too)."""
    counts = Counter(f.rule for f in findings)
    ordered = [(rule_id, counts.get(rule_id, 0)) for rule_id in RULES]
    extra = sorted((r, n) for r, n in counts.items() if r not in RULES)
    return ordered + extra


@dataclass(frozen=True)
class Page:
    items: Sequence[Finding]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.number - 1) * self.size + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.number * self.size)

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(findings: Sequence[Finding], page: int, size: int = PAGE_SIZE) -> Page:
    """Clamp the page into range so a stale link after a write shows the last page, not nothing."""
    total = len(findings)
    pages = max(1, -(-total // size))
    number = min(max(1, page), pages)
    start = (number - 1) * size
    return Page(items=findings[start : start + size], number=number, size=size, total=total)


def finding_dict(f: Finding, *, with_context: bool = True) -> dict[str, Any]:
    """The spec's finding object, plus (for the API) the owner, unit and time used by filters."""
    out: dict[str, Any] = {
        "rule": f.rule,
        "record_type": f.record_type,
        "record_id": f.record_id,
        "person_id": f.person_id,
        "message": f.message,
        "citation": f.citation,
    }
    if with_context:
        out["owner_id"] = f.owner_id
        out["unit_id"] = f.unit_id
        out["at"] = format_rfc3339(f.at) if f.at is not None else None
    return out
