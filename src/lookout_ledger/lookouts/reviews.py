"""Keeping lookouts honest: post-inspection reviews, renewal, modification, removal, referral limits.

The review found an owner who removed 2 of the 20 lookouts that led to inspections and a
person referred six times in a month. So every inspection caused by a lookout opens a review
the owner owes within the window: keep (a new reason and what is still sought), modify, or
remove. Until then the lookout refers nobody again (see `state`); with no decision by the
deadline, `sweep` disables its referral and tells the owner and the supervisor. Renewal at
expiry and the periodic review need a recorded reassessment, never a silent extension.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.inspections import Inspection, InspectionLookout
from lookout_ledger.history.lookouts import Lookout, LookoutEvent, LookoutTopic
from lookout_ledger.lookouts.approvals import reopen_all
from lookout_ledger.lookouts.common import (
    Actor,
    acting,
    add_event,
    clean_text,
    clean_topics,
    get_control,
    get_lookout,
    new_id,
    owner_or_supervisor,
    record_decision,
    refusal,
    require_same_unit,
    supervisors_of,
    users_of_official,
)
from lookout_ledger.lookouts.lifecycle_models import LookoutControl, LookoutReview, LookoutTransfer
from lookout_ledger.lookouts.placement import LookoutDraft, assess, replace_topics, validate_draft
from lookout_ledger.lookouts.state import event_state, referral_state
from lookout_ledger.notifications.service import Notice, notify
from lookout_ledger.people.models import Person

MIN_REASON_CHARS = 15


def _reason(text: str | None, field: str = "reason") -> str:
    value = clean_text(text)
    if len(value) < MIN_REASON_CHARS:
        raise LedgerError(f"{field}: state the reason in at least {MIN_REASON_CHARS} characters")
    return value


def _removed(session: Session, lookout_id: str) -> bool:
    return event_state(session, lookout_id).removed


def _last_toggle(session: Session, lookout_id: str) -> LookoutEvent | None:
    return event_state(session, lookout_id).last_toggle


def _referral_disabled(session: Session, lookout_id: str) -> bool:
    return event_state(session, lookout_id).disabled


def open_reviews(session: Session, lookout_id: str, kind: str = "post_inspection") -> list[LookoutReview]:
    q = select(LookoutReview).where(
        LookoutReview.lookout_id == lookout_id, LookoutReview.kind == kind, LookoutReview.decided_at.is_(None)
    )
    return list(session.execute(q.order_by(LookoutReview.opened_at)).scalars())


def record_inspection(
    ledger: Ledger, session: Session, lookout_id: str, inspection_id: str, at: datetime
) -> LookoutReview:
    """Called by the inspections capability after an inspection caused by `lookout_id`.

    Opens the post-inspection review with its deadline (the lookout's review window; the
    policy's for imported lookouts), tells the owner, and, when the person has now been
    referred as often as the policy allows in the period, asks the supervisor to review.
    Calling it again for the same inspection returns the review already opened.
    """
    lookout = get_lookout(session, lookout_id)
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound(f"no inspection {inspection_id!r}")
    if inspection.person_id != lookout.person_id:
        raise LedgerError(f"inspection {inspection_id} is of another person than lookout {lookout_id}")
    existing = session.execute(
        select(LookoutReview).where(
            LookoutReview.lookout_id == lookout_id,
            LookoutReview.inspection_id == inspection_id,
            LookoutReview.kind == "post_inspection",
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    linked = session.execute(
        select(InspectionLookout.position).where(
            InspectionLookout.inspection_id == inspection_id, InspectionLookout.lookout_id == lookout_id
        )
    ).first()
    if linked is None:
        position = (
            session.execute(select(InspectionLookout.position).where(InspectionLookout.inspection_id == inspection_id))
            .scalars()
            .all()
        )
        session.add(
            InspectionLookout(
                inspection_id=inspection_id, position=max(position, default=-1) + 1, lookout_id=lookout_id
            )
        )
    control = session.get(LookoutControl, lookout_id)
    window = control.review_window_days if control else ledger.policy.review_window_days
    due = at + timedelta(days=window)
    review = LookoutReview(
        id=new_id("rv"),
        lookout_id=lookout_id,
        kind="post_inspection",
        inspection_id=inspection_id,
        opened_at=at,
        due_at=due,
    )
    session.add(review)
    session.flush()
    record_decision(
        session,
        ledger.policy,
        at=at,
        actor="system",
        action="inspection.recorded",
        outcome="review_opened",
        rules=["LC-POST-INSPECTION-REVIEW"],
        lookout_id=lookout_id,
        person_id=lookout.person_id,
        detail={"inspection_id": inspection_id, "due_at": due.isoformat()},
    )
    ledger.audit(session, "system", "lookout.review.open", "lookout", lookout_id, {"inspection": inspection_id})
    notify(
        session,
        users_of_official(session, lookout.owner_id),
        Notice(
            "review_due",
            f"Lookout {lookout_id} caused an inspection: decide by {due:%Y-%m-%d %H:%M} UTC",
            f"Inspection {inspection_id} was caused by your lookout {lookout_id}. Record keep (with a new reason "
            f"and what is still sought), modify or remove by {due.isoformat()}. Until you do, it refers "
            "nobody again; with no decision by the deadline its referral is disabled.",
            lookout_id,
        ),
        at,
    )
    _check_referral_limit(ledger, session, lookout, at)
    return review


def _check_referral_limit(ledger: Ledger, session: Session, lookout: Lookout, at: datetime) -> None:
    state = referral_state(session, lookout.id, at, ledger.policy)
    if not any(b.rule == "LC-REFERRAL-LIMIT" for b in state.reasons):
        return
    if open_reviews(session, lookout.id, "referral_limit"):
        return
    review = LookoutReview(id=new_id("rv"), lookout_id=lookout.id, kind="referral_limit", opened_at=at)
    session.add(review)
    session.flush()
    record_decision(
        session,
        ledger.policy,
        at=at,
        actor="system",
        action="referral_limit",
        outcome="supervisor_review_required",
        rules=["LC-REFERRAL-LIMIT"],
        lookout_id=lookout.id,
        person_id=lookout.person_id,
    )
    notify(
        session,
        supervisors_of(session, lookout.owner_id),
        Notice(
            "referral_limit",
            f"Person {lookout.person_id} reached the referral limit",
            f"Person {lookout.person_id} has been referred as often as policy {ledger.policy.label} allows in "
            f"{ledger.policy.param('referral_limit_days')} days. Lookout {lookout.id} refers nobody again until a "
            "supervisor reviews the referrals and clears it.",
            lookout.id,
        ),
        at,
    )


def _second_supervisor(ledger: Ledger, session: Session, username: str, lookout: Lookout, what: str) -> Actor:
    """A supervisor who neither owns nor placed the lookout: the second official a review needs."""
    actor = acting(session, username)
    if not actor.user.has_role(Role.SUPERVISOR):
        raise AuthError(f"{username} needs the role supervisor to {what}")
    if actor.official_id in (lookout.owner_id, lookout.created_by_id):
        raise refusal(
            ledger.policy,
            "LC-SEPARATION-OF-DUTIES",
            f"{username} owns or placed lookout {lookout.id}; nobody reviews their own lookout ({what}).",
            "ask another supervisor of the owner's unit.",
        )
    require_same_unit(session, actor, lookout.owner_id, f"lookout {lookout.id}", what)
    return actor


def clear_referral_limit(
    ledger: Ledger, session: Session, username: str, lookout_id: str, reason: str
) -> LookoutReview:
    """A supervisor's review of a person's repeated referrals, allowing the next one."""
    lookout = get_lookout(session, lookout_id)
    actor = _second_supervisor(ledger, session, username, lookout, "clear a referral limit")
    text = _reason(reason)
    now = ledger.now()
    reviews = open_reviews(session, lookout_id, "referral_limit")
    review = (
        reviews[0]
        if reviews
        else LookoutReview(id=new_id("rv"), lookout_id=lookout_id, kind="referral_limit", opened_at=now)
    )
    if not reviews:
        session.add(review)
    review.decided_at, review.decision, review.reason, review.decided_by_id = now, "clear", text, actor.official_id
    session.flush()
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="referral_limit.clear",
        outcome="cleared",
        rules=["LC-REFERRAL-LIMIT"],
        lookout_id=lookout_id,
        person_id=lookout.person_id,
        detail={"reason": text},
    )
    ledger.audit(session, username, "lookout.referral_limit.clear", "lookout", lookout_id, {})
    return review


def _close_post_inspection(
    session: Session, lookout_id: str, decision: str, reason: str, actor: Actor, at: datetime
) -> list[str]:
    closed = []
    for review in open_reviews(session, lookout_id):
        review.decided_at, review.decision, review.reason, review.decided_by_id = (
            at,
            decision,
            reason,
            actor.official_id,
        )
        closed.append(review.id)
    session.flush()
    return closed


def _reenable_if_disabled(ledger: Ledger, session: Session, lookout: Lookout, actor: Actor, why: str) -> bool:
    """A re-justified lookout that the sweep had disabled refers again (when nothing else blocks it).

    Only the sweep's automatic disabling (no actor) is undone; a person's deliberate
    disabling stays until someone re-enables it on purpose.
    """
    last = _last_toggle(session, lookout.id)
    if last is None or last.kind != "referral_disabled" or last.actor_id is not None:
        return False
    add_event(session, lookout.id, "referral_enabled", ledger.now(), actor_id=actor.official_id, reason=why)
    return True


def keep(
    ledger: Ledger, session: Session, username: str, lookout_id: str, reason: str, still_sought: list[str]
) -> LookoutEvent:
    """The owner keeps the lookout after an inspection: a new reason and what is still sought."""
    lookout = get_lookout(session, lookout_id)
    actor = owner_or_supervisor(session, username, lookout, "keep", supervisor=False)
    get_control(session, lookout_id)
    if _removed(session, lookout_id):
        raise LedgerError(f"lookout {lookout_id} was removed")
    text = _reason(reason)
    topics = clean_topics(still_sought)
    if not topics:
        raise refusal(
            ledger.policy,
            "LC-POST-INSPECTION-REVIEW",
            "Keeping a lookout after an inspection needs what is still sought (at least one topic).",
            "list what the interviewing officer should still ask, or remove the lookout if nothing is.",
        )
    now = ledger.now()
    replace_topics(session, lookout_id, topics)
    event = add_event(
        session,
        lookout_id,
        "reviewed",
        now,
        actor_id=actor.official_id,
        reason=f"{text} Still sought: {'; '.join(topics)}.",
    )
    closed = _close_post_inspection(session, lookout_id, "keep", text, actor, now)
    reenabled = _reenable_if_disabled(ledger, session, lookout, actor, f"kept after review: {text}")
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="review.keep",
        outcome="kept" + ("_reenabled" if reenabled else ""),
        rules=["LC-POST-INSPECTION-REVIEW"],
        lookout_id=lookout_id,
        person_id=lookout.person_id,
        detail={"reason": text, "still_sought": topics, "reviews_closed": closed},
    )
    ledger.audit(session, username, "lookout.review.keep", "lookout", lookout_id, {"reviews": closed})
    return event


def modify(
    ledger: Ledger,
    session: Session,
    username: str,
    lookout_id: str,
    reason: str,
    *,
    suspected_activity: str | None = None,
    basis: str | None = None,
    information_sought: list[str] | None = None,
    status_code: str | None = None,
    action: str | None = None,
    nexus: str | None = None,
) -> LookoutEvent:
    """Change what the lookout says. The result must meet the placement standard and is approved again."""
    lookout = get_lookout(session, lookout_id)
    actor = owner_or_supervisor(session, username, lookout, "modify", supervisor=False)
    control = get_control(session, lookout_id)
    if _removed(session, lookout_id):
        raise LedgerError(f"lookout {lookout_id} was removed")
    text = _reason(reason)
    now = ledger.now()
    topics_now = [
        t.topic
        for t in session.execute(
            select(LookoutTopic).where(LookoutTopic.lookout_id == lookout_id).order_by(LookoutTopic.position)
        ).scalars()
    ]
    draft = LookoutDraft(
        person_id=lookout.person_id,
        status_code=status_code or lookout.status_code,
        suspected_activity=suspected_activity if suspected_activity is not None else lookout.suspected_activity,
        basis=basis if basis is not None else lookout.basis,
        information_sought=information_sought if information_sought is not None else topics_now,
        action=action or lookout.action,
        expires_at=control.expires_at,
        nexus=nexus if nexus is not None else control.nexus,
    )
    validate_draft(draft, now - timedelta(days=36500))
    person = session.get(Person, lookout.person_id)
    a = assess(ledger.policy, draft, person.occupation if person else None, None)
    if a.refusals:
        raise a.refusals[0]
    changed = [
        name
        for name, new, old in (
            ("status_code", draft.status_code, lookout.status_code),
            ("suspected_activity", clean_text(draft.suspected_activity), lookout.suspected_activity),
            ("basis", (draft.basis or "").strip(), lookout.basis),
            ("information_sought", clean_topics(draft.information_sought), topics_now),
            ("action", draft.action, lookout.action),
            ("nexus", clean_text(draft.nexus) or None, control.nexus),
        )
        if new != old
    ]
    if not changed:
        raise LedgerError(
            "nothing to modify: give a new basis, suspected activity, topics, status code, action or nexus"
        )
    lookout.status_code = draft.status_code
    lookout.suspected_activity = clean_text(draft.suspected_activity)
    lookout.basis = (draft.basis or "").strip()
    lookout.action = draft.action
    replace_topics(session, lookout_id, clean_topics(draft.information_sought))
    control.nexus = clean_text(draft.nexus) or None
    control.sensitive = a.sensitive
    control.sensitive_reasons = orjson.dumps(a.sensitive_reasons).decode()
    control.review_window_days = a.review_window_days
    control.periodic_review_days = a.periodic_review_days
    reopen_all(session, lookout, a.required_roles, now)
    event = add_event(
        session,
        lookout_id,
        "modified",
        now,
        actor_id=actor.official_id,
        reason=f"{text} Changed: {', '.join(changed)}.",
    )
    closed = _close_post_inspection(session, lookout_id, "modify", text, actor, now)
    reenabled = _reenable_if_disabled(ledger, session, lookout, actor, f"modified: {text}")
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="modify",
        outcome="modified_pending_approval",
        rules=[*a.rules_fired, "LC-POST-INSPECTION-REVIEW"] if closed else a.rules_fired,
        lookout_id=lookout_id,
        person_id=lookout.person_id,
        detail={"changed": changed, "reason": text, "reviews_closed": closed, "reenabled": reenabled},
    )
    ledger.audit(session, username, "lookout.modify", "lookout", lookout_id, {"changed": changed})
    notify(
        session,
        supervisors_of(session, lookout.owner_id),
        Notice(
            "approval_needed",
            f"Modified lookout {lookout_id} needs your approval again",
            f"The owner changed {', '.join(changed)}: {text}. It refers nobody until approved again.",
            lookout_id,
        ),
        now,
    )
    return event


def remove(ledger: Ledger, session: Session, username: str, lookout_id: str, reason: str) -> LookoutEvent:
    """Remove a lookout for good: no more referrals; open reviews close and pending transfers are cancelled."""
    lookout = get_lookout(session, lookout_id)
    actor = owner_or_supervisor(session, username, lookout, "remove")
    if _removed(session, lookout_id):
        raise LedgerError(f"lookout {lookout_id} was already removed")
    text = _reason(reason)
    now = ledger.now()
    event = add_event(session, lookout_id, "removed", now, actor_id=actor.official_id, reason=text)
    closed = _close_post_inspection(session, lookout_id, "remove", text, actor, now)
    for review in open_reviews(session, lookout_id, "referral_limit"):
        review.decided_at, review.decision, review.reason = now, "remove", text
    for transfer in session.execute(
        select(LookoutTransfer).where(LookoutTransfer.lookout_id == lookout_id, LookoutTransfer.status == "pending")
    ).scalars():
        transfer.status, transfer.decided_at, transfer.decided_by = "cancelled", now, username
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="remove",
        outcome="removed",
        rules=["LC-POST-INSPECTION-REVIEW"] if closed else [],
        lookout_id=lookout_id,
        person_id=lookout.person_id,
        detail={"reason": text, "reviews_closed": closed},
    )
    ledger.audit(session, username, "lookout.remove", "lookout", lookout_id, {})
    return event


def renew(
    ledger: Ledger, session: Session, username: str, lookout_id: str, reassessment: str, expires_at: datetime
) -> LookoutEvent:
    """The owner's periodic review, and their request to renew: a recorded reassessment now, and a new
    expiry that takes effect only when a supervisor of the owner's unit approves it (LC-EXPIRY: renewal is
    a supervisor's decision after the owner's reassessment)."""
    lookout = get_lookout(session, lookout_id)
    actor = owner_or_supervisor(session, username, lookout, "renew", supervisor=False)
    control = get_control(session, lookout_id)
    if _removed(session, lookout_id):
        raise LedgerError(f"lookout {lookout_id} was removed")
    text = _reason(reassessment, "reassessment")
    now = ledger.now()
    if expires_at.tzinfo is None or expires_at <= now:
        raise LedgerError("expires_at: a future time with a time zone offset")
    _check_lifetime(ledger, control, expires_at, now)
    control.next_review_at = min(control.expires_at, now + timedelta(days=control.periodic_review_days))
    event = add_event(session, lookout_id, "reviewed", now, actor_id=actor.official_id, reason=f"Reassessed: {text}")
    closed = _close_post_inspection(session, lookout_id, "keep", text, actor, now)
    for stale in open_reviews(session, lookout_id, "renewal"):  # a new request replaces an undecided one
        stale.decided_at, stale.decision, stale.decided_by_id = now, "superseded", actor.official_id
    session.add(
        LookoutReview(
            id=new_id("rv"),
            lookout_id=lookout_id,
            kind="renewal",
            opened_at=now,
            due_at=control.expires_at,
            reason=text,
            proposed_expires_at=expires_at,
        )
    )
    session.flush()
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="renew",
        outcome="renewal_requested",
        rules=["LC-EXPIRY", "LC-PERIODIC-REVIEW"],
        lookout_id=lookout_id,
        person_id=lookout.person_id,
        detail={"reassessment": text, "expires_at": expires_at.isoformat(), "reviews_closed": closed},
    )
    ledger.audit(
        session, username, "lookout.renewal.request", "lookout", lookout_id, {"expires_at": expires_at.isoformat()}
    )
    notify(
        session,
        [u for u in supervisors_of(session, lookout.owner_id) if u != username],
        Notice(
            "renewal_requested",
            f"Lookout {lookout_id}: renewal to decide",
            f"{actor.official.name} reassessed lookout {lookout_id} and asks to renew it until "
            f"{expires_at.isoformat()} (it expires {control.expires_at.isoformat()}): {text}",
            lookout_id,
        ),
        now,
    )
    return event


def _check_lifetime(ledger: Ledger, control: LookoutControl, expires_at: datetime, now: datetime) -> None:
    max_days = int(ledger.policy.param("sensitive_max_lifetime_days" if control.sensitive else "max_lifetime_days"))
    if expires_at > now + timedelta(days=max_days):
        raise refusal(
            ledger.policy,
            "LC-EXPIRY",
            f"The new expiry is more than {max_days} days from now, the policy's maximum for this lookout.",
            f"set an expiry on or before {(now + timedelta(days=max_days)).date().isoformat()}.",
        )


def decide_renewal(
    ledger: Ledger, session: Session, username: str, lookout_id: str, approve: bool, statement: str
) -> LookoutReview:
    """A supervisor of the owner's unit approves (the new expiry takes effect, and a lookout the sweep had
    disabled at expiry refers again) or refuses the owner's renewal, in writing."""
    lookout = get_lookout(session, lookout_id)
    actor = _second_supervisor(ledger, session, username, lookout, "decide a renewal")
    pending = open_reviews(session, lookout_id, "renewal")
    if not pending:
        raise NotFound(f"lookout {lookout_id} has no renewal waiting for a decision (the owner reassesses first)")
    review = pending[-1]
    control = get_control(session, lookout_id)
    text = _reason(statement, "statement")
    now = ledger.now()
    assert review.proposed_expires_at is not None
    review.decided_at, review.decision, review.decided_by_id = now, "renew" if approve else "refuse", actor.official_id
    reenabled = False
    if approve:
        if review.proposed_expires_at <= now:
            raise LedgerError(f"the renewal asked for {review.proposed_expires_at.isoformat()}, which has passed")
        _check_lifetime(ledger, control, review.proposed_expires_at, now)
        control.expires_at = review.proposed_expires_at
        control.next_review_at = min(control.expires_at, now + timedelta(days=control.periodic_review_days))
        add_event(session, lookout_id, "reviewed", now, actor_id=actor.official_id, reason=f"Renewal approved: {text}")
        reenabled = _reenable_if_disabled(ledger, session, lookout, actor, f"renewed: {text}")
    session.flush()
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="renewal.decide",
        outcome=("renewed" + ("_reenabled" if reenabled else "")) if approve else "renewal_refused",
        rules=["LC-EXPIRY"],
        lookout_id=lookout_id,
        person_id=lookout.person_id,
        detail={"statement": text, "expires_at": control.expires_at.isoformat()},
    )
    ledger.audit(
        session,
        username,
        "lookout.renew" if approve else "lookout.renewal.refuse",
        "lookout",
        lookout_id,
        {"expires_at": control.expires_at.isoformat()},
    )
    notify(
        session,
        users_of_official(session, lookout.owner_id),
        Notice(
            "renewal_decided",
            f"Lookout {lookout_id}: renewal {'approved' if approve else 'refused'}",
            f"{actor.official.name} {'approved' if approve else 'refused'} the renewal of lookout {lookout_id}: {text}",
            lookout_id,
        ),
        now,
    )
    return review


def disable_referral(ledger: Ledger, session: Session, username: str, lookout_id: str, reason: str) -> LookoutEvent:
    """Stop referrals without removing the lookout (owner or their supervisor)."""
    lookout = get_lookout(session, lookout_id)
    actor = owner_or_supervisor(session, username, lookout, "disable")
    if _removed(session, lookout_id) or _referral_disabled(session, lookout_id):
        raise LedgerError(f"lookout {lookout_id} is already removed or disabled")
    text = _reason(reason)
    now = ledger.now()
    event = add_event(session, lookout_id, "referral_disabled", now, actor_id=actor.official_id, reason=text)
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="disable",
        outcome="referral_disabled",
        rules=[],
        lookout_id=lookout_id,
        person_id=lookout.person_id,
        detail={"reason": text},
    )
    ledger.audit(session, username, "lookout.disable", "lookout", lookout_id, {})
    return event


def enable_referral(ledger: Ledger, session: Session, username: str, lookout_id: str, reason: str) -> LookoutEvent:
    """Re-enable a disabled lookout; refused while a post-inspection review is open (decide it instead)."""
    lookout = get_lookout(session, lookout_id)
    actor = owner_or_supervisor(session, username, lookout, "re-enable", supervisor=False)
    get_control(session, lookout_id)
    if not _referral_disabled(session, lookout_id) or _removed(session, lookout_id):
        raise LedgerError(f"lookout {lookout_id} is not disabled (or was removed)")
    if open_reviews(session, lookout_id):
        raise refusal(
            ledger.policy,
            "LC-POST-INSPECTION-REVIEW",
            f"Lookout {lookout_id} has an open post-inspection review; re-enabling would skip it.",
            "record the review decision (keep with a new reason, modify or remove); keeping it re-enables it.",
        )
    text = _reason(reason)
    now = ledger.now()
    event = add_event(session, lookout_id, "referral_enabled", now, actor_id=actor.official_id, reason=text)
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="enable",
        outcome="referral_enabled",
        rules=[],
        lookout_id=lookout_id,
        person_id=lookout.person_id,
        detail={"reason": text},
    )
    ledger.audit(session, username, "lookout.enable", "lookout", lookout_id, {})
    return event
