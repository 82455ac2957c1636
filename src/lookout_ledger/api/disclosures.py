"""The disclosures JSON API: the same services as the CLI, for the liaison officer, approvers
and the privacy office. A refusal answers 409 with the refusal as data (the handler the
lifecycle API installs for `Refusal`); every refusal is also kept in the audit log.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from lookout_ledger import runner
from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import parse_instant
from lookout_ledger.disclosures import drafts, requests, sending
from lookout_ledger.disclosures.common import perform
from lookout_ledger.disclosures.drafts import DraftInput
from lookout_ledger.disclosures.log import log_entries
from lookout_ledger.disclosures.requests import RequestInput
from lookout_ledger.http.deps import Principal, ledger_of, requires
from lookout_ledger.http.downloads import attachment
from lookout_ledger.oversight import remediation

router = APIRouter(prefix="/api/disclosures", tags=["foreign disclosures"])
LIAISON = requires(Role.LIAISON_OFFICER)
APPROVER = requires(Role.SUPERVISOR, Role.COUNSEL)
ANYONE = requires(*Role)
PRIVACY = requires(Role.AUDITOR, Role.LIAISON_OFFICER, Role.SUPERVISOR, Role.COUNSEL)
DOCUMENT_READERS = requires(*requests.DOCUMENT_READERS)
DRAFT_READERS = requires(*drafts.DRAFT_READERS)
PACKAGE_READERS = requires(*sending.PACKAGE_READERS)
T = TypeVar("T")


def _do(
    request: Request, p: Principal, action: str, fn: Callable[[Ledger, Session], T], target: str | None = None
) -> T:
    return runner.act(perform, ledger_of(request), p.username, action, fn, mail="none", target=target)


class RequestBody(BaseModel):
    unit_id: str
    agency_id: str
    sender_name: str
    sent_on: str = Field(description="RFC 3339 or YYYY-MM-DD")
    asked: str
    document_base64: str | None = Field(None, description="The written request, base64")
    document_name: str | None = None
    document_type: str | None = Field(
        None, description="Ignored: the ledger finds the type from the content (PDF, PNG, JPEG, TIFF or UTF-8 text)"
    )
    exigency: str | None = None
    agreement_id: str | None = None


class DraftBody(BaseModel):
    request_id: str
    person_ids: list[str]
    fields: list[str]
    purpose: str
    law_enforcement_reason: str
    requested_action: str = "information_request"
    recipient_official: str
    deny_entry_condition: str | None = None
    deny_entry_reference: str | None = None
    determined_by: str | None = None


class DecisionBody(BaseModel):
    role: str
    statement: str
    approve: bool = True


class SendBody(BaseModel):
    channel: str = "official_email"
    address: str | None = None
    note: str | None = None
    advisement_given: bool = False


class AgreementBody(BaseModel):
    title: str
    country: str = Field(description="Two-letter country code")
    agency_id: str | None = None


class AgreementApprovalBody(BaseModel):
    office: str = Field(description="One of the policy's agreement_offices, e.g. privacy")
    statement: str


class WithdrawBody(BaseModel):
    reason: str


class RemedyBody(BaseModel):
    action: str = Field(description="retroactive_advisement, rescission_letter, documented_record or reviewed")
    what: str | None = None
    reason: str | None = None
    conclusion: str | None = None


@router.post("/requests", summary="Record a foreign request (written, or exigent oral)")
def post_request(request: Request, body: RequestBody, p: Principal = Depends(LIAISON)) -> dict[str, Any]:
    try:
        sent_on = parse_instant(body.sent_on)
        data = base64.b64decode(body.document_base64, validate=True) if body.document_base64 else None
    except (ValueError, binascii.Error) as exc:
        raise LedgerError(f"sent_on or document_base64: {exc}") from None
    inp = RequestInput(
        unit_id=body.unit_id,
        agency_id=body.agency_id,
        sender_name=body.sender_name,
        sent_on=sent_on,
        asked=body.asked,
        document=data,
        document_name=body.document_name,
        exigency=body.exigency,
        agreement_id=body.agreement_id,
    )
    fr = _do(request, p, "request", lambda ledger, s: requests.record_request(ledger, s, p.username, inp))
    return {"id": fr.id, "written": fr.written}


@router.get("/requests/{request_id}/document", summary="The request's document (the view is recorded)")
def get_document(request: Request, request_id: str, p: Principal = Depends(DOCUMENT_READERS)) -> Response:
    name, _media, data = _do(
        request, p, "open", lambda ledger, s: requests.open_document(ledger, s, p.username, request_id)
    )
    return attachment(data, name)


@router.post("/drafts", summary="Draft a disclosure")
def post_draft(request: Request, body: DraftBody, p: Principal = Depends(LIAISON)) -> dict[str, Any]:
    inp = DraftInput(**body.model_dump())
    return _do(request, p, "draft", lambda ledger, s: drafts.create_draft(ledger, s, p.username, inp).as_dict())


@router.get("/drafts", summary="Drafts, newest first")
def get_drafts(
    request: Request, status: str | None = None, p: Principal = Depends(DRAFT_READERS)
) -> list[dict[str, Any]]:
    with ledger_of(request).reading() as s:
        return [v.as_dict() for v in drafts.list_for(s, p.username, status)]


@router.get("/drafts/{draft_id}", summary="One draft with its approvals")
def get_draft(request: Request, draft_id: str, p: Principal = Depends(DRAFT_READERS)) -> dict[str, Any]:
    with ledger_of(request).reading() as s:
        return drafts.view_for(s, p.username, draft_id).as_dict()


@router.get("/queue", summary="Drafts awaiting an approval you may give")
def get_queue(request: Request, p: Principal = Depends(APPROVER)) -> list[dict[str, Any]]:
    with ledger_of(request).reading() as s:
        return [{"role": role, "draft": v.as_dict()} for v, role in drafts.approval_queue(s, p.username)]


@router.post("/drafts/{draft_id}/decision", summary="Approve or refuse a draft in writing")
def post_decision(request: Request, draft_id: str, body: DecisionBody, p: Principal = Depends(APPROVER)) -> dict:
    return _do(
        request,
        p,
        "approve",
        lambda ledger, s: drafts.decide(
            ledger, s, p.username, draft_id, body.role, body.approve, body.statement
        ).as_dict(),
        target=draft_id,
    )


@router.post("/drafts/{draft_id}/send", summary="Send an approved draft; the passphrase is returned once")
def post_send(request: Request, draft_id: str, body: SendBody, p: Principal = Depends(LIAISON)) -> dict[str, Any]:
    r = _do(
        request,
        p,
        "send",
        lambda ledger, s: sending.send(
            ledger, s, p.username, draft_id, body.channel, body.address, body.note, body.advisement_given
        ),
        target=draft_id,
    )
    return {
        "disclosure_id": r.disclosure_id,
        "channel": r.channel,
        "content_digest": r.content_digest,
        "filename": r.filename,
        "passphrase": r.passphrase,
    }


@router.get("/drafts/{draft_id}/package", summary="The encrypted package as sent")
def get_package(request: Request, draft_id: str, p: Principal = Depends(PACKAGE_READERS)) -> Response:
    name, pdf = _do(request, p, "package", lambda ledger, s: sending.stored_package(ledger, s, p.username, draft_id))
    return attachment(pdf, name, "application/pdf")


@router.post("/drafts/{draft_id}/withdraw", summary="Withdraw a draft (its author only)")
def post_withdraw(request: Request, draft_id: str, body: WithdrawBody, p: Principal = Depends(LIAISON)) -> dict:
    def act(ledger: Ledger, s: Session) -> dict[str, Any]:
        drafts.withdraw(ledger, s, p.username, draft_id, body.reason)
        return drafts.view(s, draft_id).as_dict()

    return _do(request, p, "withdraw", act, target=draft_id)


@router.post("/agreements", summary="Register an information-sharing agreement")
def post_agreement(request: Request, body: AgreementBody, p: Principal = Depends(ANYONE)) -> dict[str, Any]:
    def act(ledger: Ledger, s: Session) -> dict[str, Any]:
        agreement_id = requests.register_agreement(ledger, s, p.username, body.title, body.country, body.agency_id)
        return requests.agreement_as_dict(ledger, s, agreement_id)

    return _do(request, p, "agreement", act)


@router.post("/agreements/{agreement_id}/approvals", summary="A coordinating office approves an agreement")
def post_agreement_approval(
    request: Request, agreement_id: str, body: AgreementApprovalBody, p: Principal = Depends(ANYONE)
) -> dict[str, Any]:
    def act(ledger: Ledger, s: Session) -> dict[str, Any]:
        requests.approve_agreement(ledger, s, p.username, agreement_id, body.office, body.statement)
        return requests.agreement_as_dict(ledger, s, agreement_id)

    return _do(request, p, "agreement", act, target=agreement_id)


@router.get("/agreements/{agreement_id}", summary="An agreement, its approvals and whether it may be cited")
def get_agreement(request: Request, agreement_id: str, p: Principal = Depends(ANYONE)) -> dict[str, Any]:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        return requests.agreement_as_dict(ledger, s, agreement_id)


@router.get("/log", summary="The disclosure log")
def get_log(request: Request, p: Principal = Depends(PRIVACY)) -> list[dict[str, Any]]:
    with ledger_of(request).reading() as s:
        return log_entries(s)


@router.get("/remediation", summary="Remediation worklist and progress")
def get_remediation(request: Request, p: Principal = Depends(PRIVACY)) -> dict[str, Any]:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        items = remediation.worklist(ledger, s)
    return {"progress": remediation.progress(items), "items": [i.as_dict() for i in items]}


@router.post("/remediation/{disclosure_id}", summary="Record one remediation action")
def post_remedy(request: Request, disclosure_id: str, body: RemedyBody, p: Principal = Depends(PRIVACY)) -> dict:
    def act(ledger: Ledger, s: Session) -> dict[str, Any]:
        u = p.username
        if body.action == "retroactive_advisement":
            return {"letter": remediation.send_retroactive_advisement(ledger, s, u, disclosure_id)}
        if body.action == "rescission_letter":
            return {"letter": remediation.rescind_deny_entry(ledger, s, u, disclosure_id)}
        if body.action == "documented_record":
            row = remediation.document_record(ledger, s, u, disclosure_id, body.what or "", body.reason or "")
            return {"id": row.id}
        if body.action == "reviewed":
            return {"id": remediation.mark_reviewed(ledger, s, u, disclosure_id, body.conclusion or "").id}
        raise LedgerError(f"action: unknown remediation action {body.action!r}")

    return _do(request, p, "remediate", act, target=disclosure_id)
