"""Pages for the liaison officer: record a foreign request, draft a disclosure answering it, send it.

Thin adapters over the disclosure services, like the approvers' and privacy office's pages: a
refusal is shown with its rule, reason, remedy and citation and nothing is written (the service
rolls back; only the refusal is kept in the audit log). The passphrase of a sent package is
shown once, on the page that answers the send, and never with the package download: it must
travel to the recipient by another channel.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from lookout_ledger import runner
from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound, Refusal
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import parse_instant
from lookout_ledger.disclosures import drafts, requests, sending
from lookout_ledger.disclosures.common import perform
from lookout_ledger.disclosures.drafts import DRAFT_ACTIONS, DraftInput
from lookout_ledger.disclosures.requests import MAX_DOCUMENT_BYTES, RequestInput
from lookout_ledger.disclosures.workflow_models import DISCLOSABLE_FIELDS, SEND_CHANNELS, STATUTORY_PURPOSES
from lookout_ledger.http.deps import Principal, ledger_of, requires
from lookout_ledger.http.downloads import attachment
from lookout_ledger.org.models import Official
from lookout_ledger.web.disclosures.rendering import page

router = APIRouter(include_in_schema=False)
LIAISON = requires(Role.LIAISON_OFFICER)
PACKAGE_READERS = requires(*sending.PACKAGE_READERS)
T = TypeVar("T")


def _attempt(
    request: Request, p: Principal, action: str, fn: Callable[[Ledger, Session], T], target: str | None = None
) -> tuple[T | None, dict[str, Any]]:
    """Run a use case; on refusal or bad input return what the page shows instead."""
    ledger = ledger_of(request)
    try:
        return runner.act(perform, ledger, p.username, action, fn, mail="none", target=target), {}
    except Refusal as exc:
        return None, {"refusal": exc.as_dict()}
    except (AuthError, NotFound):
        raise  # the app answers 403 / 404 with its own page
    except LedgerError as exc:
        return None, {"error": str(exc)}


def _status(problem: dict[str, Any]) -> int:
    return 409 if "refusal" in problem else 400


# --- requests ------------------------------------------------------------------------------


def _requests_page(request: Request, p: Principal, extra: dict[str, Any], status: int = 200) -> Response:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        rows = [
            {
                "id": fr.id,
                "agency_id": fr.agency_id,
                "sender_name": fr.sender_name,
                "received_at": fr.received_at.isoformat()[:16],
                "asked": fr.asked,
                "written": fr.written,
                "exigency": fr.exigency,
                "written_due_at": fr.written_due_at.isoformat()[:16] if fr.written_due_at else None,
                "document_name": fr.document_name,
            }
            for fr in requests.list_requests(s)
        ]
        units = [(u.id, u.name) for u in requests.list_units(s)]
        agencies = [(a.id, a.name) for a in requests.list_agencies(s)]
        official = s.get(Official, p.official_id) if p.official_id else None
        my_unit = official.unit_id if official else None
    ctx = {
        "title": "Foreign requests",
        "rows": rows,
        "units": units,
        "agencies": agencies,
        "form": {"unit_id": my_unit, "kind": "written"},
        "today": ledger.now().date().isoformat(),
        **extra,
    }
    return page(request, p, "disclosures/requests.html", ctx, status)


@router.get("/disclosures/requests")
def requests_page(request: Request, p: Principal = Depends(LIAISON)) -> Response:
    return _requests_page(request, p, {})


@router.post("/disclosures/requests")
def record_request_page(
    request: Request,
    unit_id: str = Form(""),
    agency_id: str = Form(""),
    sender_name: str = Form(""),
    sent_on: str = Form(""),
    asked: str = Form(""),
    kind: str = Form("written"),
    exigency: str = Form(""),
    agreement_id: str = Form(""),
    document: UploadFile | None = File(None),
    p: Principal = Depends(LIAISON),
) -> Response:
    form = {
        "unit_id": unit_id,
        "agency_id": agency_id,
        "sender_name": sender_name,
        "sent_on": sent_on,
        "asked": asked,
        "kind": kind,
        "exigency": exigency,
        "agreement_id": agreement_id,
    }
    try:
        when = parse_instant(sent_on.strip())
    except ValueError as exc:
        return _requests_page(request, p, {"error": f"sent_on: {exc}", "form": form}, 400)
    data: bytes | None = None
    name: str | None = None
    if kind == "written":
        data = document.file.read(MAX_DOCUMENT_BYTES + 1) if document is not None else b""
        if not data:
            error = "document: a written request needs its document attached (or choose an exigent oral request)"
            return _requests_page(request, p, {"error": error, "form": form}, 400)
        name = document.filename if document is not None else None
    elif kind != "oral":
        return _requests_page(request, p, {"error": f"kind: expected written or oral, got {kind!r}", "form": form}, 400)
    inp = RequestInput(
        unit_id=unit_id,
        agency_id=agency_id,
        sender_name=sender_name,
        sent_on=when,
        asked=asked,
        document=data,
        document_name=name,
        exigency=exigency if kind == "oral" else None,
        agreement_id=agreement_id.strip() or None,
    )
    fr, problem = _attempt(request, p, "request", lambda ledger, s: requests.record_request(ledger, s, p.username, inp))
    if fr is None:
        return _requests_page(request, p, {**problem, "form": form}, _status(problem))
    return RedirectResponse(f"/disclosures/drafts/new?request={fr.id}", status_code=303)


# --- drafts --------------------------------------------------------------------------------


def _draft_form_page(
    request: Request, p: Principal, request_id: str, form: dict[str, Any], extra: dict[str, Any], status: int = 200
) -> Response:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        fr = requests.get_request(s, request_id)
        req: dict[str, Any] = {"id": fr.id, "agency_id": fr.agency_id, "sender_name": fr.sender_name, "asked": fr.asked}
        req["written"] = fr.written
    ctx = {
        "title": "Draft a disclosure",
        "req": req,
        "form": form,
        "fields": DISCLOSABLE_FIELDS,
        "purposes": STATUTORY_PURPOSES,
        "actions": DRAFT_ACTIONS,
        "conditions": ledger.policy.param("deny_entry_conditions", []),
        **extra,
    }
    return page(request, p, "disclosures/draft_new.html", ctx, status)


@router.get("/disclosures/drafts/new")
def new_draft_page(request: Request, p: Principal = Depends(LIAISON)) -> Response:
    request_id = request.query_params.get("request", "")
    if not request_id:
        return RedirectResponse("/disclosures/requests", status_code=303)
    return _draft_form_page(request, p, request_id, {"fields": [], "requested_action": "information_request"}, {})


@router.post("/disclosures/drafts")
def create_draft_page(
    request: Request,
    request_id: str = Form(...),
    person_ids: str = Form(""),
    fields: list[str] = Form([]),
    purpose: str = Form(""),
    law_enforcement_reason: str = Form(""),
    requested_action: str = Form("information_request"),
    recipient_official: str = Form(""),
    deny_entry_condition: str = Form(""),
    deny_entry_reference: str = Form(""),
    determined_by: str = Form(""),
    p: Principal = Depends(LIAISON),
) -> Response:
    form = {
        "person_ids": person_ids,
        "fields": fields,
        "purpose": purpose,
        "law_enforcement_reason": law_enforcement_reason,
        "requested_action": requested_action,
        "recipient_official": recipient_official,
        "deny_entry_condition": deny_entry_condition,
        "deny_entry_reference": deny_entry_reference,
        "determined_by": determined_by,
    }
    inp = DraftInput(
        request_id=request_id,
        person_ids=[x for x in re.split(r"[\s,;]+", person_ids) if x],
        fields=fields,
        purpose=purpose,
        law_enforcement_reason=law_enforcement_reason,
        requested_action=requested_action,
        recipient_official=recipient_official,
        deny_entry_condition=deny_entry_condition or None,
        deny_entry_reference=deny_entry_reference or None,
        determined_by=determined_by or None,
    )
    v, problem = _attempt(request, p, "draft", lambda ledger, s: drafts.create_draft(ledger, s, p.username, inp))
    if v is None:
        return _draft_form_page(request, p, request_id, form, problem, _status(problem))
    return RedirectResponse(f"/disclosures/drafts/{v.draft.id}", status_code=303)


@router.get("/disclosures/drafts")
def drafts_page(request: Request, p: Principal = Depends(LIAISON)) -> Response:
    with ledger_of(request).reading() as s:
        items = [v.as_dict() for v in drafts.list_drafts(s)]
    return page(request, p, "disclosures/drafts.html", {"title": "Disclosure drafts", "items": items})


def _draft_page(request: Request, p: Principal, draft_id: str, extra: dict[str, Any], status: int = 200) -> Response:
    with ledger_of(request).reading() as s:
        d = drafts.view(s, draft_id).as_dict()
        addresses = requests.registered_addresses(s, str(d["agency_id"]))
    ctx = {
        "title": f"Disclosure draft {draft_id}",
        "d": d,
        "addresses": addresses,
        "channels": SEND_CHANNELS,
        "purposes": STATUTORY_PURPOSES,
        "form": {"channel": "official_email"},
        **extra,
    }
    return page(request, p, "disclosures/draft.html", ctx, status)


@router.get("/disclosures/drafts/{draft_id}")
def draft_page(request: Request, draft_id: str, p: Principal = Depends(LIAISON)) -> Response:
    return _draft_page(request, p, draft_id, {})


@router.post("/disclosures/drafts/{draft_id}/send")
def send_page(
    request: Request,
    draft_id: str,
    channel: str = Form(""),
    address: str = Form(""),
    note: str = Form(""),
    advisement_given: str = Form(""),
    p: Principal = Depends(LIAISON),
) -> Response:
    form = {"channel": channel, "address": address, "note": note, "advisement_given": bool(advisement_given)}
    r, problem = _attempt(
        request,
        p,
        "send",
        lambda ledger, s: sending.send(
            ledger, s, p.username, draft_id, channel, address or None, note or None, bool(advisement_given)
        ),
        target=draft_id,
    )
    if r is None:
        return _draft_page(request, p, draft_id, {**problem, "form": form}, _status(problem))
    ctx = {
        "title": f"Disclosure {r.disclosure_id} sent",
        "r": {
            "draft_id": r.draft_id,
            "disclosure_id": r.disclosure_id,
            "channel": r.channel,
            "content_digest": r.content_digest,
            "filename": r.filename,
            "address": address,
        },
        "passphrase": r.passphrase,
    }
    return page(request, p, "disclosures/sent.html", ctx)


@router.get("/disclosures/drafts/{draft_id}/package")
def package_download(request: Request, draft_id: str, p: Principal = Depends(PACKAGE_READERS)) -> Response:
    ledger = ledger_of(request)
    name, pdf = perform(
        ledger, p.username, "package", lambda s: sending.stored_package(ledger, s, p.username, draft_id)
    )
    return attachment(pdf, name, "application/pdf")


def _withdraw(ledger: Ledger, s: Session, username: str, draft_id: str, reason: str) -> bool:
    drafts.withdraw(ledger, s, username, draft_id, reason)
    return True


@router.post("/disclosures/drafts/{draft_id}/withdraw")
def withdraw_page(request: Request, draft_id: str, reason: str = Form(""), p: Principal = Depends(LIAISON)) -> Response:
    done, problem = _attempt(
        request,
        p,
        "withdraw",
        lambda ledger, s: _withdraw(ledger, s, p.username, draft_id, reason),
        target=draft_id,
    )
    if done is None:
        return _draft_page(request, p, draft_id, problem, _status(problem))
    return RedirectResponse(f"/disclosures/drafts/{draft_id}", status_code=303)
