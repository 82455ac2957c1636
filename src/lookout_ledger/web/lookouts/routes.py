"""Lifecycle pages: thin adapters over the same services as the API and the CLI.

Forms post back here; a refusal is shown on the page with its rule, reason, remedy and
citation (the words the policy states), and the draft is kept so the official can fix it.
The placement form shows the policy's feedback (`preview`) before anything is submitted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lookout_ledger import runner
from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound, Refusal
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339, parse_instant
from lookout_ledger.http.deps import Principal, current_principal, ledger_of, requires
from lookout_ledger.lookouts import approvals, reviews, transfers
from lookout_ledger.lookouts import common as who
from lookout_ledger.lookouts.common import perform
from lookout_ledger.lookouts.listing import lookout_summary, my_lookouts
from lookout_ledger.lookouts.placement import LookoutDraft, adopt_lookout, place_lookout, preview
from lookout_ledger.lookouts.state import referral_state
from lookout_ledger.lookouts.timeline import timeline
from lookout_ledger.lookouts.training import acknowledge, has_acknowledged
from lookout_ledger.notifications import service as inbox_service
from lookout_ledger.web.render import capability_templates, principal_context, when

router = APIRouter(include_in_schema=False)
OWNER = requires(*who.OWNER)
APPROVER = requires(*who.APPROVERS)
OWNER_OR_SUPERVISOR = requires(*who.OWNER_OR_SUPERVISOR)
TRAINED_ROLES = requires(*who.TRAINED)
SUPERVISOR = requires(*who.SUPERVISOR)
T = TypeVar("T")
_tpl = capability_templates(Path(__file__).parent / "templates")


def _page(request: Request, p: Principal, template: str, ctx: dict[str, Any], status: int = 200) -> Response:
    base = {
        **principal_context(p),
        "roles_all": [r.value for r in Role],
        "title": "",
        "refusal": None,
        "error": None,
        "ts": lambda d: when(format_rfc3339(d)) if d else "",
        "day": lambda d: format_rfc3339(d)[:10] if d else "",
        "is_owner": p.has_role(Role.LOOKOUT_OWNER),
        "is_approver": p.has_role(Role.SUPERVISOR, Role.COUNSEL),
    }
    return _tpl().TemplateResponse(request, template, {**base, **ctx}, status_code=status)


def _act(request: Request, p: Principal, action: str, fn: Callable[[Ledger, Session], T], **where: str | None) -> T:
    return runner.act(perform, ledger_of(request), p.username, action, fn, mail="quiet", **where)


def _back(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _status_of(exc: LedgerError) -> int:
    """A refusal is a conflict with the policy (409); acting for someone else is forbidden (403)."""
    if isinstance(exc, Refusal):
        return 409
    if isinstance(exc, AuthError):
        return 403
    if isinstance(exc, NotFound):
        return 404
    return 400


def _problem(exc: LedgerError) -> dict[str, Any]:
    return {"refusal": exc} if isinstance(exc, Refusal) else {"error": str(exc)}


def _mine_context(request: Request, p: Principal) -> dict[str, Any]:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        linked = p.official_id is not None
        return {
            "title": "My lookouts",
            "rows": my_lookouts(ledger, s, p.username) if linked and p.has_role(Role.LOOKOUT_OWNER) else [],
            "notices": inbox_service.inbox(s, p.username, limit=20),
            "trained": has_acknowledged(s, p.username, ledger),
            "policy": ledger.policy,
            "pending_transfers": transfers.inbox(s, p.username) if linked else [],
            "queue": approvals.queue(s, p.username) if linked else [],
            "linked": linked,
        }


@router.get("/lookouts")
def my_page(request: Request, p: Principal = Depends(current_principal)) -> Response:
    return _page(request, p, "lookouts/mine.html", _mine_context(request, p))


@router.post("/lookouts/acknowledge")
def acknowledge_policy(request: Request, p: Principal = Depends(TRAINED_ROLES)) -> Response:
    try:
        _act(request, p, "policy.acknowledge", lambda ledger, s: acknowledge(ledger, s, p.username))
    except LedgerError as exc:
        return _page(request, p, "lookouts/mine.html", {**_mine_context(request, p), **_problem(exc)}, _status_of(exc))
    return _back("/lookouts")


def _draft(form: dict[str, str]) -> LookoutDraft:
    expires_text = form.get("expires_at", "").strip()
    try:
        expires = parse_instant(expires_text) if expires_text else None
    except ValueError as exc:
        raise LedgerError(f"expires_at: {exc}") from None
    return LookoutDraft(
        person_id=form.get("person_id", "").strip(),
        status_code=form.get("status_code", "suspect"),
        suspected_activity=form.get("suspected_activity"),
        basis=form.get("basis"),
        information_sought=[t for t in form.get("information_sought", "").splitlines() if t.strip()],
        action=form.get("action", "refer_secondary"),
        expires_at=expires,
        nexus=form.get("nexus") or None,
    )


@router.get("/lookouts/new")
def new_page(request: Request, p: Principal = Depends(OWNER)) -> Response:
    return _page(
        request,
        p,
        "lookouts/new.html",
        {"title": "Place a lookout", "form": {}, "feedback": None, "policy": ledger_of(request).policy},
    )


@router.post("/lookouts/new")
async def new_submit(request: Request, p: Principal = Depends(OWNER)) -> Response:
    raw = await request.form()
    return await run_in_threadpool(_new_submit, request, p, raw)


def _new_submit(request: Request, p: Principal, raw: Any) -> Response:
    """Check shows the policy's feedback and writes nothing; Place places, or shows the refusal.
    Run off the event loop: a write that waits for the database must not stop every other request."""
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    ledger = ledger_of(request)
    ctx: dict[str, Any] = {"title": "Place a lookout", "form": form, "feedback": None, "policy": ledger.policy}
    try:
        draft = _draft(form)
        with ledger.reading() as s:
            ctx["feedback"] = preview(ledger, s, draft)
        if form.get("intent") != "place":
            return _page(request, p, "lookouts/new.html", ctx)
        lookout = _act(
            request, p, "place", lambda lg, s: place_lookout(lg, s, p.username, draft), person_id=draft.person_id
        )
    except LedgerError as exc:
        return _page(request, p, "lookouts/new.html", {**ctx, **_problem(exc)}, status=_status_of(exc))
    return _back(f"/lookouts/{lookout.id}")


@router.get("/lookouts/approvals")
def approvals_page(request: Request, p: Principal = Depends(APPROVER)) -> Response:
    with ledger_of(request).reading() as s:
        items = approvals.queue(s, p.username) if p.official_id else []
    return _page(request, p, "lookouts/approvals.html", {"title": "Approvals", "items": items})


def _transfers_page(request: Request, p: Principal, status: int = 200, **extra: Any) -> Response:
    with ledger_of(request).reading() as s:
        items = transfers.inbox(s, p.username) if p.official_id else []
    return _page(request, p, "lookouts/transfers.html", {"title": "Transfer inbox", "items": items, **extra}, status)


@router.get("/lookouts/transfers")
def transfers_page(request: Request, p: Principal = Depends(current_principal)) -> Response:
    return _transfers_page(request, p)


@router.post("/lookouts/transfers/{transfer_id}/accept")
def accept(transfer_id: str, request: Request, p: Principal = Depends(OWNER)) -> Response:
    try:
        tr = _act(
            request,
            p,
            "transfer.accept",
            lambda ledger, s: transfers.accept_transfer(ledger, s, p.username, transfer_id),
        )
    except LedgerError as exc:
        return _transfers_page(request, p, _status_of(exc), **_problem(exc))
    return _back(f"/lookouts/{tr.lookout_id}")


def _detail(request: Request, p: Principal, lookout_id: str, status: int = 200, **extra: Any) -> Response:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        summary = lookout_summary(s, lookout_id)
        state = referral_state(s, lookout_id, ledger.now(), ledger.policy)
        entries = timeline(s, lookout_id)
        aps = approvals.approvals_of(s, lookout_id)
        open_reviews = reviews.open_reviews(s, lookout_id)
        renewals = reviews.open_reviews(s, lookout_id, "renewal")
    involved = p.official_id in (summary.owner_id, summary.created_by_id)
    return _page(
        request,
        p,
        "lookouts/detail.html",
        {
            "title": f"Lookout {lookout_id}",
            "lookout_id": lookout_id,
            "lk": summary,
            "state": state,
            "entries": entries,
            "approvals": aps,
            "open_reviews": open_reviews,
            "owns": p.official_id == summary.owner_id,
            "imported": any(b.rule == "LC-ADOPTION" for b in state.reasons),
            "renewal": renewals[-1] if renewals else None,
            "may_decide_renewal": bool(renewals) and p.has_role(Role.SUPERVISOR) and not involved,
            "may_decide": {
                a.role
                for a in aps
                if a.status == "pending" and p.has_role(approvals.ROLE_OF_APPROVAL[a.role]) and not involved
            },
            **extra,
        },
        status=status,
    )


@router.get("/lookouts/{lookout_id}")
def detail(lookout_id: str, request: Request, p: Principal = Depends(current_principal)) -> Response:
    return _detail(request, p, lookout_id)


def _post(
    request: Request, p: Principal, lookout_id: str, action: str, fn: Callable[[Ledger, Session], Any]
) -> Response:
    try:
        _act(request, p, action, fn, lookout_id=lookout_id)
    except LedgerError as exc:
        return _detail(request, p, lookout_id, _status_of(exc), **_problem(exc))
    return _back(f"/lookouts/{lookout_id}")


@router.post("/lookouts/{lookout_id}/approve")
def approve(
    lookout_id: str,
    request: Request,
    role: str = Form(...),
    statement: str = Form(""),
    decision: str = Form("approve"),
    p: Principal = Depends(APPROVER),
) -> Response:
    return _post(
        request,
        p,
        lookout_id,
        f"approval.{role}",
        lambda ledger, s: approvals.decide(ledger, s, p.username, lookout_id, role, decision == "approve", statement),
    )


@router.post("/lookouts/{lookout_id}/keep")
def keep(
    lookout_id: str,
    request: Request,
    reason: str = Form(""),
    still_sought: str = Form(""),
    p: Principal = Depends(OWNER),
) -> Response:
    topics = [t for t in still_sought.splitlines() if t.strip()]
    return _post(
        request,
        p,
        lookout_id,
        "review.keep",
        lambda ledger, s: reviews.keep(ledger, s, p.username, lookout_id, reason, topics),
    )


@router.post("/lookouts/{lookout_id}/remove")
def remove(
    lookout_id: str, request: Request, reason: str = Form(""), p: Principal = Depends(OWNER_OR_SUPERVISOR)
) -> Response:
    return _post(
        request, p, lookout_id, "remove", lambda ledger, s: reviews.remove(ledger, s, p.username, lookout_id, reason)
    )


@router.post("/lookouts/{lookout_id}/transfer")
def transfer(
    lookout_id: str,
    request: Request,
    to_owner_id: str = Form(""),
    instructions: str = Form(""),
    p: Principal = Depends(OWNER_OR_SUPERVISOR),
) -> Response:
    return _post(
        request,
        p,
        lookout_id,
        "transfer.request",
        lambda ledger, s: transfers.request_transfer(
            ledger, s, p.username, lookout_id, to_owner_id.strip(), instructions
        ),
    )


@router.post("/lookouts/{lookout_id}/renewal")
def renewal(
    lookout_id: str,
    request: Request,
    statement: str = Form(""),
    decision: str = Form("approve"),
    p: Principal = Depends(SUPERVISOR),
) -> Response:
    return _post(
        request,
        p,
        lookout_id,
        "renewal.decide",
        lambda ledger, s: reviews.decide_renewal(ledger, s, p.username, lookout_id, decision == "approve", statement),
    )


@router.post("/lookouts/{lookout_id}/adopt")
def adopt(
    lookout_id: str,
    request: Request,
    expires_at: str = Form(""),
    nexus: str = Form(""),
    information_sought: str = Form(""),
    p: Principal = Depends(OWNER),
) -> Response:
    topics = [t for t in information_sought.splitlines() if t.strip()] or None

    def use_case(ledger: Ledger, s: Session) -> Any:
        try:
            expires = parse_instant(expires_at.strip())
        except ValueError as exc:
            raise LedgerError(f"expires_at: {exc}") from None
        return adopt_lookout(
            ledger, s, p.username, lookout_id, expires_at=expires, nexus=nexus or None, information_sought=topics
        )

    return _post(request, p, lookout_id, "adopt", use_case)


@router.post("/lookouts/{lookout_id}/renew")
def renew(
    lookout_id: str,
    request: Request,
    reassessment: str = Form(""),
    expires_at: str = Form(""),
    p: Principal = Depends(OWNER),
) -> Response:
    def use_case(ledger: Ledger, s: Session) -> Any:
        try:
            expires = parse_instant(expires_at.strip())
        except ValueError as exc:
            raise LedgerError(f"expires_at: {exc}") from None
        return reviews.renew(ledger, s, p.username, lookout_id, reassessment, expires)

    return _post(request, p, lookout_id, "renew", use_case)
