"""Placing a lookout: the standard a lookout must meet before anyone is referred by it.

The review found lookouts with no stated basis, half of them on non-suspects, several on
journalists and attorneys for their work, and officials who did not know the standard. The
placement rules are therefore checked here, in one pure function (`assess`) that the page
calls for feedback before submitting, that `place_lookout` enforces, and that `replay` runs
over history; all three give the same answer for the same lookout and policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound, Refusal
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.policy.loader import Policy
from lookout_ledger.history.lookouts import (
    ACTIONS,
    STATUS_CODES,
    Lookout,
    LookoutEvent,
    LookoutTopic,
    normalise_topic,
)
from lookout_ledger.lookouts.common import (
    Actor,
    acting,
    add_event,
    clean_text,
    clean_topics,
    new_id,
    record_decision,
    refusal,
    supervisors_of,
    users_with_role,
)
from lookout_ledger.lookouts.lifecycle_models import LookoutApproval, LookoutControl
from lookout_ledger.lookouts.training import require_training
from lookout_ledger.notifications.service import Notice, notify
from lookout_ledger.people.models import Person


@dataclass(frozen=True)
class LookoutDraft:
    """What an official submits. `nexus` states the link to suspected illegal activity when the
    basis mentions protected activity or the person's occupation is a sensitive one."""

    person_id: str
    status_code: str
    suspected_activity: str | None
    basis: str | None
    information_sought: list[str]
    action: str
    expires_at: datetime | None
    nexus: str | None = None


@dataclass
class Assessment:
    """The policy's verdict on a draft: refusals (empty when it may be placed) and obligations."""

    policy: str
    refusals: list[Refusal] = field(default_factory=list)
    sensitive: bool = False
    sensitive_reasons: list[str] = field(default_factory=list)
    required_roles: list[str] = field(default_factory=list)
    rules_fired: list[str] = field(default_factory=list)
    review_window_days: int = 7
    periodic_review_days: int = 90
    max_lifetime_days: int = 180
    protected_terms_found: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.refusals

    def as_dict(self) -> dict[str, object]:
        return {
            "policy": self.policy,
            "allowed": self.allowed,
            "refusals": [r.as_dict() for r in self.refusals],
            "sensitive": self.sensitive,
            "sensitive_reasons": self.sensitive_reasons,
            "required_approvals": self.required_roles,
            "rules_fired": self.rules_fired,
            "review_window_days": self.review_window_days,
            "periodic_review_days": self.periodic_review_days,
            "max_lifetime_days": self.max_lifetime_days,
        }


def protected_terms(policy: Policy, *texts: str | None) -> list[str]:
    """Protected-activity terms (reporting, legal representation, worship...) the texts mention."""
    haystack = " ".join(t for t in texts if t).casefold()
    found = []
    for term in policy.param("protected_activity_terms", []):
        if re.search(r"\b" + re.escape(term.casefold()) + r"\b", haystack):
            found.append(term)
    return found


def assess(policy: Policy, draft: LookoutDraft, occupation: str | None, placed_at: datetime | None) -> Assessment:
    """Every placement rule, applied to one draft. Pure: no database, no clock."""
    a = Assessment(policy=policy.label)
    basis = clean_text(draft.basis)
    activity = clean_text(draft.suspected_activity)
    topics = clean_topics(draft.information_sought)
    missing = []
    if not activity:
        missing.append("the suspected activity")
    if len(basis) < int(policy.param("min_basis_chars", 0)) or not basis:
        missing.append(f"a narrative basis (at least {policy.param('min_basis_chars', 0)} characters)")
    if not topics:
        missing.append("the information sought (at least one topic the interviewing officer can act on)")
    if missing:
        a.refusals.append(
            refusal(
                policy,
                "LC-BASIS-REQUIRED",
                f"The lookout does not state {', '.join(missing)}.",
                "state the suspected illegal activity, the facts it rests on, and what the officer should ask.",
                missing=missing,
            )
        )
    non_suspect = draft.status_code == "non_suspect"
    if non_suspect and not policy.param("allow_non_suspect", False):
        a.refusals.append(
            refusal(
                policy,
                "LC-NON-SUSPECT",
                "The person is not suspected of illegal activity, and this policy allows lookouts only on suspects.",
                "place the lookout only if the facts support suspicion of illegal activity by this person "
                "(status code suspect), or seek the information another way.",
            )
        )
    sensitive_occupations = policy.param("sensitive_occupations", [])
    occupation_sensitive = occupation in sensitive_occupations
    terms = protected_terms(policy, draft.basis, draft.suspected_activity)
    a.protected_terms_found = terms
    nexus = clean_text(draft.nexus)
    needs_nexus = bool(terms) or occupation_sensitive
    if needs_nexus and len(nexus) < max(1, int(policy.param("min_nexus_chars", 0))):
        because = []
        if terms:
            because.append(f"the basis mentions protected activity ({', '.join(terms)})")
        if occupation_sensitive:
            because.append(f"the person is a {occupation}")
        a.refusals.append(
            refusal(
                policy,
                "LC-FIRST-AMENDMENT",
                f"{'; '.join(because).capitalize()}, and no nexus to suspected illegal activity is stated. "
                "Activity protected by the First Amendment is not by itself a basis for a lookout.",
                "state the nexus: the facts linking this person to suspected illegal activity beyond "
                f"the protected activity (at least {policy.param('min_nexus_chars', 0)} characters).",
                protected_terms=terms,
            )
        )
    if occupation_sensitive:
        a.sensitive = True
        a.sensitive_reasons.append(f"occupation: {occupation}")
        a.rules_fired.append("LC-SENSITIVE-COUNSEL")
    if non_suspect and policy.param("allow_non_suspect", False):
        a.sensitive = True
        a.sensitive_reasons.append("non-suspect lookout")
        a.rules_fired.append("LC-NON-SUSPECT")
    if terms:
        a.rules_fired.append("LC-FIRST-AMENDMENT")
    a.required_roles = list(
        policy.param("sensitive_required_approvals" if a.sensitive else "required_approvals", ["supervisor"])
    )
    a.rules_fired.append("LC-APPROVAL-REQUIRED")
    prefix = "sensitive_" if a.sensitive else ""
    a.review_window_days = int(policy.param(f"{prefix}review_window_days"))
    a.periodic_review_days = int(policy.param(f"{prefix}periodic_review_days"))
    a.max_lifetime_days = int(policy.param(f"{prefix}max_lifetime_days"))
    if draft.expires_at is not None and placed_at is not None:
        latest = placed_at + timedelta(days=a.max_lifetime_days)
        if draft.expires_at > latest:
            a.refusals.append(
                refusal(
                    policy,
                    "LC-EXPIRY",
                    f"The expiry is more than {a.max_lifetime_days} days after placement, the policy's maximum "
                    f"for {'a sensitive' if a.sensitive else 'this'} lookout.",
                    f"set an expiry on or before {latest.date().isoformat()}; renew it later with a reassessment.",
                    latest=latest.isoformat(),
                )
            )
    a.rules_fired.append("LC-EXPIRY")
    a.rules_fired = sorted(set(a.rules_fired))
    return a


def validate_draft(draft: LookoutDraft, now: datetime) -> None:
    """Field errors (not policy refusals): a value of the wrong kind, named by field."""
    if draft.status_code not in STATUS_CODES:
        raise LedgerError(f"status_code: expected one of {', '.join(STATUS_CODES)}, got {draft.status_code!r}")
    if draft.action not in ACTIONS:
        raise LedgerError(f"action: expected one of {', '.join(ACTIONS)}, got {draft.action!r}")
    if draft.expires_at is None:
        raise LedgerError("expires_at: required (no lookout may outlive its purpose)")
    if draft.expires_at.tzinfo is None:
        raise LedgerError("expires_at: needs a time zone offset")
    if draft.expires_at <= now:
        raise LedgerError("expires_at: must be in the future")


def preview(ledger: Ledger, session: Session, draft: LookoutDraft) -> Assessment:
    """The policy's feedback on a draft, shown before submitting; writes nothing."""
    person = session.get(Person, draft.person_id)
    return assess(ledger.policy, draft, person.occupation if person else None, ledger.now())


def place_lookout(ledger: Ledger, session: Session, username: str, draft: LookoutDraft) -> Lookout:
    """Place a lookout owned by the acting official. It refers nobody until its approvals are complete."""
    actor = acting(session, username)
    if not actor.user.has_role(Role.LOOKOUT_OWNER):
        raise AuthError(f"{username} needs the role lookout_owner to place lookouts")
    now = ledger.now()
    require_training(ledger, session, username, "placing a lookout")
    person = session.get(Person, draft.person_id)
    if person is None:
        raise NotFound(f"person_id: no person {draft.person_id!r}")
    validate_draft(draft, now)
    a = assess(ledger.policy, draft, person.occupation, now)
    if a.refusals:
        first = a.refusals[0]
        if len(a.refusals) > 1:
            first.details["also"] = [r.as_dict() for r in a.refusals[1:]]
        raise first
    lookout = Lookout(
        id=new_id("lo"),
        person_id=person.id,
        owner_id=actor.official_id,
        created_by_id=actor.official_id,
        created_at=now,
        created_at_offset=0,
        status_code=draft.status_code,
        suspected_activity=clean_text(draft.suspected_activity),
        basis=draft.basis.strip() if draft.basis else None,
        action=draft.action,
    )
    session.add(lookout)
    session.flush()
    replace_topics(session, lookout.id, clean_topics(draft.information_sought))
    install_controls(ledger, session, username, actor, lookout, draft, a, action="place")
    return lookout


def install_controls(
    ledger: Ledger,
    session: Session,
    username: str,
    actor: Actor,
    lookout: Lookout,
    draft: LookoutDraft,
    a: Assessment,
    *,
    action: str,
) -> None:
    """What makes a lookout live under the current policy: its controls, the approvals it needs,
    the decision and the notices. Placement and adoption of an imported lookout share it."""
    now = ledger.now()
    assert draft.expires_at is not None  # validate_draft
    session.add(
        LookoutControl(
            lookout_id=lookout.id,
            policy_name=ledger.policy.name,
            policy_version=ledger.policy.version,
            sensitive=a.sensitive,
            sensitive_reasons=orjson.dumps(a.sensitive_reasons).decode(),
            nexus=clean_text(draft.nexus) or None,
            review_window_days=a.review_window_days,
            periodic_review_days=a.periodic_review_days,
            referral_limit=int(ledger.policy.param("referral_limit")),
            referral_limit_days=int(ledger.policy.param("referral_limit_days")),
            expires_at=draft.expires_at,
            next_review_at=min(draft.expires_at, now + timedelta(days=a.periodic_review_days)),
        )
    )
    for role in a.required_roles:
        session.add(LookoutApproval(id=new_id("ap"), lookout_id=lookout.id, role=role, requested_at=now))
    session.flush()
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action=action,
        outcome=("placed" if action == "place" else "adopted") + "_pending_approval",
        rules=a.rules_fired,
        lookout_id=lookout.id,
        person_id=lookout.person_id,
        detail={"required_approvals": a.required_roles, "sensitive_reasons": a.sensitive_reasons},
    )
    ledger.audit(
        session,
        username,
        f"lookout.{action}",
        "lookout",
        lookout.id,
        {"policy": ledger.policy.label, "rules": a.rules_fired, "approvals": a.required_roles},
    )
    recipients = supervisors_of(session, actor.official_id)
    if "counsel" in a.required_roles:
        recipients += users_with_role(session, Role.COUNSEL)
    verb = "placed" if action == "place" else "adopted (imported, now under the current policy)"
    notify(
        session,
        [u for u in recipients if u != username],
        Notice(
            "approval_needed",
            f"Lookout {lookout.id} needs your approval",
            f"{actor.official.name} {verb} lookout {lookout.id} ({draft.status_code}). Required approvals: "
            f"{', '.join(a.required_roles)}. It refers nobody until they are complete."
            + (f" Sensitive: {'; '.join(a.sensitive_reasons)}." if a.sensitive else ""),
            lookout.id,
        ),
        now,
    )


def adopt_lookout(
    ledger: Ledger,
    session: Session,
    username: str,
    lookout_id: str,
    *,
    expires_at: datetime | None,
    nexus: str | None = None,
    information_sought: list[str] | None = None,
) -> Lookout:
    """Bring an imported lookout under the current policy, as its owner: the placement assessment
    on the facts it states (the imported approval is a claim and counts for nothing), new
    approvals, an expiry within the policy's maximum from today. Until then it refers nobody."""
    actor = acting(session, username)
    if not actor.user.has_role(Role.LOOKOUT_OWNER):
        raise AuthError(f"{username} needs the role lookout_owner to adopt lookouts")
    lookout = session.get(Lookout, lookout_id)
    if lookout is None:
        raise NotFound(f"no lookout {lookout_id!r}")
    if lookout.owner_id != actor.official_id:
        raise AuthError(f"only the lookout's owner {lookout.owner_id} may adopt lookout {lookout_id}")
    if session.get(LookoutControl, lookout_id) is not None:
        raise LedgerError(f"lookout {lookout_id} is already under the current policy's controls")
    removed = session.execute(
        select(LookoutEvent.id).where(LookoutEvent.lookout_id == lookout_id, LookoutEvent.kind == "removed")
    ).first()
    if removed is not None:
        raise LedgerError(f"lookout {lookout_id} was removed; place a new lookout if one is needed")
    now = ledger.now()
    require_training(ledger, session, username, "adopting a lookout")
    person = session.get(Person, lookout.person_id)
    stored = session.execute(
        select(LookoutTopic.topic).where(LookoutTopic.lookout_id == lookout_id).order_by(LookoutTopic.position)
    ).scalars()
    topics = information_sought if information_sought is not None else list(stored)
    draft = LookoutDraft(
        lookout.person_id,
        lookout.status_code,
        lookout.suspected_activity,
        lookout.basis,
        topics,
        lookout.action,
        expires_at,
        nexus,
    )
    validate_draft(draft, now)
    a = assess(ledger.policy, draft, person.occupation if person else None, now)
    if a.refusals:
        first = a.refusals[0]
        if len(a.refusals) > 1:
            first.details["also"] = [r.as_dict() for r in a.refusals[1:]]
        raise first
    if information_sought is not None:
        replace_topics(session, lookout_id, clean_topics(information_sought))
    add_event(
        session,
        lookout_id,
        "reviewed",
        now,
        actor_id=actor.official_id,
        reason=f"Adopted under {ledger.policy.label}: assessed as a new placement; approvals requested",
    )
    install_controls(ledger, session, username, actor, lookout, draft, a, action="adopt")
    return lookout


def replace_topics(session: Session, lookout_id: str, topics: list[str]) -> None:
    session.query(LookoutTopic).filter(LookoutTopic.lookout_id == lookout_id).delete(synchronize_session=False)
    session.flush()
    for i, topic in enumerate(topics):
        session.add(LookoutTopic(lookout_id=lookout_id, position=i, topic=topic, topic_norm=normalise_topic(topic)))
    session.flush()
