"""The lifecycle's JSON API: the same services as the CLI and the pages, for scripts and tools.

Every route acts as the signed-in user (who acts as an official). A refused action answers
409 with the refusal as data (`rule`, `reason`, `remedy`, `citation`), so a client can show
the same words the policy states; the refusal is also recorded as a decision. `install(app)`
mounts the routes and the scheduled sweep, so the web application needs one line for both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger import runner
from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339, parse_instant
from lookout_ledger.http.deps import Principal, current_principal, ledger_of, requires
from lookout_ledger.jobs import run_sweep as sweep
from lookout_ledger.lookouts import approvals, reviews, transfers
from lookout_ledger.lookouts import common as who
from lookout_ledger.lookouts.common import perform
from lookout_ledger.lookouts.lifecycle_models import LookoutDecision
from lookout_ledger.lookouts.listing import my_lookouts
from lookout_ledger.lookouts.placement import LookoutDraft, adopt_lookout, place_lookout, preview
from lookout_ledger.lookouts.state import referral_state, referring_lookouts
from lookout_ledger.lookouts.timeline import timeline
from lookout_ledger.lookouts.training import acknowledge, has_acknowledged
from lookout_ledger.notifications import service as inbox_service
from lookout_ledger.notifications.mailer import deliver_pending

router = APIRouter(prefix="/api", tags=["lookout lifecycle"])
OWNER = requires(*who.OWNER)
OWNER_OR_SUPERVISOR = requires(*who.OWNER_OR_SUPERVISOR)
APPROVERS = requires(*who.APPROVERS)
SUPERVISOR = requires(*who.SUPERVISOR)
TRAINED = requires(*who.TRAINED)
MOVERS = requires(*who.MOVERS)
log = logging.getLogger(__name__)
T = TypeVar("T")


def _do(request: Request, p: Principal, action: str, fn: Callable[[Ledger, Session], T], **where: str | None) -> T:
    return runner.act(perform, ledger_of(request), p.username, action, fn, mail="log", **where)


def _when(value: str, field: str) -> datetime:
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise LedgerError(f"{field}: {exc}") from None


def _lookout_view(ledger: Ledger, s: Session, lookout_id: str) -> dict[str, Any]:
    st = referral_state(s, lookout_id, ledger.now(), ledger.policy)
    decisions = s.execute(
        select(LookoutDecision).where(LookoutDecision.lookout_id == lookout_id).order_by(LookoutDecision.at)
    ).scalars()
    return {
        "id": lookout_id,
        "state": st.as_dict(),
        "approvals": [
            {"role": a.role, "status": a.status, "by": a.decided_by_id, "statement": a.statement}
            for a in approvals.approvals_of(s, lookout_id)
        ],
        "timeline": [e.as_dict() for e in timeline(s, lookout_id)],
        "decisions": [
            {
                "at": format_rfc3339(d.at),
                "actor": d.actor,
                "action": d.action,
                "outcome": d.outcome,
                "policy": {"name": d.policy_name, "version": d.policy_version},
                "rules": orjson.loads(d.rules),
            }
            for d in decisions
        ],
    }


class DraftIn(BaseModel):
    person_id: str
    status_code: str = Field(description="suspect or non_suspect")
    suspected_activity: str | None = None
    basis: str | None = None
    information_sought: list[str] = Field(default_factory=list)
    action: str = "refer_secondary"
    expires_at: str = Field(description="RFC 3339 or YYYY-MM-DD, within the policy's maximum lifetime")
    nexus: str | None = None

    def draft(self) -> LookoutDraft:
        return LookoutDraft(
            self.person_id,
            self.status_code,
            self.suspected_activity,
            self.basis,
            self.information_sought,
            self.action,
            _when(self.expires_at, "expires_at"),
            self.nexus,
        )


class ApprovalIn(BaseModel):
    role: str = "supervisor"
    approve: bool = True
    statement: str


class ReasonIn(BaseModel):
    reason: str


class KeepIn(BaseModel):
    reason: str
    still_sought: list[str]


class ModifyIn(BaseModel):
    reason: str
    suspected_activity: str | None = None
    basis: str | None = None
    information_sought: list[str] | None = None
    status_code: str | None = None
    action: str | None = None
    nexus: str | None = None


class RenewIn(BaseModel):
    reassessment: str
    expires_at: str


class AdoptIn(BaseModel):
    expires_at: str
    nexus: str | None = None
    information_sought: list[str] | None = Field(None, description="Replaces the imported topics when given")


class TransferIn(BaseModel):
    to_owner_id: str
    instructions: str


class LeaveUnitIn(BaseModel):
    new_unit_id: str


@router.get("/policy", summary="The active policy: rules, statements, citations, parameters")
def api_policy(request: Request, p: Principal = Depends(current_principal)) -> dict[str, Any]:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        acknowledged = has_acknowledged(s, p.username, ledger)
    return {**ledger.policy.as_dict(), "acknowledged_by_you": acknowledged}


@router.post("/policy/acknowledge", summary="Attest training on the active policy version")
def api_acknowledge(request: Request, p: Principal = Depends(TRAINED)) -> dict[str, Any]:
    ack = _do(request, p, "policy.acknowledge", lambda ledger, s: acknowledge(ledger, s, p.username))
    return {"username": ack.username, "policy": ack.policy_name, "version": ack.policy_version}


@router.post("/lookouts/preview", summary="The policy's feedback on a draft, before submitting")
def api_preview(body: DraftIn, request: Request, p: Principal = Depends(OWNER)) -> dict[str, Any]:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        return preview(ledger, s, body.draft()).as_dict()


@router.post("/lookouts", status_code=201, summary="Place a lookout (refers nobody until approved)")
def api_place(body: DraftIn, request: Request, p: Principal = Depends(requires(Role.LOOKOUT_OWNER))) -> dict[str, Any]:
    draft = body.draft()
    lk = _do(
        request, p, "place", lambda ledger, s: place_lookout(ledger, s, p.username, draft), person_id=body.person_id
    )
    ledger = ledger_of(request)
    with ledger.reading() as s:
        return _lookout_view(ledger, s, lk.id)


@router.post("/lookouts/{lookout_id}/adopt", summary="Adopt an imported lookout under the current policy")
def api_adopt(
    lookout_id: str, body: AdoptIn, request: Request, p: Principal = Depends(requires(Role.LOOKOUT_OWNER))
) -> dict[str, Any]:
    expires = _when(body.expires_at, "expires_at")
    _do(
        request,
        p,
        "adopt",
        lambda ledger, s: adopt_lookout(
            ledger,
            s,
            p.username,
            lookout_id,
            expires_at=expires,
            nexus=body.nexus,
            information_sought=body.information_sought,
        ),
        lookout_id=lookout_id,
    )
    ledger = ledger_of(request)
    with ledger.reading() as s:
        return _lookout_view(ledger, s, lookout_id)


@router.get("/lookouts/mine", summary="Your lookouts, whether each refers, and the reviews you owe")
def api_mine(request: Request, p: Principal = Depends(current_principal)) -> dict[str, Any]:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        return {"lookouts": [o.as_dict() for o in my_lookouts(ledger, s, p.username)]}


@router.get("/lookouts/referring", summary="Every lookout that refers now (set-based; for screening)")
def api_referring(
    request: Request, p: Principal = Depends(requires(Role.PORT_OFFICER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN))
) -> dict[str, Any]:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        rows = s.execute(referring_lookouts(ledger.now(), ledger.policy)).all()
    return {"at": format_rfc3339(ledger.now()), "lookouts": [{"id": r[0], "person_id": r[1]} for r in rows]}


@router.get("/lookouts/{lookout_id}", summary="A lookout's referral state, approvals, timeline and decisions")
def api_lookout(lookout_id: str, request: Request, p: Principal = Depends(current_principal)) -> dict[str, Any]:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        return _lookout_view(ledger, s, lookout_id)


@router.get("/approvals", summary="Approvals waiting for you (supervisor: your unit; counsel: sensitive)")
def api_queue(request: Request, p: Principal = Depends(requires(Role.SUPERVISOR, Role.COUNSEL))) -> dict[str, Any]:
    with ledger_of(request).reading() as s:
        items = approvals.queue(s, p.username)
    return {
        "approvals": [
            {
                "lookout_id": q.lookout_id,
                "role": q.role,
                "requested_at": format_rfc3339(q.requested_at),
                "owner_id": q.owner_id,
                "status_code": q.status_code,
            }
            for q in items
        ]
    }


@router.post("/lookouts/{lookout_id}/approvals", summary="Approve or refuse, in writing")
def api_approve(
    lookout_id: str, body: ApprovalIn, request: Request, p: Principal = Depends(APPROVERS)
) -> dict[str, Any]:
    ap = _do(
        request,
        p,
        f"approval.{body.role}",
        lambda ledger, s: approvals.decide(ledger, s, p.username, lookout_id, body.role, body.approve, body.statement),
        lookout_id=lookout_id,
    )
    return {"lookout_id": lookout_id, "role": ap.role, "status": ap.status}


def _event(ev: Any) -> dict[str, Any]:
    return {"id": ev.id, "kind": ev.kind, "at": format_rfc3339(ev.at), "reason": ev.reason}


@router.post(
    "/lookouts/{lookout_id}/keep", summary="After an inspection: keep, with a new reason and what is still sought"
)
def api_keep(lookout_id: str, body: KeepIn, request: Request, p: Principal = Depends(OWNER)) -> dict[str, Any]:
    return _event(
        _do(
            request,
            p,
            "review.keep",
            lambda ledger, s: reviews.keep(ledger, s, p.username, lookout_id, body.reason, body.still_sought),
            lookout_id=lookout_id,
        )
    )


@router.post("/lookouts/{lookout_id}/modify", summary="Change what it says; approved again")
def api_modify(lookout_id: str, body: ModifyIn, request: Request, p: Principal = Depends(OWNER)) -> dict[str, Any]:
    return _event(
        _do(
            request,
            p,
            "modify",
            lambda ledger, s: reviews.modify(
                ledger,
                s,
                p.username,
                lookout_id,
                body.reason,
                suspected_activity=body.suspected_activity,
                basis=body.basis,
                information_sought=body.information_sought,
                status_code=body.status_code,
                action=body.action,
                nexus=body.nexus,
            ),
            lookout_id=lookout_id,
        )
    )


@router.post("/lookouts/{lookout_id}/remove", summary="Remove")
def api_remove(
    lookout_id: str, body: ReasonIn, request: Request, p: Principal = Depends(OWNER_OR_SUPERVISOR)
) -> dict[str, Any]:
    return _event(
        _do(
            request,
            p,
            "remove",
            lambda ledger, s: reviews.remove(ledger, s, p.username, lookout_id, body.reason),
            lookout_id=lookout_id,
        )
    )


@router.post("/lookouts/{lookout_id}/disable", summary="Disable referral")
def api_disable(
    lookout_id: str, body: ReasonIn, request: Request, p: Principal = Depends(OWNER_OR_SUPERVISOR)
) -> dict[str, Any]:
    return _event(
        _do(
            request,
            p,
            "disable",
            lambda ledger, s: reviews.disable_referral(ledger, s, p.username, lookout_id, body.reason),
            lookout_id=lookout_id,
        )
    )


@router.post("/lookouts/{lookout_id}/enable", summary="Re-enable referral")
def api_enable(lookout_id: str, body: ReasonIn, request: Request, p: Principal = Depends(OWNER)) -> dict[str, Any]:
    return _event(
        _do(
            request,
            p,
            "enable",
            lambda ledger, s: reviews.enable_referral(ledger, s, p.username, lookout_id, body.reason),
            lookout_id=lookout_id,
        )
    )


@router.post(
    "/lookouts/{lookout_id}/renew",
    summary="The owner's reassessment and renewal request (a supervisor decides the renewal)",
)
def api_renew(lookout_id: str, body: RenewIn, request: Request, p: Principal = Depends(OWNER)) -> dict[str, Any]:
    expires = _when(body.expires_at, "expires_at")
    return _event(
        _do(
            request,
            p,
            "renew",
            lambda ledger, s: reviews.renew(ledger, s, p.username, lookout_id, body.reassessment, expires),
            lookout_id=lookout_id,
        )
    )


class RenewalDecisionIn(BaseModel):
    approve: bool = True
    statement: str


@router.post("/lookouts/{lookout_id}/renewal", summary="A supervisor approves or refuses the owner's renewal")
def api_renewal(
    lookout_id: str, body: RenewalDecisionIn, request: Request, p: Principal = Depends(requires(Role.SUPERVISOR))
) -> dict[str, Any]:
    rv = _do(
        request,
        p,
        "renewal.decide",
        lambda ledger, s: reviews.decide_renewal(ledger, s, p.username, lookout_id, body.approve, body.statement),
        lookout_id=lookout_id,
    )
    return {"review_id": rv.id, "decision": rv.decision, "lookout_id": lookout_id}


@router.post("/lookouts/{lookout_id}/clear-referral-limit", summary="Supervisor review of repeated referrals")
def api_clear(
    lookout_id: str, body: ReasonIn, request: Request, p: Principal = Depends(requires(Role.SUPERVISOR))
) -> dict[str, Any]:
    rv = _do(
        request,
        p,
        "referral_limit.clear",
        lambda ledger, s: reviews.clear_referral_limit(ledger, s, p.username, lookout_id, body.reason),
        lookout_id=lookout_id,
    )
    return {"review_id": rv.id, "decision": rv.decision}


def _transfer(t: Any) -> dict[str, Any]:
    return {
        "id": t.id,
        "lookout_id": t.lookout_id,
        "from_owner_id": t.from_owner_id,
        "to_owner_id": t.to_owner_id,
        "status": t.status,
        "requested_at": format_rfc3339(t.requested_at),
        "instructions": t.instructions,
        "escalated": t.escalated_at is not None,
    }


@router.post("/lookouts/{lookout_id}/transfers", status_code=201, summary="Ask another official to take it over")
def api_transfer(
    lookout_id: str, body: TransferIn, request: Request, p: Principal = Depends(OWNER_OR_SUPERVISOR)
) -> dict[str, Any]:
    return _transfer(
        _do(
            request,
            p,
            "transfer.request",
            lambda ledger, s: transfers.request_transfer(
                ledger, s, p.username, lookout_id, body.to_owner_id, body.instructions
            ),
            lookout_id=lookout_id,
        )
    )


@router.get("/transfers", summary="Transfers waiting for your acceptance")
def api_transfers(request: Request, p: Principal = Depends(current_principal)) -> dict[str, Any]:
    with ledger_of(request).reading() as s:
        return {"transfers": [_transfer(t) for t in transfers.inbox(s, p.username)]}


@router.post("/transfers/{transfer_id}/accept", summary="Accept: you become the owner, with its instructions")
def api_accept(transfer_id: str, request: Request, p: Principal = Depends(OWNER)) -> dict[str, Any]:
    return _transfer(
        _do(
            request,
            p,
            "transfer.accept",
            lambda ledger, s: transfers.accept_transfer(ledger, s, p.username, transfer_id),
        )
    )


@router.post("/transfers/{transfer_id}/cancel", summary="Cancel, or decline as the proposed owner")
def api_cancel(
    transfer_id: str, body: ReasonIn, request: Request, p: Principal = Depends(OWNER_OR_SUPERVISOR)
) -> dict[str, Any]:
    return _transfer(
        _do(
            request,
            p,
            "transfer.cancel",
            lambda ledger, s: transfers.cancel_transfer(ledger, s, p.username, transfer_id, body.reason),
        )
    )


@router.post(
    "/officials/{official_id}/leave-unit",
    summary="End of a detail: refused while the official owns lookouts not removed or handed over",
)
def api_leave_unit(
    official_id: str, body: LeaveUnitIn, request: Request, p: Principal = Depends(MOVERS)
) -> dict[str, Any]:
    official = _do(
        request,
        p,
        "official.leave_unit",
        lambda ledger, s: transfers.leave_unit(ledger, s, p.username, official_id, body.new_unit_id),
    )
    return {"official_id": official.id, "unit_id": official.unit_id}


@router.get("/inbox", summary="Your notices, newest first")
def api_inbox(request: Request, p: Principal = Depends(current_principal)) -> dict[str, Any]:
    with ledger_of(request).reading() as s:
        rows = inbox_service.inbox(s, p.username)
        unread = inbox_service.unread_count(s, p.username)
    return {
        "unread": unread,
        "notices": [
            {
                "id": n.id,
                "at": format_rfc3339(n.at),
                "kind": n.kind,
                "subject": n.subject,
                "body": n.body,
                "lookout_id": n.lookout_id,
                "read": n.read_at is not None,
                "email": n.email_state,
            }
            for n in rows
        ],
    }


@router.post("/sweep", summary="Run the time-based controls now (also run on a schedule)")
def api_sweep(request: Request, p: Principal = Depends(requires(Role.SUPERVISOR, Role.ADMIN))) -> dict[str, Any]:
    ledger = ledger_of(request)
    with ledger.transaction() as s:
        report = sweep(ledger, s)
    deliver_pending(ledger)
    return report.as_dict()
