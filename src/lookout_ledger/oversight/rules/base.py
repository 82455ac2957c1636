"""What every finding rule shares: the finding, the audit context, the tables, and the words of messages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lookout_ledger.core.db import table_of
from lookout_ledger.core.timefmt import MICROS_PER_DAY, from_micros
from lookout_ledger.history.communications import Communication
from lookout_ledger.history.disclosures import DisclosureApproval
from lookout_ledger.history.inspections import InspectionTopic
from lookout_ledger.history.lookouts import LookoutTopic
from lookout_ledger.org.models import Official, UnitRequiredApproval
from lookout_ledger.oversight.metrics import (
    SEP,
)
from lookout_ledger.oversight.rules.catalog import RULES

OFFICIALS = table_of(Official)
LOOKOUT_TOPICS = table_of(LookoutTopic)
INSPECTION_TOPICS = table_of(InspectionTopic)
APPROVALS = table_of(DisclosureApproval)
REQUIRED_APPROVALS = table_of(UnitRequiredApproval)
COMMUNICATIONS = table_of(Communication)

# Events that count as the owner re-evaluating a lookout after an inspection.
RE_EVALUATION = ("reviewed", "modified", "referral_disabled", "removed")
MICROS_PER_HOUR = 3_600_000_000
# Each rule's citation, looked up once rather than through RULES for every finding.
CITATIONS = {rule_id: rule.citation for rule_id, rule in RULES.items()}


@dataclass(slots=True)
class Finding:
    """One rule broken by one record. `owner_id`, `unit_id` and `at` are context for filters and
    drill-down (the responsible official, their unit, the record's main timestamp); they are not
    part of the LIF audit output.

    An audit of a million lookouts holds millions of findings, so the class is slotted and not
    frozen (a frozen dataclass pays a setattr call per field), and the timestamp is kept as the
    integer the database returned and turned into a datetime only when someone reads `at`.
    """

    rule: str
    record_type: str
    record_id: str
    person_id: str | None
    message: str
    citation: str
    owner_id: str | None = None
    unit_id: str | None = None
    at_micros: int | None = None

    @property
    def at(self) -> datetime | None:
        return None if self.at_micros is None else from_micros(self.at_micros)

    def to_spec(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "person_id": self.person_id,
            "message": self.message,
            "citation": self.citation,
        }

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.rule, self.record_type, self.record_id)


@dataclass(frozen=True)
class AuditContext:
    session: Session
    dialect: str
    now_micros: int
    window_days: int
    max_inspection_hours: float
    forward_days: int

    @property
    def window_micros(self) -> int:
        return self.window_days * MICROS_PER_DAY


def when(micros: int | None) -> str:
    """A timestamp in a message: minute precision, UTC, unambiguous for any reader."""
    if micros is None:
        return "an unrecorded time"
    t = from_micros(int(micros))
    if t.year >= 1000:  # four-digit years: the same text as strftime, several times faster
        return f"{t.year}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d} UTC"
    return t.strftime("%Y-%m-%d %H:%M UTC")


def split_list(text: str | None) -> list[str]:
    return sorted({t for t in (text or "").split(SEP) if t})


def quote(items: Iterable[str]) -> str:
    items = list(items)
    return ", ".join(f'"{t}"' for t in items) if items else "nothing"


def quoted_topics(cache: dict[str | None, str], text: str | None) -> str:
    """`quote(split_list(text))`, remembered per distinct text: the same few topic lists recur on
    hundreds of thousands of inspections."""
    quoted = cache.get(text)
    if quoted is None:
        quoted = cache[text] = quote(split_list(text))
    return quoted


def id_list(text: str | None) -> str:
    """`", ".join(split_list(text))`, without the set and the sort when the text holds a single id."""
    if text and SEP not in text:
        return text
    return ", ".join(split_list(text))


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- lookouts ----------------------------------------------------------------------------
