"""Read models of single records: the facts and the history a reviewer drills down to.

The review had to reconstruct each lookout's life from TECS data, interview reports and
e-mails. A record page puts it in one place: the record's facts, what happened to it and
when, the records it caused, the findings on it and every audit-log entry that touched it.

Two levels of disclosure, decided by the reader's roles (never by the page):
- persons appear by id only; names, dates of birth and documents come only from
  `people.service.reveal_person`, which logs the purpose;
- free text written by officials (bases, interview notes, message bodies, recipients) can
  name people, so readers without a role that needs personal data get it withheld.
The dictionaries are JSON-ready (timestamps as RFC 3339 in the offset they were recorded
with), so the API returns them as they are and the pages render them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.errors import NotFound
from lookout_ledger.core.timefmt import format_rfc3339, to_micros
from lookout_ledger.history.communications import Communication, body_of, subject_of
from lookout_ledger.history.crossings import Crossing, CrossingLookout
from lookout_ledger.history.disclosures import Disclosure, DisclosureApproval, DisclosurePerson
from lookout_ledger.history.inspections import Inspection, InspectionLookout, InspectionOfficer, InspectionTopic
from lookout_ledger.history.lookouts import Lookout, LookoutEvent, LookoutTopic, normalise_topic
from lookout_ledger.interchange.provenance import provenance_of
from lookout_ledger.org.models import Official, Unit
from lookout_ledger.oversight.audit import AuditResult
from lookout_ledger.oversight.findings_query import finding_dict
from lookout_ledger.people.models import Person, PersonCitizenship, PersonDocument, PersonOtherName

RECORD_TYPES = ("lookout", "inspection", "disclosure", "communication", "person")
MAX_INSPECTION_HOURS_DEFAULT = 4

EVENT_LABELS = {
    "modified": "Modified",
    "referral_disabled": "Referral disabled",
    "referral_enabled": "Referral re-enabled",
    "removed": "Removed",
    "transferred": "Transferred",
    "transfer_accepted": "Transfer accepted",
    "reviewed": "Reviewed",
}


def _ts(instant: datetime | None, offset: int | None = 0) -> str | None:
    return format_rfc3339(instant, offset) if instant is not None else None


class _Officials:
    """Officials and their units, loaded once per record (a lookout's history names many)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._cache: dict[str, dict[str, Any] | None] = {}

    def ref(self, official_id: str | None) -> dict[str, Any] | None:
        if official_id is None:
            return None
        if official_id not in self._cache:
            o = self._session.get(Official, official_id)
            if o is None:
                self._cache[official_id] = {"id": official_id, "name": None, "unit_id": None, "unit_name": None}
            else:
                unit = self._session.get(Unit, o.unit_id)
                self._cache[official_id] = {
                    "id": o.id,
                    "name": o.name,
                    "role": o.role,
                    "unit_id": o.unit_id,
                    "unit_name": unit.name if unit else None,
                }
        return self._cache[official_id]


class _Text:
    """Free text shown to readers with a need for personal data, withheld (and listed) for others."""

    def __init__(self, personal: bool) -> None:
        self.personal = personal
        self.withheld: list[str] = []

    def __call__(self, name: str, value: Any) -> Any:
        if self.personal or value is None or value == [] or value == "":
            return value
        self.withheld.append(name)
        return None


def record(
    session: Session,
    record_type: str,
    record_id: str,
    *,
    personal: bool,
    keyring: Keyring,
    audit: AuditResult | None = None,
    max_inspection_hours: float = MAX_INSPECTION_HOURS_DEFAULT,
) -> dict[str, Any]:
    """The read model of one record, with its findings and audit-log entries.

    Raises NotFound for an unknown type or id, with a message saying which.
    """
    if record_type not in RECORD_TYPES:
        raise NotFound(f"unknown record type {record_type!r}; types are: {', '.join(RECORD_TYPES)}")
    text = _Text(personal)
    officials = _Officials(session)
    builders: dict[str, Callable[..., dict[str, Any]]] = {
        "lookout": _lookout,
        "inspection": _inspection,
        "disclosure": _disclosure,
        "communication": _communication,
        "person": _person,
    }
    builder = builders[record_type]
    body = builder(session, record_id, text, officials, max_inspection_hours=max_inspection_hours, keyring=keyring)
    out: dict[str, Any] = {"type": record_type, "id": record_id, **body}
    if audit is not None:
        out["findings"] = [finding_dict(f) for f in _findings_on(audit, record_type, record_id)]
        if record_type == "disclosure":
            out["requirements"] = next((d["requirements"] for d in audit.disclosures if d["id"] == record_id), None)
    # An imported record is history: say which file and line asserted it (its facts are claims).
    out["provenance"] = [
        {"file_sha256": p.file_sha256, "line": p.line, "imported_at": _ts(p.imported_at), "imported_by": p.imported_by}
        for p in provenance_of(session, record_type, record_id)
    ]
    out["audit_log"] = _audit_entries(session, record_type, record_id, personal)
    out["withheld"] = sorted(set(text.withheld))
    return out


def _findings_on(audit: AuditResult, record_type: str, record_id: str) -> list[Any]:
    if record_type == "person":
        return [f for f in audit.findings if f.person_id == record_id]
    return [f for f in audit.findings if f.record_type == record_type and f.record_id == record_id]


def _audit_entries(session: Session, record_type: str, record_id: str, personal: bool) -> list[dict[str, Any]]:
    """Entries whose target is this record; an entry with no target type is matched by id alone."""
    rows = session.execute(
        select(AuditEntry)
        .where(
            AuditEntry.target_id == record_id,
            or_(AuditEntry.target_type == record_type, AuditEntry.target_type.is_(None)),
        )
        .order_by(AuditEntry.seq)
    ).scalars()
    return [
        {
            "seq": e.seq,
            "at": _ts(e.at),
            "actor": e.actor,
            "action": e.action,
            "detail": orjson.loads(e.detail) if personal else None,
        }
        for e in rows
    ]


def _get(session: Session, model: type[Any], record_type: str, record_id: str) -> Any:
    row = session.get(model, record_id)
    if row is None:
        raise NotFound(f"no {record_type} with id {record_id!r}")
    return row


def _topics(session: Session, model: type[Any], key: Any, owner_id: str) -> list[str]:
    return list(session.execute(select(model.topic).where(key == owner_id).order_by(model.position)).scalars())


# --- lookout -------------------------------------------------------------------------------


def _lookout(session: Session, lookout_id: str, text: _Text, officials: _Officials, **_: Any) -> dict[str, Any]:
    lk: Lookout = _get(session, Lookout, "lookout", lookout_id)
    sought = _topics(session, LookoutTopic, LookoutTopic.lookout_id, lookout_id)
    sought_norm = {normalise_topic(t) for t in sought}
    events = session.execute(
        select(LookoutEvent).where(LookoutEvent.lookout_id == lookout_id).order_by(LookoutEvent.at, LookoutEvent.id)
    ).scalars()
    event_rows = [
        {
            "id": e.id,
            "at": _ts(e.at, e.at_offset),
            "kind": e.kind,
            "label": EVENT_LABELS.get(e.kind, e.kind),
            "actor": officials.ref(e.actor_id),
            "to_owner": officials.ref(e.to_owner_id),
            "notice": e.notice,
            "reason": text("event.reason", e.reason),
            "_key": to_micros(e.at),
        }
        for e in events
    ]
    inspections = session.execute(
        select(Inspection)
        .join(InspectionLookout, InspectionLookout.inspection_id == Inspection.id)
        .where(InspectionLookout.lookout_id == lookout_id)
        .order_by(Inspection.started_at, Inspection.id)
    ).scalars()
    inspection_rows = []
    for ins in inspections:
        asked = _topics(session, InspectionTopic, InspectionTopic.inspection_id, ins.id)
        pursued = bool(sought_norm & {normalise_topic(t) for t in asked}) if sought_norm else None
        inspection_rows.append(
            {
                "id": ins.id,
                "started_at": _ts(ins.started_at, ins.started_at_offset),
                "ended_at": _ts(ins.ended_at, ins.ended_at_offset),
                "documented": ins.documented,
                "topics_asked": asked,
                "pursued_information_sought": pursued,
                "new_information": ins.new_information,
                "_key": to_micros(ins.started_at),
            }
        )
    crossings = session.execute(
        select(Crossing)
        .join(CrossingLookout, CrossingLookout.crossing_id == Crossing.id)
        .where(CrossingLookout.lookout_id == lookout_id)
        .order_by(Crossing.at, Crossing.id)
    ).scalars()
    crossing_rows = [
        {
            "id": c.id,
            "at": _ts(c.at, c.at_offset),
            "port": c.port,
            "referred_secondary": c.referred_secondary,
            "_key": to_micros(c.at),
        }
        for c in crossings
    ]
    timeline: list[dict[str, Any]] = [
        {
            "at": _ts(lk.created_at, lk.created_at_offset),
            "kind": "placed",
            "label": "Placed",
            "text": f"{lk.status_code.replace('_', '-')} lookout, action {lk.action.replace('_', ' ')}",
            "_key": to_micros(lk.created_at),
        }
    ]
    if lk.approved_at is not None:
        approver = officials.ref(lk.approved_by_id)
        timeline.append(
            {
                "at": _ts(lk.approved_at, lk.approved_at_offset),
                "kind": "approved",
                "label": "Approved",
                "text": f"by {_name(approver)}",
                "_key": to_micros(lk.approved_at),
            }
        )
    for e in event_rows:
        timeline.append(
            {"at": e["at"], "kind": e["kind"], "label": e["label"], "text": _event_text(e), "_key": e["_key"]}
        )
    for c in crossing_rows:
        referred = "referred to secondary inspection" if c["referred_secondary"] else "not referred"
        timeline.append(
            {
                "at": c["at"],
                "kind": "crossing",
                "label": "Crossing",
                "text": f"at {c['port']}, {referred}",
                "ref": {"type": "crossing", "id": c["id"]},
                "_key": c["_key"],
            }
        )
    for i in inspection_rows:
        timeline.append(
            {
                "at": i["started_at"],
                "kind": "inspection",
                "label": "Inspection",
                "text": _inspection_text(i),
                "ref": {"type": "inspection", "id": i["id"]},
                "_key": i["_key"],
            }
        )
    timeline.sort(key=lambda t: t["_key"])
    for rows in (timeline, event_rows, inspection_rows, crossing_rows):
        for row in rows:
            row.pop("_key", None)
    return {
        "facts": {
            "person_id": lk.person_id,
            "owner": officials.ref(lk.owner_id),
            "created_by": officials.ref(lk.created_by_id),
            "created_at": _ts(lk.created_at, lk.created_at_offset),
            "status_code": lk.status_code,
            "suspected_activity": text("suspected_activity", lk.suspected_activity),
            "basis": text("basis", lk.basis),
            "information_sought": text("information_sought", sought),
            "action": lk.action,
            "approved_by": officials.ref(lk.approved_by_id),
            "approved_at": _ts(lk.approved_at, lk.approved_at_offset),
        },
        "timeline": timeline,
        "events": event_rows,
        "inspections": inspection_rows,
        "crossings": crossing_rows,
    }


def _name(ref: dict[str, Any] | None) -> str:
    if ref is None:
        return "nobody recorded"
    return f"{ref['name']} ({ref['id']})" if ref.get("name") else str(ref["id"])


def _event_text(e: dict[str, Any]) -> str:
    parts = []
    if e["actor"] is not None:
        parts.append(f"by {_name(e['actor'])}")
    if e["kind"] == "transferred":
        parts.append(f"to {_name(e['to_owner'])}")
        parts.append(
            {True: "with notice and instructions", False: "without notice"}.get(e["notice"], "notice not recorded")
        )
    return ", ".join(parts)


def _inspection_text(i: dict[str, Any]) -> str:
    parts = ["documented" if i["documented"] else "not documented"]
    if i["pursued_information_sought"] is True:
        parts.append("asked about the information sought")
    elif i["pursued_information_sought"] is False and i["documented"]:
        parts.append("did not ask about the information sought")
    return ", ".join(parts)


# --- inspection ----------------------------------------------------------------------------


def _inspection(
    session: Session, inspection_id: str, text: _Text, officials: _Officials, *, max_inspection_hours: float, **_: Any
) -> dict[str, Any]:
    ins: Inspection = _get(session, Inspection, "inspection", inspection_id)
    asked = _topics(session, InspectionTopic, InspectionTopic.inspection_id, inspection_id)
    asked_norm = {normalise_topic(t) for t in asked}
    lookout_ids = list(
        session.execute(
            select(InspectionLookout.lookout_id)
            .where(InspectionLookout.inspection_id == inspection_id)
            .order_by(InspectionLookout.position)
        ).scalars()
    )
    lookouts = []
    sought_norm: set[str] = set()
    for lid in lookout_ids:
        sought = _topics(session, LookoutTopic, LookoutTopic.lookout_id, lid)
        sought_norm |= {normalise_topic(t) for t in sought}
        lk = session.get(Lookout, lid)
        lookouts.append(
            {
                "id": lid,
                "owner": officials.ref(lk.owner_id) if lk else None,
                "information_sought": [{"topic": t, "asked": normalise_topic(t) in asked_norm} for t in sought],
            }
        )
    officer_ids = session.execute(
        select(InspectionOfficer.official_id)
        .where(InspectionOfficer.inspection_id == inspection_id)
        .order_by(InspectionOfficer.position)
    ).scalars()
    crossing = session.get(Crossing, ins.crossing_id) if ins.crossing_id else None
    duration_minutes = None
    anomaly = None
    if ins.ended_at is None:
        anomaly = "end time not recorded"
    else:
        duration_minutes = int((ins.ended_at - ins.started_at).total_seconds() // 60)
        if ins.ended_at < ins.started_at:
            anomaly = "ends before it starts"
        elif ins.ended_at - ins.started_at > timedelta(hours=max_inspection_hours):
            anomaly = f"longer than {max_inspection_hours:g} hours"
    device_search = None
    if ins.ds_performed is not None:
        device_search = {
            "performed": ins.ds_performed,
            "reason": text("device_search.reason", ins.ds_reason),
            "supervisor_approval": officials.ref(ins.ds_supervisor_approval_id),
            "findings_documented": ins.ds_findings_documented,
        }
    return {
        "facts": {
            "person_id": ins.person_id,
            "crossing": (
                {"id": crossing.id, "at": _ts(crossing.at, crossing.at_offset), "port": crossing.port}
                if crossing
                else None
            ),
            "started_at": _ts(ins.started_at, ins.started_at_offset),
            "ended_at": _ts(ins.ended_at, ins.ended_at_offset),
            "duration_minutes": duration_minutes,
            "duration_anomaly": anomaly,
            "officers": [officials.ref(o) for o in officer_ids],
            "documented": ins.documented,
            "topics_asked": [{"topic": t, "sought": normalise_topic(t) in sought_norm} for t in asked],
            "information_obtained": text("information_obtained", ins.information_obtained),
            "new_information": ins.new_information,
            "restrained": ins.restrained,
            "device_search": device_search,
        },
        "lookouts": lookouts,
    }


# --- disclosure ----------------------------------------------------------------------------


def _disclosure(session: Session, disclosure_id: str, text: _Text, officials: _Officials, **_: Any) -> dict[str, Any]:
    d: Disclosure = _get(session, Disclosure, "disclosure", disclosure_id)
    unit = session.get(Unit, d.unit_id)
    persons = session.execute(
        select(DisclosurePerson.person_id, Person.us_person)
        .join(Person, Person.id == DisclosurePerson.person_id)
        .where(DisclosurePerson.disclosure_id == disclosure_id)
        .order_by(DisclosurePerson.position)
    ).all()
    approvals = session.execute(
        select(DisclosureApproval)
        .where(DisclosureApproval.disclosure_id == disclosure_id)
        .order_by(DisclosureApproval.position)
    ).scalars()
    comms = session.execute(
        select(Communication).where(Communication.disclosure_id == disclosure_id).order_by(Communication.sent_at)
    ).scalars()
    recipient = None
    if d.recipient_present:
        recipient = {
            "country": d.recipient_country,
            "agency": d.recipient_agency,
            "official": text("recipient.official", d.recipient_official),
            "address": text("recipient.address", d.recipient_address),
        }
    return {
        "facts": {
            "at": _ts(d.at, d.at_offset),
            "unit": {
                "id": d.unit_id,
                "name": unit.name if unit else None,
                "restrict_disclosure_channels": unit.restrict_disclosure_channels if unit else None,
                "required_disclosure_approvals": [r.role for r in unit.required_approvals] if unit else [],
            },
            "discloser": officials.ref(d.discloser_id),
            "recipient": recipient,
            "channel": d.channel,
            "recipient_address_official": d.recipient_address_official,
            "spii": d.spii,
            "encrypted": d.encrypted,
            "confidentiality_advisement": d.confidentiality_advisement,
            "sensitivity_marking": d.sensitivity_marking,
            "foreign_request": (
                {"written": d.request_written, "received_at": _ts(d.request_received_at, d.request_received_at_offset)}
                if d.request_present
                else None
            ),
            "law_enforcement_reason": text("law_enforcement_reason", d.law_enforcement_reason),
            "recorded": d.recorded,
            "retained": d.retained,
            "requested_action": d.requested_action,
        },
        "persons": [{"id": pid, "us_person": us} for pid, us in persons],
        "approvals": [
            {
                "role": a.role,
                "official": officials.ref(a.official_id),
                "at": _ts(a.at, a.at_offset),
                "written": a.written,
            }
            for a in approvals
        ],
        "communications": [
            {"id": c.id, "channel": c.channel, "account": c.account, "sent_at": _ts(c.sent_at, c.sent_at_offset)}
            for c in comms
        ],
    }


# --- communication -------------------------------------------------------------------------


def _communication(
    session: Session, communication_id: str, text: _Text, officials: _Officials, keyring: Keyring, **_: Any
) -> dict[str, Any]:
    c: Communication = _get(session, Communication, "communication", communication_id)
    # Sealed text is opened only for a reader who may see it (the others see that it is withheld).
    subject = subject_of(keyring, c) if text.personal else ("sealed" if c.subject_enc else None)
    body = body_of(keyring, c) if text.personal else ("sealed" if c.body_enc else None)
    return {
        "facts": {
            "channel": c.channel,
            "account": c.account,
            "sent_at": _ts(c.sent_at, c.sent_at_offset),
            "sender": text("sender", c.sender),
            "recipients": text("recipients", list(c.recipients or [])),
            "subject": text("subject", subject),
            "body": text("body", body),
            "attachments": text("attachments", list(c.attachments or [])),
            "forwarded_to_official_at": _ts(c.forwarded_to_official_at, c.forwarded_to_official_at_offset),
            "retained": c.retained,
            "disclosure_id": c.disclosure_id,
        }
    }


# --- person --------------------------------------------------------------------------------


def _person(session: Session, person_id: str, text: _Text, officials: _Officials, **_: Any) -> dict[str, Any]:
    """A person by id: what the ledger holds about them, never their identifying data."""
    p: Person = _get(session, Person, "person", person_id)
    citizenship = session.execute(
        select(PersonCitizenship.country)
        .where(PersonCitizenship.person_id == person_id)
        .order_by(PersonCitizenship.position)
    ).scalars()
    n_other = len(session.execute(select(PersonOtherName.position).where(PersonOtherName.person_id == person_id)).all())
    n_docs = len(session.execute(select(PersonDocument.position).where(PersonDocument.person_id == person_id)).all())
    lookouts = session.execute(
        select(Lookout).where(Lookout.person_id == person_id).order_by(Lookout.created_at, Lookout.id)
    ).scalars()
    crossings = session.execute(
        select(Crossing).where(Crossing.person_id == person_id).order_by(Crossing.at, Crossing.id)
    ).scalars()
    inspections = session.execute(
        select(Inspection).where(Inspection.person_id == person_id).order_by(Inspection.started_at, Inspection.id)
    ).scalars()
    disclosures = session.execute(
        select(Disclosure)
        .join(DisclosurePerson, DisclosurePerson.disclosure_id == Disclosure.id)
        .where(DisclosurePerson.person_id == person_id)
        .order_by(Disclosure.at, Disclosure.id)
    ).scalars()
    return {
        "facts": {
            "us_person": p.us_person,
            "occupation": p.occupation,
            "citizenship": list(citizenship),
            "other_names_recorded": n_other,
            "documents_recorded": n_docs,
        },
        "lookouts": [
            {
                "id": lk.id,
                "status_code": lk.status_code,
                "owner": officials.ref(lk.owner_id),
                "created_at": _ts(lk.created_at, lk.created_at_offset),
            }
            for lk in lookouts
        ],
        "crossings": [
            {"id": c.id, "at": _ts(c.at, c.at_offset), "port": c.port, "referred_secondary": c.referred_secondary}
            for c in crossings
        ],
        "inspections": [
            {
                "id": i.id,
                "started_at": _ts(i.started_at, i.started_at_offset),
                "documented": i.documented,
                "new_information": i.new_information,
            }
            for i in inspections
        ],
        "disclosures": [
            {"id": d.id, "at": _ts(d.at, d.at_offset), "channel": d.channel, "requested_action": d.requested_action}
            for d in disclosures
        ],
    }
