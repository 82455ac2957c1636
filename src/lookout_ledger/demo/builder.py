"""A small helper for writing the demo scenario as LIF records.

The scenario is a story told in dated events (a lookout placed, a crossing, an interview, an
e-mail). Writing each as a raw dict would bury the story under ids and offsets; this builder
numbers records per type, stamps local times with the offset an official in that place would
have seen, and pairs every referral with the crossing that caused it, so the story modules
read like the review's narrative.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

# Daylight-saving changes inside the scenario's span (the second Sunday of March). Pacific
# and Mountain offsets are written out rather than taken from the host's zone database so
# the scenario is byte-identical on every machine.
_DST = ((date(2018, 3, 11), date(2018, 11, 4)), (date(2019, 3, 10), date(2019, 11, 3)))
_STANDARD_OFFSET_HOURS = {"PT": -8, "ET": -5}
ARIZONA_OFFSET_HOURS = -7  # Arizona keeps standard time all year


def offset_hours(zone: str, day: date) -> int:
    """The UTC offset, in hours, of a U.S. zone on a given day."""
    if zone == "AZ":
        return ARIZONA_OFFSET_HOURS
    standard = _STANDARD_OFFSET_HOURS[zone]
    in_dst = any(start <= day < end for start, end in _DST)
    return standard + 1 if in_dst else standard


def local(day: str, hm: str, zone: str = "PT") -> datetime:
    """An aware datetime for a wall-clock time in a zone ("PT", "AZ" or "ET")."""
    d = date.fromisoformat(day)
    hh, mm = (int(x) for x in hm.split(":"))
    tz = timezone(timedelta(hours=offset_hours(zone, d)))
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=tz)


def stamp(moment: datetime) -> str:
    """RFC 3339 with the moment's own offset (seconds always; the scenario has no fractions)."""
    return moment.isoformat(timespec="seconds")


@dataclass
class Port:
    """A place where travelers cross; its zone decides the offset of every time recorded there."""

    name: str
    zone: str


@dataclass
class DeviceSearch:
    performed: bool = True
    reason: str | None = None
    supervisor_approval_id: str | None = None
    findings_documented: bool | None = None

    def to_lif(self) -> dict[str, Any]:
        return {
            "performed": self.performed,
            "reason": self.reason,
            "supervisor_approval_id": self.supervisor_approval_id,
            "findings_documented": self.findings_documented,
        }


@dataclass
class Interview:
    """One secondary inspection as the story tells it; `minutes` None means no end time was recorded."""

    day: str
    hm: str
    port: Port
    officers: list[str]
    topics: list[str]
    obtained: str | None
    new_information: bool | None
    documented: bool = True
    minutes: int | None = 90
    restrained: bool = False
    device_search: DeviceSearch | None = None


@dataclass
class LifBuilder:
    """Collects LIF records in story order and hands out per-type sequential ids."""

    records: list[dict[str, Any]] = field(default_factory=list)
    _counters: Counter[str] = field(default_factory=Counter)

    def next_id(self, prefix: str, width: int = 3) -> str:
        self._counters[prefix] += 1
        return f"{prefix}-{self._counters[prefix]:0{width}d}"

    def add(self, type_: str, **fields: Any) -> dict[str, Any]:
        record = {"type": type_, **fields}
        self.records.append(record)
        return record

    def event(
        self,
        lookout_id: str,
        moment: datetime,
        kind: str,
        actor_id: str,
        reason: str,
        to_owner_id: str | None = None,
        notice: bool | None = None,
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "id": self.next_id("EV", 4),
            "lookout_id": lookout_id,
            "at": stamp(moment),
            "kind": kind,
            "actor_id": actor_id,
            "reason": reason,
        }
        if kind == "transferred":
            fields["to_owner_id"] = to_owner_id
            fields["notice"] = notice
        return self.add("lookout_event", **fields)

    def crossing(
        self, person_id: str, moment: datetime, port: Port, referred: bool, lookout_ids: list[str]
    ) -> dict[str, Any]:
        return self.add(
            "crossing",
            id=self.next_id("X", 4),
            person_id=person_id,
            at=stamp(moment),
            port=port.name,
            referred_secondary=referred,
            lookout_ids=lookout_ids,
        )

    def referral(self, person_id: str, lookout_id: str, interview: Interview) -> dict[str, Any]:
        """A crossing at which the lookout matched and referred the traveler, and the inspection that followed.

        Primary inspection takes a few minutes before the secondary interview starts, so the
        crossing is stamped 20 minutes before the inspection.
        """
        start = local(interview.day, interview.hm, interview.port.zone)
        crossing = self.crossing(person_id, start - timedelta(minutes=20), interview.port, True, [lookout_id])
        ended = None if interview.minutes is None else stamp(start + timedelta(minutes=interview.minutes))
        return self.add(
            "inspection",
            id=self.next_id("IN", 4),
            person_id=person_id,
            crossing_id=crossing["id"],
            lookout_ids=[lookout_id],
            started_at=stamp(start),
            ended_at=ended,
            officer_ids=interview.officers,
            documented=interview.documented,
            topics_asked=interview.topics,
            information_obtained=interview.obtained,
            new_information=interview.new_information,
            restrained=interview.restrained,
            device_search=None if interview.device_search is None else interview.device_search.to_lif(),
        )
