"""Secondary inspections as the port officer conducts them, with the system's clock.

The review found inspections with no end time, interviews that never touched what the
lookout sought, and device searches with no recorded reason or approval. So the system
records start and end itself (the officer cannot type them), shows the officer only what the
lookout seeks and its instructions (not the owner's file), keeps the topics asked as a
checklist of the sought topics plus free ones, flags an inspection longer than the policy's
`max_inspection_hours` (or still open past it) to the officer's supervisor at once, and
refuses to record a device search as done without its reason, its supervisor's approval
(before; or, when exigent, within `device_search_exigent_hours` after) and its findings.
Ending an inspection calls `lookouts.reviews.record_inspection` for every linked lookout,
which opens the owner's post-inspection review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.db import table_of
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.ids import new_id
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.crossings import Crossing, CrossingLookout
from lookout_ledger.history.inspections import Inspection, InspectionLookout, InspectionOfficer, InspectionTopic
from lookout_ledger.history.lookouts import Lookout, LookoutTopic, normalise_topic
from lookout_ledger.inspections.live_models import DeviceSearch, InspectionLive
from lookout_ledger.lookouts.common import (
    Actor,
    acting,
    clean_text,
    clean_topics,
    refusal,
    require_same_unit,
    supervisors_of,
)
from lookout_ledger.lookouts.common import users_of_official as owners
from lookout_ledger.lookouts.reviews import record_inspection
from lookout_ledger.lookouts.state import referral_state
from lookout_ledger.notifications.service import Notice, notify
from lookout_ledger.org.models import Official

DEVICE_RULE = "IN-DEVICE-SEARCH"
RESTRAINT_RULE = "IN-RESTRAINT-REASON"
DEFAULT_MIN_DEVICE_REASON = 40
DEFAULT_EXIGENT_HOURS = 2
MIN_FINDINGS_CHARS = 10


@dataclass(frozen=True)
class ReferralView:
    """What the port officer may see of a referral: what to ask, and how."""

    crossing_id: str
    person_id: str
    port: str
    at: datetime
    lookouts: list[dict[str, Any]]

    @property
    def sought(self) -> list[str]:
        return list(dict.fromkeys(t for lk in self.lookouts for t in lk["information_sought"]))

    def as_dict(self) -> dict[str, Any]:
        return {
            "crossing_id": self.crossing_id,
            "person_id": self.person_id,
            "port": self.port,
            "at": self.at.isoformat(),
            "lookouts": self.lookouts,
            "information_sought": self.sought,
        }


def _officer(session: Session, username: str) -> Actor:
    actor = acting(session, username)
    if not actor.user.has_role(Role.PORT_OFFICER):
        raise AuthError(f"{username} needs the role port_officer to conduct inspections")
    return actor


def _inspection(session: Session, inspection_id: str) -> tuple[Inspection, InspectionLive]:
    ins = session.get(Inspection, inspection_id)
    live = session.get(InspectionLive, inspection_id)
    if ins is None or live is None:
        raise NotFound(f"no live inspection {inspection_id!r}")
    return ins, live


def _open(session: Session, username: str, inspection_id: str) -> tuple[Inspection, InspectionLive, Actor]:
    actor = _officer(session, username)
    ins, live = _inspection(session, inspection_id)
    if ins.ended_at is not None:
        raise LedgerError(f"inspection {inspection_id} has ended; its record is closed")
    if live.officer_username != username:
        raise AuthError(f"inspection {inspection_id} is conducted by {live.officer_username}, not {username}")
    return ins, live, actor


def referral_view(session: Session, crossing_id: str) -> ReferralView:
    crossing = session.get(Crossing, crossing_id)
    if crossing is None:
        raise NotFound(f"no crossing {crossing_id!r}")
    ids = session.execute(
        select(CrossingLookout.lookout_id)
        .where(CrossingLookout.crossing_id == crossing_id)
        .order_by(CrossingLookout.position)
    ).scalars()
    lookouts = []
    for lid in ids:
        lk = session.get(Lookout, lid)
        topics = session.execute(
            select(LookoutTopic.topic).where(LookoutTopic.lookout_id == lid).order_by(LookoutTopic.position)
        ).scalars()
        lookouts.append(
            {
                "lookout_id": lid,
                "suspected_activity": lk.suspected_activity if lk else None,
                "information_sought": list(topics),
                "instructions": "Ask about each topic sought; record what was asked and what was learned. "
                "A device search needs a detailed reason and a supervisor's approval first.",
            }
        )
    return ReferralView(crossing.id, crossing.person_id, crossing.port, crossing.at, lookouts)


REFERRAL_VALID_HOURS = 24


def _require_referral_now(ledger: Ledger, session: Session, crossing: Crossing, at: datetime) -> None:
    """Refuse to start from a stale referral, or from one whose every lookout has stopped referring
    since (removed, disabled, expired, waiting for the owner's post-inspection review)."""
    if at - crossing.at > timedelta(hours=REFERRAL_VALID_HOURS) or crossing.at > at:
        raise refuse(
            "SYS-REFERRAL-NOW",
            f"crossing {crossing.id} was referred at {crossing.at.isoformat()}, not within the last "
            f"{REFERRAL_VALID_HOURS} hours",
            "screen the traveler again at this crossing: an inspection starts from the referral screening gives now",
            crossing=crossing.id,
        )
    lookout_ids = list(
        session.execute(select(CrossingLookout.lookout_id).where(CrossingLookout.crossing_id == crossing.id)).scalars()
    )
    if not lookout_ids:
        return
    states = [referral_state(session, lid, at, ledger.policy) for lid in lookout_ids]
    if any(st.refers for st in states):
        return
    why = "; ".join(f"{st.lookout_id}: {', '.join(f'[{b.rule}] {b.reason}' for b in st.reasons)}" for st in states)
    raise refuse(
        "SYS-REFERRAL-NOW",
        f"no lookout of crossing {crossing.id} refers now ({why})",
        "release the traveler; if the owner restores the lookout's referral, screen the traveler again",
        crossing=crossing.id,
        lookouts=lookout_ids,
    )


def start_inspection(ledger: Ledger, session: Session, username: str, crossing_id: str) -> Inspection:
    """Start the secondary inspection of a referred crossing; the system records the time."""
    actor = _officer(session, username)
    crossing = session.get(Crossing, crossing_id)
    if crossing is None:
        raise NotFound(f"no crossing {crossing_id!r}")
    if not crossing.referred_secondary:
        raise LedgerError(f"crossing {crossing_id} was not referred to secondary")
    existing = session.execute(select(Inspection).where(Inspection.crossing_id == crossing_id)).scalar()
    if existing is not None:
        raise LedgerError(f"crossing {crossing_id} already has inspection {existing.id}")
    at = ledger.now()
    _require_referral_now(ledger, session, crossing, at)
    ins = Inspection(
        id=new_id("in"),
        person_id=crossing.person_id,
        crossing_id=crossing_id,
        started_at=at,
        started_at_offset=0,
        documented=False,
    )
    session.add(ins)
    session.flush()
    lookout_ids = session.execute(
        select(CrossingLookout.lookout_id)
        .where(CrossingLookout.crossing_id == crossing_id)
        .order_by(CrossingLookout.position)
    ).scalars()
    for pos, lid in enumerate(lookout_ids):
        session.add(InspectionLookout(inspection_id=ins.id, position=pos, lookout_id=lid))
    session.add(InspectionOfficer(inspection_id=ins.id, position=0, official_id=actor.official_id))
    session.add(InspectionLive(inspection_id=ins.id, officer_username=username, free_topics=[]))
    session.flush()
    ledger.audit(session, username, "inspection.start", "inspection", ins.id, {"crossing": crossing_id})
    return ins


def record_interview(
    ledger: Ledger,
    session: Session,
    username: str,
    inspection_id: str,
    *,
    sought_asked: list[str],
    free_topics: list[str],
    information_obtained: str | None,
    new_information: bool | None,
    restrained: bool,
    restraint_reason: str | None = None,
) -> Inspection:
    """Record what was asked (sought topics ticked, plus free topics) and learned."""
    ins, live, _ = _open(session, username, inspection_id)
    sought = referral_view(session, ins.crossing_id).sought if ins.crossing_id else []
    by_norm = {normalise_topic(t): t for t in sought}
    asked = clean_topics(sought_asked)
    unknown = [t for t in asked if normalise_topic(t) not in by_norm]
    if unknown:
        raise LedgerError(f"sought_asked: {unknown[0]!r} is not a topic the lookouts seek (add it as a free topic)")
    free = clean_topics(free_topics)
    if restrained and len(clean_text(restraint_reason)) < 10:
        raise _refused(
            ledger,
            RESTRAINT_RULE,
            "restraint_reason: restraint was used but its reason is missing or too short",
            "state why restraint was used (at least 10 characters)",
        )
    session.execute(table_of(InspectionTopic).delete().where(InspectionTopic.inspection_id == inspection_id))
    for pos, topic in enumerate([by_norm[normalise_topic(t)] for t in asked] + free):
        session.add(
            InspectionTopic(inspection_id=inspection_id, position=pos, topic=topic, topic_norm=normalise_topic(topic))
        )
    live.free_topics = free
    info = clean_text(information_obtained) or None
    ins.information_obtained = info
    ins.new_information = new_information if info else None
    ins.restrained = restrained
    live.restraint_reason = clean_text(restraint_reason) or None if restrained else None
    session.flush()
    ledger.audit(
        session, username, "inspection.interview", "inspection", inspection_id, {"topics": len(asked) + len(free)}
    )
    return ins


def _refused(ledger: Ledger, rule_id: str, reason: str, remedy: str) -> LedgerError:
    """A Refusal in the policy's own words when the policy states the rule; a plain error under an
    older policy file that does not (the control holds either way)."""
    if ledger.policy.has_rule(rule_id):
        return refusal(ledger.policy, rule_id, reason, remedy)
    return LedgerError(f"{reason}: {remedy}")


def _exigent_hours(ledger: Ledger) -> int:
    return int(ledger.policy.param("device_search_exigent_hours", DEFAULT_EXIGENT_HOURS))


def _supervisors_of_officer(session: Session, username: str) -> list[str]:
    actor = acting(session, username)
    return supervisors_of(session, actor.official_id)


def request_device_search(
    ledger: Ledger, session: Session, username: str, inspection_id: str, reason: str, exigent: bool = False
) -> DeviceSearch:
    ins, _, actor = _open(session, username, inspection_id)
    minimum = int(ledger.policy.param("device_search_min_reason_chars", DEFAULT_MIN_DEVICE_REASON))
    text = clean_text(reason)
    if len(text) < minimum:
        raise _refused(
            ledger,
            DEVICE_RULE,
            f"reason: a device search needs a clear and detailed reason (at least {minimum} characters; "
            f"{len(text)} given)",
            "say what the officer expects the device to hold and why, in a sentence or two",
        )
    if session.get(DeviceSearch, inspection_id) is not None:
        raise LedgerError(f"inspection {inspection_id} already has a device search request")
    at = ledger.now()
    ds = DeviceSearch(
        inspection_id=inspection_id, requested_by=actor.official_id, requested_at=at, reason=text, exigent=exigent
    )
    session.add(ds)
    ins.ds_performed = False
    ins.ds_reason = text
    ins.ds_findings_documented = False
    session.flush()
    notify(
        session,
        _supervisors_of_officer(session, username),
        Notice(
            "device_search_request",
            f"{'Exigent device search' if exigent else 'Device search requested'}: inspection {inspection_id}",
            f"{username} asks to search the electronic devices of person {ins.person_id} (inspection "
            f"{inspection_id}). Reason: {text}. "
            + (
                f"The search is exigent: record your decision within {_exigent_hours(ledger)} hours."
                if exigent
                else "The search may not start before you approve it."
            ),
        ),
        at,
    )
    ledger.audit(session, username, "device_search.request", "inspection", inspection_id, {"exigent": exigent})
    return ds


def decide_device_search(
    ledger: Ledger, session: Session, username: str, inspection_id: str, approve: bool, note: str | None = None
) -> DeviceSearch:
    """A supervisor of the officer's unit approves or rejects; never the requester."""
    actor = acting(session, username)
    if not actor.user.has_role(Role.SUPERVISOR):
        raise AuthError(f"{username} needs the role supervisor to decide device searches")
    ds = session.get(DeviceSearch, inspection_id)
    if ds is None:
        raise NotFound(f"no device search request for inspection {inspection_id!r}")
    if ds.decision is not None:
        raise LedgerError(f"the device search of inspection {inspection_id} was already {ds.decision}")
    if ds.requested_by == actor.official_id:
        raise AuthError("nobody approves their own device search request")
    # The same supervisors the request notified and the inbox lists.
    require_same_unit(session, actor, ds.requested_by, f"the device search of inspection {inspection_id}", "decide it")
    at = ledger.now()
    hours = _exigent_hours(ledger)
    if ds.exigent and at > ds.requested_at + timedelta(hours=hours):
        raise _refused(
            ledger,
            DEVICE_RULE,
            f"the exigent search of inspection {inspection_id} needed a decision within {hours} hours "
            f"(by {(ds.requested_at + timedelta(hours=hours)).isoformat()}); it stays unapproved and is flagged",
            "record the late approval as a finding for review; it cannot be approved now",
        )
    ds.decision = "approved" if approve else "rejected"
    ds.decided_by = actor.official_id
    ds.decided_at = at
    ds.decision_note = clean_text(note) or None
    ins = session.get(Inspection, inspection_id)
    if approve and ins is not None:
        ins.ds_supervisor_approval_id = actor.official_id
    session.flush()
    ledger.audit(session, username, f"device_search.{ds.decision}", "inspection", inspection_id, {})
    return ds


def record_device_search(
    ledger: Ledger, session: Session, username: str, inspection_id: str, findings: str
) -> DeviceSearch:
    """The search as done, with its findings. Refused without a request, or (not exigent)
    without the supervisor's approval given before now."""
    ins, _, _ = _open(session, username, inspection_id)
    ds = session.get(DeviceSearch, inspection_id)
    if ds is None:
        raise _refused(
            ledger, DEVICE_RULE, "device search: there is no request for it", "request it with a detailed reason first"
        )
    if ds.decision == "rejected":
        raise _refused(ledger, DEVICE_RULE, "device search: the supervisor rejected it", "do not search the devices")
    if not ds.exigent and ds.decision != "approved":
        raise _refused(
            ledger,
            DEVICE_RULE,
            "device search: not approved yet; a supervisor must approve it before the search",
            "wait for a supervisor of your unit to approve the request (Device-search approvals page)",
        )
    text = clean_text(findings)
    if len(text) < MIN_FINDINGS_CHARS:
        raise _refused(
            ledger,
            DEVICE_RULE,
            f"findings: document what the search found (at least {MIN_FINDINGS_CHARS} characters)",
            "describe what was found, or that nothing relevant was found",
        )
    ds.performed_at = ledger.now()
    ds.findings = text
    ins.ds_performed = True
    ins.ds_findings_documented = True
    session.flush()
    ledger.audit(session, username, "device_search.performed", "inspection", inspection_id, {"exigent": ds.exigent})
    return ds


def end_inspection(ledger: Ledger, session: Session, username: str, inspection_id: str) -> Inspection:
    """End now; open each lookout's post-inspection review; tell owners (and supervisors when
    none of the sought topics was asked or the inspection ran over the policy's limit)."""
    ins, live, actor = _open(session, username, inspection_id)
    if ins.information_obtained is None:
        raise LedgerError("information_obtained: record what was learned (or that nothing was) before ending")
    at = ledger.now()
    ins.ended_at = at
    ins.ended_at_offset = 0
    ins.documented = True
    session.flush()
    supervisors = supervisors_of(session, actor.official_id)
    limit = int(ledger.policy.param("max_inspection_hours", 4))
    if at - ins.started_at > timedelta(hours=limit):
        live.duration_flagged = True
        notify(
            session,
            supervisors,
            Notice(
                "inspection_long",
                f"Inspection {inspection_id} lasted longer than {limit} hours",
                f"Inspection {inspection_id} of person {ins.person_id} by {username} ran from "
                f"{ins.started_at.isoformat()} to {at.isoformat()}, over the policy's limit of {limit} hours.",
            ),
            at,
        )
    view = referral_view(session, ins.crossing_id) if ins.crossing_id else None
    asked = set(
        session.execute(
            select(InspectionTopic.topic_norm).where(InspectionTopic.inspection_id == inspection_id)
        ).scalars()
    )
    topics = [
        t
        for t in session.execute(
            select(InspectionTopic.topic)
            .where(InspectionTopic.inspection_id == inspection_id)
            .order_by(InspectionTopic.position)
        ).scalars()
    ]
    for lk in view.lookouts if view else []:
        assert view is not None
        lookout = session.get(Lookout, lk["lookout_id"])
        if lookout is None:  # a referral names only lookouts that exist (the crossing's foreign keys)
            continue
        record_inspection(ledger, session, lk["lookout_id"], inspection_id, at)
        report = (
            f"Inspection {inspection_id} of person {ins.person_id} at {view.port} ({ins.started_at.isoformat()} to "
            f"{at.isoformat()}) by {username}. Topics asked: {', '.join(topics) or 'none'}. Information obtained: "
            f"{ins.information_obtained}. New information: {'yes' if ins.new_information else 'no'}. "
            f"Restraint: {live.restraint_reason if ins.restrained else 'none'}."
        )
        notify(
            session,
            owners(session, lookout.owner_id),
            Notice("inspection_report", f"Inspection report for your lookout {lookout.id}", report, lookout.id),
            at,
        )
        sought = {normalise_topic(t) for t in lk["information_sought"]}
        if sought and not sought & asked:
            notify(
                session,
                owners(session, lookout.owner_id) + supervisors,
                Notice(
                    "purpose_not_pursued",
                    f"Inspection {inspection_id} asked none of the topics lookout {lookout.id} seeks",
                    f"{report} None of the topics the lookout seeks ({', '.join(lk['information_sought'])}) was asked.",
                    lookout.id,
                ),
                at,
            )
    ledger.audit(session, username, "inspection.end", "inspection", inspection_id, {"flagged": live.duration_flagged})
    return ins


def flag_open_inspections(ledger: Ledger, session: Session) -> list[str]:
    """Inspections still open past the policy's limit, flagged to the officer's supervisors once."""
    at = ledger.now()
    limit = int(ledger.policy.param("max_inspection_hours", 4))
    rows = session.execute(
        select(Inspection, InspectionLive)
        .join(InspectionLive, InspectionLive.inspection_id == Inspection.id)
        .where(
            Inspection.ended_at.is_(None),
            InspectionLive.overdue_flagged_at.is_(None),
            Inspection.started_at <= at - timedelta(hours=limit),
        )
        .order_by(Inspection.started_at)
    ).all()
    flagged = []
    for ins, live in rows:
        live.overdue_flagged_at = at
        notify(
            session,
            _supervisors_of_officer(session, live.officer_username),
            Notice(
                "inspection_open",
                f"Inspection {ins.id} has no end time after {limit} hours",
                f"Inspection {ins.id} of person {ins.person_id} by {live.officer_username} started "
                f"{ins.started_at.isoformat()} and has not been ended.",
            ),
            at,
        )
        flagged.append(ins.id)
    return flagged


def pending_device_searches(session: Session, username: str) -> list[DeviceSearch]:
    """Requests awaiting a decision by a supervisor of the requesters' unit."""
    actor = acting(session, username)
    q = (
        select(DeviceSearch)
        .join(Official, Official.id == DeviceSearch.requested_by)
        .where(DeviceSearch.decision.is_(None), Official.unit_id == actor.official.unit_id)
        .order_by(DeviceSearch.requested_at)
    )
    return list(session.execute(q).scalars())
