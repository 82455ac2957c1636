"""Disclosure pages for approvers (queue with the request attached) and the privacy office
(the disclosure log and the remediation worklist). Thin adapters over the same services as the
API and the CLI; a refusal is shown on the page with its rule, reason, remedy and citation.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import LedgerError, Refusal
from lookout_ledger.disclosures import drafts
from lookout_ledger.disclosures.common import perform
from lookout_ledger.disclosures.log import log_entries
from lookout_ledger.http.deps import Principal, ledger_of, requires
from lookout_ledger.oversight import remediation
from lookout_ledger.oversight.remediation import ACTION_TITLES
from lookout_ledger.web.disclosures.rendering import page as _page

router = APIRouter(include_in_schema=False)
APPROVER = requires(Role.SUPERVISOR, Role.COUNSEL)
PRIVACY = requires(Role.AUDITOR, Role.LIAISON_OFFICER, Role.SUPERVISOR, Role.COUNSEL)


@router.get("/disclosures/queue")
def queue_page(request: Request, p: Principal = Depends(APPROVER)) -> Response:
    with ledger_of(request).reading() as s:
        items = [(v.as_dict(), role) for v, role in drafts.approval_queue(s, p.username)]
    return _page(request, p, "disclosures/queue.html", {"title": "Disclosure approvals", "items": items})


@router.post("/disclosures/queue/{draft_id}")
def decide_page(
    request: Request,
    draft_id: str,
    role: str = Form(...),
    statement: str = Form(""),
    decision: str = Form("approve"),
    p: Principal = Depends(APPROVER),
) -> Response:
    ledger = ledger_of(request)
    try:
        perform(
            ledger,
            p.username,
            "approve",
            lambda s: drafts.decide(ledger, s, p.username, draft_id, role, decision == "approve", statement),
            target=draft_id,
        )
    except Refusal as exc:
        return _queue_error(request, p, {"refusal": exc.as_dict()})
    except LedgerError as exc:
        return _queue_error(request, p, {"error": str(exc)})
    return RedirectResponse("/disclosures/queue", status_code=303)


def _queue_error(request: Request, p: Principal, extra: dict[str, Any]) -> Response:
    with ledger_of(request).reading() as s:
        items = [(v.as_dict(), role) for v, role in drafts.approval_queue(s, p.username)]
    ctx = {"title": "Disclosure approvals", "items": items, **extra}
    return _page(request, p, "disclosures/queue.html", ctx, status=409 if "refusal" in extra else 400)


@router.get("/disclosures/log")
def log_page(request: Request, p: Principal = Depends(PRIVACY)) -> Response:
    with ledger_of(request).reading() as s:
        entries = log_entries(s)
    return _page(request, p, "disclosures/log.html", {"title": "Disclosure log", "entries": entries})


def _worklist_page(request: Request, p: Principal, extra: dict[str, Any], status: int = 200) -> Response:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        items = remediation.worklist(ledger, s)
    ctx = {
        "title": "Remediation of past disclosures",
        "items": [i.as_dict() for i in items],
        "progress": remediation.progress(items),
        "titles": ACTION_TITLES,
        "is_auditor": p.has_role(Role.AUDITOR),
        "done_for": None,
        "done_action": None,
        "letter": None,
        **extra,
    }
    return _page(request, p, "disclosures/remediation.html", ctx, status)


@router.get("/disclosures/remediation")
def remediation_page(request: Request, p: Principal = Depends(PRIVACY)) -> Response:
    return _worklist_page(request, p, {})


@router.post("/disclosures/remediation/{disclosure_id}")
def remediation_action(
    request: Request,
    disclosure_id: str,
    action: str = Form(...),
    what: str = Form(""),
    reason: str = Form(""),
    conclusion: str = Form(""),
    p: Principal = Depends(PRIVACY),
) -> Response:
    ledger = ledger_of(request)
    u = p.username

    def act(s: Any) -> str | None:
        if action == "retroactive_advisement":
            return remediation.send_retroactive_advisement(ledger, s, u, disclosure_id)
        if action == "rescission_letter":
            return remediation.rescind_deny_entry(ledger, s, u, disclosure_id)
        if action == "documented_record":
            remediation.document_record(ledger, s, u, disclosure_id, what, reason)
            return None
        if action == "reviewed":
            remediation.mark_reviewed(ledger, s, u, disclosure_id, conclusion)
            return None
        raise LedgerError(f"action: unknown remediation action {action!r}")

    try:
        letter = perform(ledger, u, "remediate", act, target=disclosure_id)
    except LedgerError as exc:
        return _worklist_page(request, p, {"error": str(exc)}, status=400)
    return _worklist_page(request, p, {"letter": letter, "done_for": disclosure_id, "done_action": action})
