"""Approvals: a lookout refers nobody until every required approval is recorded in writing.

Supervisors approve lookouts of officials in their own unit; counsel approves the sensitive
ones (journalists, attorneys, advocates, photographers, clergy, and non-suspects where the
policy allows them). Nobody approves a lookout they placed or own. When the last approval
lands, the LIF `approved_by`/`approved_at` are set to the supervisor's, so the audit judges
live lookouts by the same field it reads in imported ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.lookouts import Lookout
from lookout_ledger.lookouts.common import (
    acting,
    clean_text,
    get_lookout,
    new_id,
    record_decision,
    refusal,
    require_same_unit,
    users_of_official,
)
from lookout_ledger.lookouts.lifecycle_models import LookoutApproval
from lookout_ledger.lookouts.training import require_training
from lookout_ledger.notifications.service import Notice, notify
from lookout_ledger.org.models import Official

MIN_STATEMENT_CHARS = 10
ROLE_OF_APPROVAL = {"supervisor": Role.SUPERVISOR, "counsel": Role.COUNSEL}


@dataclass(frozen=True)
class QueueItem:
    approval_id: str
    lookout_id: str
    role: str
    requested_at: datetime
    owner_id: str
    status_code: str


def approvals_of(session: Session, lookout_id: str) -> list[LookoutApproval]:
    q = select(LookoutApproval).where(LookoutApproval.lookout_id == lookout_id, LookoutApproval.status != "superseded")
    return list(session.execute(q.order_by(LookoutApproval.requested_at, LookoutApproval.role)).scalars())


def approvals_complete(session: Session, lookout_id: str) -> bool:
    rows = approvals_of(session, lookout_id)
    return bool(rows) and all(a.status == "approved" for a in rows)


def queue(session: Session, username: str) -> list[QueueItem]:
    """Pending approvals this user may give: supervisors see their unit's, counsel see all sensitive ones."""
    actor = acting(session, username)
    roles = [r for r, role in ROLE_OF_APPROVAL.items() if actor.user.has_role(role)]
    if not roles:
        return []
    q = (
        select(LookoutApproval, Lookout, Official.unit_id)
        .join(Lookout, Lookout.id == LookoutApproval.lookout_id)
        .join(Official, Official.id == Lookout.owner_id)
        .where(LookoutApproval.status == "pending", LookoutApproval.role.in_(roles))
        .order_by(LookoutApproval.requested_at, LookoutApproval.id)
    )
    out = []
    for ap, lk, unit_id in session.execute(q):
        if ap.role == "supervisor" and unit_id != actor.official.unit_id:
            continue
        if actor.official_id in (lk.owner_id, lk.created_by_id):
            continue
        out.append(QueueItem(ap.id, lk.id, ap.role, ap.requested_at, lk.owner_id, lk.status_code))
    return out


def decide(
    ledger: Ledger,
    session: Session,
    username: str,
    lookout_id: str,
    role: str,
    approve: bool,
    statement: str,
) -> LookoutApproval:
    """Approve or refuse, in writing, the `role` approval a lookout needs."""
    if role not in ROLE_OF_APPROVAL:
        raise LedgerError(f"role: expected one of {', '.join(ROLE_OF_APPROVAL)}, got {role!r}")
    actor = acting(session, username)
    lookout = get_lookout(session, lookout_id)
    policy = ledger.policy
    now = ledger.now()
    if not actor.user.has_role(ROLE_OF_APPROVAL[role]):
        raise AuthError(f"{username} needs the role {ROLE_OF_APPROVAL[role]} to give the {role} approval")
    if actor.official_id in (lookout.created_by_id, lookout.owner_id):
        raise refusal(
            policy,
            "LC-SEPARATION-OF-DUTIES",
            f"{username} acts as {actor.official_id}, who placed or owns lookout {lookout_id}; "
            "nobody approves their own request.",
            f"ask another {role} to decide.",
        )
    if role == "supervisor":
        require_same_unit(session, actor, lookout.owner_id, f"lookout {lookout_id}", "approve it")
    require_training(ledger, session, username, "approving a lookout")
    text = clean_text(statement)
    if len(text) < MIN_STATEMENT_CHARS:
        raise LedgerError(
            f"statement: a written {'approval' if approve else 'refusal'} of at least {MIN_STATEMENT_CHARS} "
            "characters is required (what you checked and why)"
        )
    pending = [a for a in approvals_of(session, lookout_id) if a.role == role and a.status == "pending"]
    if not pending:
        raise NotFound(f"lookout {lookout_id} has no pending {role} approval")
    ap = pending[0]
    if now < ap.requested_at:
        raise refuse(
            "SYS-SYSTEM-TIME",
            f"the approval would be dated {now.isoformat()}, before it was requested ({ap.requested_at.isoformat()}); "
            "an approval postdates the request it approves",
            "decide now, at the system's time",
        )
    ap.status = "approved" if approve else "rejected"
    ap.decided_by_id = actor.official_id
    ap.decided_by_user = username
    ap.decided_at = now
    ap.statement = text
    session.flush()
    complete = approvals_complete(session, lookout_id)
    if complete:
        supervisor = next(
            (a for a in approvals_of(session, lookout_id) if a.role == "supervisor" and a.status == "approved"), ap
        )
        lookout.approved_by_id = supervisor.decided_by_id
        lookout.approved_at = now
        lookout.approved_at_offset = 0
    outcome = ("approval_complete" if complete else "approved") if approve else "rejected"
    rules = ["LC-APPROVAL-REQUIRED", "LC-SEPARATION-OF-DUTIES", "LC-TRAINING"]
    if role == "counsel":
        rules.append("LC-SENSITIVE-COUNSEL")
    record_decision(
        session,
        policy,
        at=now,
        actor=username,
        action=f"approval.{role}",
        outcome=outcome,
        rules=rules,
        lookout_id=lookout_id,
        person_id=lookout.person_id,
        detail={"statement": text},
    )
    ledger.audit(session, username, f"lookout.approval.{ap.status}", "lookout", lookout_id, {"role": role})
    if complete and approve:
        message = f"All approvals of lookout {lookout_id} are complete; it can now refer."
    elif approve:
        message = f"The {role} approved lookout {lookout_id}; other approvals are still pending."
    else:
        message = f"The {role} refused lookout {lookout_id}: {text}. It refers nobody; modify or remove it."
    notify(
        session,
        users_of_official(session, lookout.owner_id),
        Notice(f"approval_{ap.status}", f"Lookout {lookout_id}: {role} {ap.status}", message, lookout_id),
        now,
    )
    return ap


def reopen_all(session: Session, lookout: Lookout, roles: list[str], at: datetime) -> None:
    """A modified lookout is a new request: earlier approvals are superseded and asked again.

    The approvers judged the basis they read; a changed basis has not been judged. Until the
    new approvals land the lookout refers nobody (the same rule as at placement).
    """
    for a in approvals_of(session, lookout.id):
        if a.status != "superseded":
            a.status = "superseded"
    for role in roles:
        session.add(LookoutApproval(id=new_id("ap"), lookout_id=lookout.id, role=role, requested_at=at))
    lookout.approved_by_id = None
    lookout.approved_at = None
    lookout.approved_at_offset = None
    session.flush()
