"""Screening, inspections, device-search approvals and redress over HTTP: thin adapters.

The port officer screens a traveler (`POST /api/screen`), reads the referral (what to ask),
starts, documents and ends the inspection; supervisors decide device searches; complaints
open redress reviews. Every route runs one service use case in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.http.deps import Principal, ledger_of, requires
from lookout_ledger.inspections import service as insp
from lookout_ledger.notifications.mailer import deliver_pending
from lookout_ledger.screening import redress
from lookout_ledger.screening.matcher import Presented
from lookout_ledger.screening.service import screen_traveler

router = APIRouter(prefix="/api", tags=["screening and inspections"])
officer = requires(Role.PORT_OFFICER)
supervisor = requires(Role.SUPERVISOR)
T = TypeVar("T")


class DocumentIn(BaseModel):
    kind: str | None = None
    number: str
    country: str | None = None


class ScreenIn(BaseModel):
    port: str = Field(..., description="Port of entry.")
    id: str = "api"
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: str | None = Field(None, description="YYYY-MM-DD")
    nationality: str | None = None
    documents: list[DocumentIn] = []


class StartIn(BaseModel):
    crossing_id: str


class InterviewIn(BaseModel):
    sought_asked: list[str] = []
    free_topics: list[str] = []
    information_obtained: str | None = None
    new_information: bool | None = None
    restrained: bool = False
    restraint_reason: str | None = None


class DeviceRequestIn(BaseModel):
    reason: str
    exigent: bool = False


class DecisionIn(BaseModel):
    approve: bool
    note: str | None = None


class FindingsIn(BaseModel):
    findings: str


class ComplaintIn(BaseModel):
    person_id: str
    complaint: str


class OutcomeIn(BaseModel):
    outcome: str


def _tx(request: Request, fn: Callable[[Ledger, Session], T]) -> T:
    ledger = ledger_of(request)
    with ledger.transaction() as s:
        result = fn(ledger, s)
    deliver_pending(ledger)
    return result


def _inspection(ins: Any) -> dict[str, Any]:
    return {
        "id": ins.id,
        "person_id": ins.person_id,
        "crossing_id": ins.crossing_id,
        "started_at": ins.started_at.isoformat(),
        "ended_at": ins.ended_at.isoformat() if ins.ended_at else None,
        "documented": ins.documented,
        "device_search": None
        if ins.ds_performed is None
        else {
            "performed": ins.ds_performed,
            "reason": ins.ds_reason,
            "supervisor_approval_id": ins.ds_supervisor_approval_id,
            "findings_documented": ins.ds_findings_documented,
        },
    }


@router.post("/screen", summary="Screen a traveler: refer to secondary or not, and why")
def api_screen(body: ScreenIn, request: Request, p: Principal = Depends(officer)) -> dict[str, Any]:
    data = body.model_dump()
    presented = Presented.from_dict(data, "body")
    result = screen_traveler(ledger_of(request), p.username, presented, body.port)
    if result.notified:  # only then is there mail to send; the traveler should not wait on the outbox
        deliver_pending(ledger_of(request))
    return result.as_dict()


@router.get("/crossings/{crossing_id}/referral", summary="What the officer should ask")
def api_referral(crossing_id: str, request: Request, p: Principal = Depends(officer)) -> dict[str, Any]:
    with ledger_of(request).reading() as s:
        return insp.referral_view(s, crossing_id).as_dict()


@router.post("/inspections", summary="Start the inspection of a referred crossing (system time)")
def api_start(body: StartIn, request: Request, p: Principal = Depends(officer)) -> dict[str, Any]:
    return _tx(request, lambda lg, s: _inspection(insp.start_inspection(lg, s, p.username, body.crossing_id)))


@router.post("/inspections/{iid}/interview", summary="Topics asked, information obtained, restraint")
def api_interview(iid: str, body: InterviewIn, request: Request, p: Principal = Depends(officer)) -> dict[str, Any]:
    return _tx(request, lambda lg, s: _inspection(insp.record_interview(lg, s, p.username, iid, **body.model_dump())))


@router.post("/inspections/{iid}/device-search", summary="Request a device search with a detailed reason")
def api_ds_request(iid: str, body: DeviceRequestIn, request: Request, p: Principal = Depends(officer)) -> dict:
    _tx(request, lambda lg, s: insp.request_device_search(lg, s, p.username, iid, body.reason, body.exigent))
    return {"inspection_id": iid, "requested": True, "exigent": body.exigent}


@router.post("/inspections/{iid}/device-search/decision", summary="Supervisor approves or rejects")
def api_ds_decide(iid: str, body: DecisionIn, request: Request, p: Principal = Depends(supervisor)) -> dict:
    ds = _tx(request, lambda lg, s: insp.decide_device_search(lg, s, p.username, iid, body.approve, body.note))
    return {"inspection_id": iid, "decision": ds.decision}


@router.post("/inspections/{iid}/device-search/findings", summary="Record the search as done, with findings")
def api_ds_findings(iid: str, body: FindingsIn, request: Request, p: Principal = Depends(officer)) -> dict:
    _tx(request, lambda lg, s: insp.record_device_search(lg, s, p.username, iid, body.findings))
    return {"inspection_id": iid, "performed": True}


@router.post("/inspections/{iid}/end", summary="End the inspection (system time); notifies owners")
def api_end(iid: str, request: Request, p: Principal = Depends(officer)) -> dict[str, Any]:
    return _tx(request, lambda lg, s: _inspection(insp.end_inspection(lg, s, p.username, iid)))


@router.get("/device-searches", summary="Device searches awaiting my decision")
def api_ds_pending(request: Request, p: Principal = Depends(supervisor)) -> list[dict[str, Any]]:
    with ledger_of(request).reading() as s:
        return [
            {
                "inspection_id": d.inspection_id,
                "requested_by": d.requested_by,
                "reason": d.reason,
                "exigent": d.exigent,
                "requested_at": d.requested_at.isoformat(),
            }
            for d in insp.pending_device_searches(s, p.username)
        ]


@router.post("/redress", summary="Record a traveler's complaint; every active lookout goes up for review")
def api_redress(
    body: ComplaintIn, request: Request, p: Principal = Depends(requires(*redress.COMPLAINT_RECORDERS))
) -> dict[str, Any]:
    row = _tx(request, lambda lg, s: redress.record_complaint(lg, s, p.username, body.person_id, body.complaint))
    return {"id": row.id, "person_id": row.person_id, "lookout_ids": row.lookout_ids, "status": row.status}


@router.post("/redress/{cid}/outcome", summary="Record the complaint's outcome")
def api_redress_outcome(cid: str, body: OutcomeIn, request: Request, p: Principal = Depends(supervisor)) -> dict:
    row = _tx(request, lambda lg, s: redress.decide_complaint(lg, s, p.username, cid, body.outcome))
    return {"id": row.id, "status": row.status, "outcome": row.outcome}
