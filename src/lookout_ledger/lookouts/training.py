"""Training attestation: a user acknowledges a policy version before placing or approving.

The review found officials who had never been trained on the basis for a lookout and did
not know the Directive could be read two ways. Acknowledging is per (policy name, version),
so publishing a new version requires everyone to acknowledge again before acting.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import User
from lookout_ledger.core.errors import NotFound
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.lookouts.common import record_decision, refusal
from lookout_ledger.lookouts.lifecycle_models import PolicyAcknowledgment


def has_acknowledged(session: Session, username: str, ledger: Ledger) -> bool:
    key = (username, ledger.policy.name, ledger.policy.version)
    return session.get(PolicyAcknowledgment, key) is not None


def acknowledge(ledger: Ledger, session: Session, username: str) -> PolicyAcknowledgment:
    """Record that `username` has read and been trained on the active policy version (idempotent,
    also when the same user acknowledges from two requests at once: the user's row is locked first,
    so the second waits and finds the first's acknowledgment instead of failing on the key, #15)."""
    if session.get(User, username, with_for_update=True) is None:
        raise NotFound(f"no user {username!r}")
    key = (username, ledger.policy.name, ledger.policy.version)
    ack = session.get(PolicyAcknowledgment, key)
    if ack is not None:
        return ack
    ack = PolicyAcknowledgment(
        username=username, policy_name=ledger.policy.name, policy_version=ledger.policy.version, at=ledger.now()
    )
    session.add(ack)
    session.flush()
    ledger.audit(
        session, username, "policy.acknowledge", "policy", ledger.policy.name, {"version": ledger.policy.version}
    )
    record_decision(
        session,
        ledger.policy,
        at=ledger.now(),
        actor=username,
        action="policy.acknowledge",
        outcome="acknowledged",
        rules=["LC-TRAINING"],
    )
    return ack


def require_training(ledger: Ledger, session: Session, username: str, doing: str) -> None:
    if has_acknowledged(session, username, ledger):
        return
    older = (
        session.execute(
            select(PolicyAcknowledgment.policy_version).where(
                PolicyAcknowledgment.username == username, PolicyAcknowledgment.policy_name == ledger.policy.name
            )
        )
        .scalars()
        .all()
    )
    why = (
        f"{username} acknowledged {ledger.policy.name} version(s) {', '.join(sorted(older))}, "
        f"not the active {ledger.policy.version}"
        if older
        else f"{username} has not acknowledged policy {ledger.policy.label}"
    )
    raise refusal(
        ledger.policy,
        "LC-TRAINING",
        f"{why}; training on the active policy is required before {doing}.",
        f"read the policy (`lookout policy show`) and acknowledge it (`lookout policy acknowledge --as {username}`).",
    )
