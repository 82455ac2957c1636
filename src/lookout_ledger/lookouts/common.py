"""What every lifecycle use case shares: who is acting, ids, events and recorded decisions.

Users act as officials (`User.official_id`): the review's lookouts were owned, approved and
transferred by officials, and the LIF history names officials, so a live action that cannot
be attributed to an official is refused rather than recorded anonymously.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core import usecase
from lookout_ledger.core.auth import Role, User, UserRole
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound, Refusal
from lookout_ledger.core.ids import new_id
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.policy.loader import Policy
from lookout_ledger.history.lookouts import Lookout, LookoutEvent
from lookout_ledger.lookouts.lifecycle_models import LookoutControl, LookoutDecision
from lookout_ledger.org.models import Official

T = TypeVar("T")

# Who may call each use case, stated once for the pages, the API and the command line (#16): the
# capability checks ownership and unit on top (`owner_or_supervisor`, `require_same_unit`).
OWNER = (Role.LOOKOUT_OWNER,)
OWNER_OR_SUPERVISOR = (Role.LOOKOUT_OWNER, Role.SUPERVISOR)
APPROVERS = (Role.SUPERVISOR, Role.COUNSEL)
SUPERVISOR = (Role.SUPERVISOR,)
TRAINED = (Role.LOOKOUT_OWNER, Role.SUPERVISOR, Role.COUNSEL)  # who acknowledges the policy
MOVERS = (Role.SUPERVISOR, Role.ADMIN)  # who moves an official to another unit


@dataclass(frozen=True)
class Actor:
    """A signed-in user and the official they act as."""

    user: User
    official: Official

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def official_id(self) -> str:
        return self.official.id


def acting(session: Session, username: str) -> Actor:
    user = session.get(User, username)
    if user is None or not user.active:
        raise AuthError(f"unknown or inactive user {username!r}")
    if not user.official_id:
        raise AuthError(f"{username} is not linked to an official; lookouts are owned and approved by officials")
    official = session.get(Official, user.official_id)
    if official is None:
        raise NotFound(f"official {user.official_id} of user {username} does not exist")
    return Actor(user, official)


def get_lookout(session: Session, lookout_id: str) -> Lookout:
    lookout = session.get(Lookout, lookout_id)
    if lookout is None:
        raise NotFound(f"no lookout {lookout_id!r}")
    return lookout


def get_control(session: Session, lookout_id: str) -> LookoutControl:
    control = session.get(LookoutControl, lookout_id)
    if control is None:
        raise LedgerError(
            f"lookout {lookout_id} was imported, not placed through the lifecycle; its history is read-only"
        )
    return control


def refusal(policy: Policy, rule_id: str, reason: str, remedy: str, **details: object) -> Refusal:
    """A Refusal citing the policy's own rule, so the words shown are the ones the policy states."""
    rule = policy.rule(rule_id)
    return Refusal(
        rule=rule_id,
        reason=reason,
        remedy=remedy,
        citation=rule.citation,
        details={"policy": policy.label, "statement": rule.statement, **details},
    )


def add_event(
    session: Session,
    lookout_id: str,
    kind: str,
    at: datetime,
    *,
    actor_id: str | None,
    reason: str | None = None,
    to_owner_id: str | None = None,
    notice: bool | None = None,
) -> LookoutEvent:
    """A LIF `lookout_event`, so live history exports and audits like imported history."""
    event = LookoutEvent(
        id=new_id("ev"),
        lookout_id=lookout_id,
        at=at,
        at_offset=0,
        kind=kind,
        actor_id=actor_id,
        to_owner_id=to_owner_id,
        notice=notice,
        reason=reason,
    )
    session.add(event)
    session.flush()
    return event


def record_decision(
    session: Session,
    policy: Policy,
    *,
    at: datetime,
    actor: str,
    action: str,
    outcome: str,
    rules: Iterable[str],
    lookout_id: str | None = None,
    person_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> LookoutDecision:
    """Store why: the policy name and version and the rule ids that fired."""
    decision = LookoutDecision(
        id=new_id("dc"),
        at=at,
        at_offset=0,
        lookout_id=lookout_id,
        person_id=person_id,
        actor=actor,
        action=action,
        outcome=outcome,
        policy_name=policy.name,
        policy_version=policy.version,
        rules=orjson.dumps(sorted(set(rules))).decode(),
        detail=orjson.dumps(detail or {}).decode(),
    )
    session.add(decision)
    session.flush()
    return decision


def record_refusal(ledger: Ledger, actor: str, action: str, exc: Refusal, **where: str | None) -> None:
    """Keep a refused decision in its own transaction: the use case's own one is rolled back."""
    with ledger.transaction() as s:
        _record_refusal(ledger, s, actor, action, exc, **where)


def _record_refusal(ledger: Ledger, s: Session, actor: str, action: str, exc: Refusal, **where: str | None) -> None:
    record_decision(
        s,
        ledger.policy,
        at=ledger.now(),
        actor=actor,
        action=action,
        outcome="refused",
        rules=[exc.rule],
        lookout_id=where.get("lookout_id"),
        person_id=where.get("person_id"),
        detail={"reason": exc.reason, "remedy": exc.remedy},
    )
    ledger.audit(s, actor, f"{action}.refused", "lookout", where.get("lookout_id"), {"rule": exc.rule})


def users_of_official(session: Session, official_id: str) -> list[str]:
    rows = session.execute(
        select(User.username).where(User.official_id == official_id, User.active.is_(True)).order_by(User.username)
    )
    return list(rows.scalars())


def users_with_role(session: Session, role: Role, unit_id: str | None = None) -> list[str]:
    """Active users holding `role`; with `unit_id`, only those acting as an official of that unit."""
    q = (
        select(User.username)
        .join(UserRole, UserRole.username == User.username)
        .where(UserRole.role == str(role), User.active.is_(True))
    )
    if unit_id is not None:
        q = q.join(Official, Official.id == User.official_id).where(Official.unit_id == unit_id)
    return list(session.execute(q.order_by(User.username)).scalars())


def require_same_unit(session: Session, actor: Actor, official_id: str, subject: str, what: str) -> None:
    """Unit scope (#16): the second official of a decision works in the unit of the official it
    concerns (the lookout's owner, the officer who asked), so no supervisor decides for another unit."""
    other = session.get(Official, official_id)
    if other is None or other.unit_id != actor.official.unit_id:
        raise AuthError(
            f"{actor.username} supervises unit {actor.official.unit_id}; {subject} belongs to unit "
            f"{other.unit_id if other else 'unknown'}, so only a supervisor of that unit can {what}"
        )


def supervisors_of(session: Session, official_id: str) -> list[str]:
    official = session.get(Official, official_id)
    if official is None:
        return []
    return users_with_role(session, Role.SUPERVISOR, official.unit_id)


def owner_or_supervisor(
    session: Session, username: str, lookout: Lookout, what: str, *, supervisor: bool = True
) -> Actor:
    """The one check for changing a lookout: its owner, acting in the role lookout_owner, or (where
    `supervisor`) a supervisor of the owner's unit. Roles are read from the database in this
    transaction, so a withdrawn role stops working at the next request (#16 item 2: owning a
    lookout is not enough once the role that made one an owner is gone)."""
    actor = acting(session, username)
    is_owner = actor.official_id == lookout.owner_id
    if is_owner and actor.user.has_role(Role.LOOKOUT_OWNER):
        return actor
    if supervisor and actor.user.has_role(Role.SUPERVISOR) and username in supervisors_of(session, lookout.owner_id):
        return actor
    who = f"the owner {lookout.owner_id}, holding the role lookout_owner"
    if supervisor:
        who += ", or a supervisor of the owner's unit"
    why = (
        f"{username} acts as the owner but no longer holds the role lookout_owner"
        if is_owner
        else f"{username} acts as {actor.official_id}"
    )
    raise AuthError(f"only {who} may {what} lookout {lookout.id}; {why}")


def clean_text(value: str | None) -> str:
    return " ".join((value or "").split())


def clean_topics(topics: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for t in topics or []:
        text = clean_text(t)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return out


def perform(ledger: Ledger, actor: str, action: str, use_case: Callable[[Session], T], **where: str | None) -> T:
    """Run one lifecycle use case on the kernel (`core.usecase.run`); a refusal is kept as a
    lifecycle decision with its rule, and in the audit log."""

    def refused(s: Session, exc: Refusal) -> None:
        _record_refusal(ledger, s, actor, action, exc, **where)

    return usecase.run(ledger, use_case, refused)
