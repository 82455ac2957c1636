"""Replay: run the history in the database through the live controls of a policy.

The review could only say what went wrong; a replay says what these controls would have
changed, with the records behind each number: lookouts the policy refuses or sends to
counsel, lookouts that would have referred nobody because no second official approved
them, inspections that would not have happened (the post-inspection rule, expiry, the
referral limit), and transfers that would still be pending because nobody accepted them
with instructions. It reads the history and writes nothing, and uses the same `assess`
function as placement, so replay and the live system cannot disagree about the standard.

An inspection is counted as avoided when every lookout linked to it would have been
blocked at its start; it is attributed to the first blocking control in this order:
placement refused, approval missing, post-inspection review, expiry, referral limit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.policy.loader import Policy
from lookout_ledger.history.inspections import Inspection, InspectionLookout
from lookout_ledger.history.lookouts import Lookout, LookoutEvent, LookoutTopic
from lookout_ledger.lookouts.lifecycle_models import LookoutControl
from lookout_ledger.lookouts.placement import LookoutDraft, assess
from lookout_ledger.lookouts.state import REJUSTIFYING_EVENTS
from lookout_ledger.people.models import Person

ORDER = ("LC-PLACEMENT-REFUSED", "LC-APPROVAL-REQUIRED", "LC-POST-INSPECTION-REVIEW", "LC-EXPIRY", "LC-REFERRAL-LIMIT")


@dataclass
class ReplayReport:
    policy: str
    evaluated_at: datetime
    lookouts: int = 0
    refused: dict[str, list[str]] = field(default_factory=dict)  # rule -> lookout ids
    needing_counsel: list[str] = field(default_factory=list)
    not_approved: list[str] = field(default_factory=list)
    inspections: int = 0
    inspections_avoided: dict[str, list[str]] = field(default_factory=dict)  # control -> inspection ids
    persons_inspected: int = 0
    persons_re_referred_before: list[str] = field(default_factory=list)
    persons_re_referred_after: list[str] = field(default_factory=list)
    transfers_not_completed: list[str] = field(default_factory=list)  # lookout ids
    avoided_if_placed_properly: dict[str, list[str]] = field(default_factory=dict)

    @property
    def refused_lookouts(self) -> list[str]:
        return sorted({lid for ids in self.refused.values() for lid in ids})

    @property
    def avoided(self) -> list[str]:
        return sorted({i for ids in self.inspections_avoided.values() for i in ids})

    def as_dict(self) -> dict[str, object]:
        return {
            "policy": self.policy,
            "evaluated_at": self.evaluated_at.isoformat(),
            "lookouts": {
                "total": self.lookouts,
                "refused": len(self.refused_lookouts),
                "refused_by_rule": {k: sorted(v) for k, v in sorted(self.refused.items())},
                "needing_counsel": sorted(self.needing_counsel),
                "not_approved_by_second_official": sorted(self.not_approved),
            },
            "inspections": {
                "total": self.inspections,
                "avoided": len(self.avoided),
                "avoided_by_control": {k: sorted(v) for k, v in self.inspections_avoided.items()},
                "repeat_referrals_avoided_by_post_inspection_rule": sorted(
                    self.inspections_avoided.get("LC-POST-INSPECTION-REVIEW", [])
                ),
                "if_placed_and_approved_properly": {k: sorted(v) for k, v in self.avoided_if_placed_properly.items()},
            },
            "persons": {
                "inspected": self.persons_inspected,
                "re_referred_in_history": sorted(self.persons_re_referred_before),
                "re_referred_under_policy": sorted(self.persons_re_referred_after),
            },
            "transfers_not_completed": sorted(self.transfers_not_completed),
        }


def replay(session: Session, policy: Policy, now: datetime) -> ReplayReport:
    report = ReplayReport(policy=policy.label, evaluated_at=now)
    lookouts = {lk.id: lk for lk in session.execute(select(Lookout).where(Lookout.created_at <= now)).scalars()}
    report.lookouts = len(lookouts)
    occupations = dict(session.execute(select(Person.id, Person.occupation)).all())
    topics: dict[str, list[str]] = defaultdict(list)
    for lid, topic in session.execute(
        select(LookoutTopic.lookout_id, LookoutTopic.topic).order_by(LookoutTopic.lookout_id, LookoutTopic.position)
    ):
        topics[lid].append(topic)
    nexus = dict(session.execute(select(LookoutControl.lookout_id, LookoutControl.nexus)).all())
    events: dict[str, list[LookoutEvent]] = defaultdict(list)
    for ev in session.execute(select(LookoutEvent).where(LookoutEvent.at <= now).order_by(LookoutEvent.at)).scalars():
        events[ev.lookout_id].append(ev)

    blocked_from_start: dict[str, str] = {}
    lifetime: dict[str, int] = {}
    for lid, lk in lookouts.items():
        draft = LookoutDraft(
            person_id=lk.person_id,
            status_code=lk.status_code,
            suspected_activity=lk.suspected_activity,
            basis=lk.basis,
            information_sought=topics.get(lid, []),
            action=lk.action,
            expires_at=None,
            nexus=nexus.get(lid),
        )
        a = assess(policy, draft, occupations.get(lk.person_id), None)
        lifetime[lid] = a.max_lifetime_days
        for r in a.refusals:
            report.refused.setdefault(r.rule, []).append(lid)
        if a.refusals:
            blocked_from_start[lid] = "LC-PLACEMENT-REFUSED"
        if "counsel" in a.required_roles:  # whether or not it would also be refused
            report.needing_counsel.append(lid)
        if lk.approved_by_id is None or lk.approved_by_id == lk.created_by_id:
            report.not_approved.append(lid)
            blocked_from_start.setdefault(lid, "LC-APPROVAL-REQUIRED")
        if any(ev.kind == "transferred" and ev.notice is not True for ev in events.get(lid, [])):
            report.transfers_not_completed.append(lid)

    links: dict[str, list[str]] = defaultdict(list)
    for iid, lid in session.execute(select(InspectionLookout.inspection_id, InspectionLookout.lookout_id)):
        if lid in lookouts:
            links[iid].append(lid)
    inspections = [
        i
        for i in session.execute(select(Inspection).where(Inspection.started_at <= now).order_by(Inspection.started_at))
        .scalars()
        .all()
        if links.get(i.id)
    ]
    report.inspections = len(inspections)
    by_person_history: dict[str, list[Inspection]] = defaultdict(list)
    for ins in inspections:
        by_person_history[ins.person_id].append(ins)
    report.persons_inspected = len(by_person_history)
    report.persons_re_referred_before = [p for p, lst in by_person_history.items() if len(lst) >= 2]

    avoided, happened_by_person = _walk(policy, inspections, links, lookouts, blocked_from_start, events, lifetime)
    report.inspections_avoided = avoided
    # The same history if every lookout had been placed and approved properly: what the
    # time-based controls alone would have changed.
    alone, _ = _walk(policy, inspections, links, lookouts, {}, events, lifetime)
    report.avoided_if_placed_properly = alone
    report.persons_re_referred_after = [p for p, lst in happened_by_person.items() if len(lst) >= 2]
    return report


def _walk(
    policy: Policy,
    inspections: list[Inspection],
    links: dict[str, list[str]],
    lookouts: dict[str, Lookout],
    blocked_from_start: dict[str, str],
    events: dict[str, list[LookoutEvent]],
    lifetime: dict[str, int],
) -> tuple[dict[str, list[str]], dict[str, list[datetime]]]:
    """Walk the inspections in time order; an avoided inspection does not count as a referral later."""
    avoided: dict[str, list[str]] = {}
    limit = int(policy.param("referral_limit"))
    period = timedelta(days=int(policy.param("referral_limit_days")))
    happened_by_lookout: dict[str, list[datetime]] = defaultdict(list)  # inspections that still happen
    happened_by_person: dict[str, list[datetime]] = defaultdict(list)
    for ins in inspections:
        verdicts = []
        for lid in links[ins.id]:
            verdicts.append(
                _blocker(lid, ins, lookouts[lid], blocked_from_start, happened_by_lookout, events, lifetime)
            )
        if all(v is not None for v in verdicts):
            control = min(verdicts, key=lambda v: ORDER.index(v))  # type: ignore[arg-type]
        else:
            recent = [t for t in happened_by_person[ins.person_id] if ins.started_at - t < period]
            control = "LC-REFERRAL-LIMIT" if len(recent) >= limit else None
        if control is not None:
            avoided.setdefault(control, []).append(ins.id)
            continue
        for lid in links[ins.id]:
            happened_by_lookout[lid].append(ins.started_at)
        happened_by_person[ins.person_id].append(ins.started_at)
    return {k: avoided[k] for k in ORDER if k in avoided}, happened_by_person


def _blocker(
    lid: str,
    ins: Inspection,
    lookout: Lookout,
    blocked_from_start: dict[str, str],
    happened: dict[str, list[datetime]],
    events: dict[str, list[LookoutEvent]],
    lifetime: dict[str, int],
) -> str | None:
    if lid in blocked_from_start:
        return blocked_from_start[lid]
    previous = [t for t in happened.get(lid, []) if t < ins.started_at]
    if previous:
        last = max(previous)
        rejustified = any(
            ev.kind in REJUSTIFYING_EVENTS and last < ev.at <= ins.started_at for ev in events.get(lid, [])
        )
        if not rejustified:
            return "LC-POST-INSPECTION-REVIEW"
    renewed = [ev.at for ev in events.get(lid, []) if ev.kind == "reviewed" and ev.at <= ins.started_at]
    start = max([lookout.created_at, *renewed])
    if ins.started_at > start + timedelta(days=lifetime[lid]):
        return "LC-EXPIRY"
    return None
