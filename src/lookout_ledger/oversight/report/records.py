"""The records behind the findings, as the key facts a reviewer reads in the report's drill-down.

A finding says which rule a record bears on; a reviewer then needs the record itself: for a
lookout its basis, what it sought and what happened to it over time; for an inspection what
was asked and how the phone was searched; for a disclosure how it was sent and who approved
it; for a message where it was sent from and whether it reached an official account.

Records are loaded in bulk (one query per table per chunk of ids), never one query per
finding, so a report over thousands of findings stays a handful of queries. Persons appear
through the `person` callback, which shows ids only unless the caller decrypted names for a
stated purpose; free text that may name people (interview notes, message subjects) is shown
only in that case too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.crypto import Keyring
from lookout_ledger.history.communications import Communication, subject_of
from lookout_ledger.history.crossings import Crossing, CrossingLookout
from lookout_ledger.history.disclosures import Disclosure, DisclosureApproval, DisclosurePerson
from lookout_ledger.history.inspections import Inspection, InspectionLookout, InspectionOfficer, InspectionTopic
from lookout_ledger.history.lookouts import Lookout, LookoutEvent, LookoutTopic
from lookout_ledger.org.models import Official, Unit

CHUNK = 500
NOT_RECORDED = "not recorded"
SPII_WITHHELD = "withheld (SPII; shown with --include-spii)"

PersonLabel = Callable[[str | None], str]


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    what: str
    detail: str


@dataclass
class RecordFacts:
    """What the drill-down shows about one record, already worded for a reader."""

    record_type: str
    record_id: str
    person_id: str | None
    facts: list[tuple[str, str]] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    approvals: list[tuple[str, str, str, str]] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)  # (record_type, record_id)


@dataclass
class Directory:
    """Officials and units by id, so a record names people and units rather than ids."""

    officials: dict[str, Official]
    units: dict[str, Unit]

    @classmethod
    def load(cls, session: Session) -> Directory:
        officials = {o.id: o for o in session.execute(select(Official)).scalars()}
        units = {u.id: u for u in session.execute(select(Unit)).scalars()}
        return cls(officials, units)

    def official(self, official_id: str | None) -> str:
        if official_id is None:
            return NOT_RECORDED
        o = self.officials.get(official_id)
        return f"{o.name} ({official_id})" if o else official_id

    def official_name(self, official_id: str | None) -> str:
        o = self.officials.get(official_id) if official_id else None
        return o.name if o else (official_id or "no responsible official recorded")

    def unit_of(self, official_id: str | None) -> Unit | None:
        o = self.officials.get(official_id) if official_id else None
        return self.units.get(o.unit_id) if o else None

    def unit(self, unit_id: str | None) -> str:
        u = self.units.get(unit_id) if unit_id else None
        return u.name if u else (unit_id or NOT_RECORDED)


# --- wording ---------------------------------------------------------------------------------------


def local_time(instant: datetime | None, offset_minutes: int | None) -> str:
    """The time as the source wrote it (its own UTC offset), so it matches the agency's records."""
    if instant is None:
        return NOT_RECORDED
    offset = offset_minutes or 0
    local = instant.astimezone(timezone(timedelta(minutes=offset)))
    sign = "+" if offset >= 0 else "−"
    h, m = divmod(abs(offset), 60)
    return f"{local:%Y-%m-%d %H:%M} (UTC{sign}{h:02d}:{m:02d})"


def yes_no(value: bool | None) -> str:
    """Null is not false (LIF spec): an unrecorded fact reads as such, never as "no"."""
    if value is None:
        return NOT_RECORDED
    return "yes" if value else "no"


def text_or(value: str | None, missing: str = NOT_RECORDED) -> str:
    return value if value is not None and value.strip() else missing


def words(code: str | None) -> str:
    return code.replace("_", " ") if code else NOT_RECORDED


def duration(start: datetime, end: datetime | None) -> str:
    if end is None:
        return "end not recorded"
    minutes = int((end - start).total_seconds() // 60)
    if minutes < 0:
        return f"ends {-minutes} min before it starts"
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(set(ids))
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _rows(session: Session, stmt_for: Callable[[list[str]], Any], ids: Iterable[str]) -> Iterator[Any]:
    for chunk in _chunks(ids):
        yield from session.execute(stmt_for(chunk))


# --- loaders ---------------------------------------------------------------------------------------


def load_records(
    session: Session,
    wanted: dict[str, set[str]],
    directory: Directory,
    person: PersonLabel,
    include_spii: bool,
    keyring: Keyring,
) -> dict[tuple[str, str], RecordFacts]:
    """Key facts for every (record_type, record_id) asked for; unknown types are ignored."""
    out: dict[tuple[str, str], RecordFacts] = {}
    loaders: dict[str, Callable[..., Iterator[RecordFacts]]] = {
        "lookout": _lookouts,
        "inspection": _inspections,
        "disclosure": _disclosures,
        "communication": partial(_communications, keyring=keyring),
    }
    for record_type, ids in wanted.items():
        loader = loaders.get(record_type)
        if loader and ids:
            for facts in loader(session, ids, directory, person, include_spii):
                out[(record_type, facts.record_id)] = facts
    return out


def _topics(session: Session, model: Any, key: Any, ids: Iterable[str]) -> dict[str, list[str]]:
    topics: dict[str, list[str]] = defaultdict(list)
    for owner, topic in _rows(
        session, lambda c: select(key, model.topic).where(key.in_(c)).order_by(key, model.position), ids
    ):
        topics[owner].append(topic)
    return topics


def _lookouts(
    session: Session, ids: set[str], d: Directory, person: PersonLabel, include_spii: bool
) -> Iterator[RecordFacts]:
    lookouts = list(_rows(session, lambda c: select(Lookout).where(Lookout.id.in_(c)), ids))
    sought = _topics(session, LookoutTopic, LookoutTopic.lookout_id, ids)
    events: dict[str, list[LookoutEvent]] = defaultdict(list)
    for (e,) in _rows(session, lambda c: select(LookoutEvent).where(LookoutEvent.lookout_id.in_(c)), ids):
        events[e.lookout_id].append(e)
    inspections: dict[str, list[Inspection]] = defaultdict(list)
    for lookout_id, insp in _rows(
        session,
        lambda c: (
            select(InspectionLookout.lookout_id, Inspection)
            .join(Inspection, Inspection.id == InspectionLookout.inspection_id)
            .where(InspectionLookout.lookout_id.in_(c))
        ),
        ids,
    ):
        inspections[lookout_id].append(insp)
    crossings: dict[str, list[Crossing]] = defaultdict(list)
    for lookout_id, crossing in _rows(
        session,
        lambda c: (
            select(CrossingLookout.lookout_id, Crossing)
            .join(Crossing, Crossing.id == CrossingLookout.crossing_id)
            .where(CrossingLookout.lookout_id.in_(c))
        ),
        ids,
    ):
        crossings[lookout_id].append(crossing)

    for (lk,) in lookouts:
        unit = d.unit_of(lk.owner_id)
        facts = RecordFacts("lookout", lk.id, lk.person_id)
        facts.facts = [
            ("Person", person(lk.person_id)),
            ("Status", "suspect" if lk.status_code == "suspect" else "non-suspect (not suspected of illegal activity)"),
            ("Suspected activity", text_or(lk.suspected_activity, "none stated")),
            ("Basis", text_or(lk.basis, "none stated")),
            ("Information sought", "; ".join(sought.get(lk.id, [])) or "none stated"),
            ("Action on match", words(lk.action)),
            ("Owner", d.official(lk.owner_id) + (f", {unit.name}" if unit else "")),
            ("Created", f"{local_time(lk.created_at, lk.created_at_offset)} by {d.official(lk.created_by_id)}"),
            (
                "Approved",
                f"{local_time(lk.approved_at, lk.approved_at_offset)} by {d.official(lk.approved_by_id)}"
                if lk.approved_by_id
                else "no approval recorded",
            ),
        ]
        facts.timeline = _lookout_timeline(lk, events[lk.id], inspections[lk.id], crossings[lk.id], d)
        ordered = sorted(inspections[lk.id], key=lambda i: (i.started_at, i.id))
        facts.related = [("inspection", i.id) for i in ordered]
        yield facts


def _lookout_timeline(
    lk: Lookout,
    events: Sequence[LookoutEvent],
    inspections: Sequence[Inspection],
    crossings: Sequence[Crossing],
    d: Directory,
) -> list[TimelineEntry]:
    """Placement, every event, crossing and inspection in time order: the lookout's history at a glance."""
    items: list[tuple[datetime, int, str, TimelineEntry]] = [
        (
            lk.created_at,
            0,
            "",
            TimelineEntry(
                local_time(lk.created_at, lk.created_at_offset), "created", f"by {d.official(lk.created_by_id)}"
            ),
        ),
    ]
    if lk.approved_by_id and lk.approved_at:
        when = local_time(lk.approved_at, lk.approved_at_offset)
        items.append((lk.approved_at, 0, "~", TimelineEntry(when, "approved", f"by {d.official(lk.approved_by_id)}")))
    for e in events:
        parts = []
        if e.actor_id:
            parts.append(f"by {d.official(e.actor_id)}")
        if e.kind == "transferred":
            parts.append(f"to {d.official(e.to_owner_id)}")
            parts.append("notice given" if e.notice else f"notice: {yes_no(e.notice)}")
        if e.reason:
            parts.append(f"reason: {e.reason}")
        items.append((e.at, 1, e.id, TimelineEntry(local_time(e.at, e.at_offset), words(e.kind), "; ".join(parts))))
    for c in crossings:
        detail = f"at {c.port}; referred to secondary: {yes_no(c.referred_secondary)}"
        items.append((c.at, 2, c.id, TimelineEntry(local_time(c.at, c.at_offset), "crossing matched", detail)))
    for i in inspections:
        detail = f"inspection {i.id}; documented: {yes_no(i.documented)}; new information: {yes_no(i.new_information)}"
        items.append(
            (i.started_at, 3, i.id, TimelineEntry(local_time(i.started_at, i.started_at_offset), "inspected", detail))
        )
    items.sort(key=lambda t: (t[0], t[1], t[2]))
    return [t[3] for t in items]


def _inspections(
    session: Session, ids: set[str], d: Directory, person: PersonLabel, include_spii: bool
) -> Iterator[RecordFacts]:
    rows = list(_rows(session, lambda c: select(Inspection).where(Inspection.id.in_(c)), ids))
    asked = _topics(session, InspectionTopic, InspectionTopic.inspection_id, ids)
    lookout_ids: dict[str, list[str]] = defaultdict(list)
    for insp_id, lookout_id in _rows(
        session,
        lambda c: (
            select(InspectionLookout.inspection_id, InspectionLookout.lookout_id)
            .where(InspectionLookout.inspection_id.in_(c))
            .order_by(InspectionLookout.inspection_id, InspectionLookout.position)
        ),
        ids,
    ):
        lookout_ids[insp_id].append(lookout_id)
    officers: dict[str, list[str]] = defaultdict(list)
    for insp_id, official_id in _rows(
        session,
        lambda c: (
            select(InspectionOfficer.inspection_id, InspectionOfficer.official_id)
            .where(InspectionOfficer.inspection_id.in_(c))
            .order_by(InspectionOfficer.inspection_id, InspectionOfficer.position)
        ),
        ids,
    ):
        officers[insp_id].append(d.official(official_id))
    all_lookouts = {lid for lids in lookout_ids.values() for lid in lids}
    sought = _topics(session, LookoutTopic, LookoutTopic.lookout_id, all_lookouts)
    crossing_ids = {i.crossing_id for (i,) in rows if i.crossing_id}
    ports = dict(_rows(session, lambda c: select(Crossing.id, Crossing.port).where(Crossing.id.in_(c)), crossing_ids))

    for (i,) in rows:
        facts = RecordFacts("inspection", i.id, i.person_id)
        linked = lookout_ids.get(i.id, [])
        sought_topics = list(dict.fromkeys(t for lid in linked for t in sought.get(lid, [])))
        facts.facts = [
            ("Person", person(i.person_id)),
            ("Started", local_time(i.started_at, i.started_at_offset)),
            ("Ended", local_time(i.ended_at, i.ended_at_offset)),
            ("Duration", duration(i.started_at, i.ended_at)),
            ("Port", ports.get(i.crossing_id, NOT_RECORDED) if i.crossing_id else "no crossing recorded"),
            ("Lookouts that caused the referral", ", ".join(linked) or "none"),
            ("Officers", "; ".join(officers.get(i.id, [])) or NOT_RECORDED),
            ("Interview documented", yes_no(i.documented)),
            ("Information the lookouts sought", "; ".join(sought_topics) or "none stated"),
            ("Topics asked", "; ".join(asked.get(i.id, [])) or "none recorded"),
            ("New information obtained", yes_no(i.new_information)),
            (
                "Information obtained",
                text_or(i.information_obtained, "none recorded") if include_spii else SPII_WITHHELD,
            ),
            ("Restrained", yes_no(i.restrained)),
            ("Device search", _device_search(i, d)),
        ]
        facts.related = [("lookout", lid) for lid in linked]
        yield facts


def _device_search(i: Inspection, d: Directory) -> str:
    if i.ds_performed is None:
        return "none recorded"
    if not i.ds_performed:
        return "not performed"
    approval = d.official(i.ds_supervisor_approval_id) if i.ds_supervisor_approval_id else "none"
    return (
        f"performed; reason: {text_or(i.ds_reason, 'none stated')}; supervisor approval: {approval}; "
        f"findings documented: {yes_no(i.ds_findings_documented)}"
    )


def _disclosures(
    session: Session, ids: set[str], d: Directory, person: PersonLabel, include_spii: bool
) -> Iterator[RecordFacts]:
    rows = list(_rows(session, lambda c: select(Disclosure).where(Disclosure.id.in_(c)), ids))
    persons: dict[str, list[str]] = defaultdict(list)
    for disclosure_id, person_id in _rows(
        session,
        lambda c: (
            select(DisclosurePerson.disclosure_id, DisclosurePerson.person_id)
            .where(DisclosurePerson.disclosure_id.in_(c))
            .order_by(DisclosurePerson.disclosure_id, DisclosurePerson.position)
        ),
        ids,
    ):
        persons[disclosure_id].append(person_id)
    approvals: dict[str, list[DisclosureApproval]] = defaultdict(list)
    for (a,) in _rows(
        session,
        lambda c: (
            select(DisclosureApproval)
            .where(DisclosureApproval.disclosure_id.in_(c))
            .order_by(DisclosureApproval.disclosure_id, DisclosureApproval.position)
        ),
        ids,
    ):
        approvals[a.disclosure_id].append(a)

    for (x,) in rows:
        facts = RecordFacts("disclosure", x.id, None)
        unit = d.units.get(x.unit_id)
        required = [r.role for r in unit.required_approvals] if unit else []
        recipient = (
            ", ".join(v for v in (x.recipient_official, x.recipient_agency, x.recipient_country) if v) or NOT_RECORDED
            if x.recipient_present
            else NOT_RECORDED
        )
        if x.request_present:
            received = local_time(x.request_received_at, x.request_received_at_offset)
            request = f"written: {yes_no(x.request_written)}; received {received}"
        else:
            request = "none (disclosed proactively)"
        named = persons.get(x.id, [])
        facts.facts = [
            ("Disclosed", local_time(x.at, x.at_offset)),
            ("Unit", d.unit(x.unit_id)),
            ("Discloser", d.official(x.discloser_id)),
            ("Recipient", recipient),
            ("Recipient address", text_or(x.recipient_address) if x.recipient_present else NOT_RECORDED),
            ("Channel", words(x.channel)),
            ("Recipient address official", yes_no(x.recipient_address_official)),
            ("Contains SPII", yes_no(x.spii)),
            ("Encrypted", yes_no(x.encrypted)),
            ("Confidentiality advisement", yes_no(x.confidentiality_advisement)),
            ("Sensitivity marking", yes_no(x.sensitivity_marking)),
            ("Foreign request", request),
            ("Requested action", words(x.requested_action)),
            ("Law enforcement reason", text_or(x.law_enforcement_reason, "none stated")),
            ("Entered in the disclosure log", yes_no(x.recorded)),
            ("Retained as a record", yes_no(x.retained)),
            ("Approvals the unit requires", ", ".join(required) or "none"),
            (f"Persons named ({len(named)})", "; ".join(person(p) for p in named) or "none"),
        ]
        facts.approvals = [
            (a.role or NOT_RECORDED, d.official(a.official_id), local_time(a.at, a.at_offset), yes_no(a.written))
            for a in approvals.get(x.id, [])
        ]
        yield facts


def _communications(
    session: Session, ids: set[str], d: Directory, person: PersonLabel, include_spii: bool, *, keyring: Keyring
) -> Iterator[RecordFacts]:
    for (m,) in _rows(session, lambda c: select(Communication).where(Communication.id.in_(c)), ids):
        facts = RecordFacts("communication", m.id, None)
        facts.facts = [
            ("Channel", words(m.channel)),
            ("Account", m.account),
            ("Sent", local_time(m.sent_at, m.sent_at_offset)),
            ("Sender", m.sender),
            ("Recipients", "; ".join(m.recipients) or "none recorded"),
            ("Subject", text_or(subject_of(keyring, m), "none") if include_spii else SPII_WITHHELD),
            ("Attachments", str(len(m.attachments))),
            (
                "Forwarded to an official account",
                local_time(m.forwarded_to_official_at, m.forwarded_to_official_at_offset)
                if m.forwarded_to_official_at
                else "never",
            ),
            ("Retained as a record", yes_no(m.retained)),
            ("Disclosure", m.disclosure_id or "none linked"),
        ]
        facts.related = [("disclosure", m.disclosure_id)] if m.disclosure_id else []
        yield facts
