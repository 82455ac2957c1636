"""The records archive's JSON API: search, imports, records requests, holds and dispositions.

The same use cases as `lookout records ...`; every route acts as the signed-in user. Search
is open to every role, with message content only for roles whose work needs personal data;
everything else is the records officer's. Refusals answer 409 with the rule and reason (the
lifecycle API installs that handler). `install(app)` mounts this API and the archive pages.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field

from lookout_ledger.core.auth import Role
from lookout_ledger.core.timefmt import parse_field_instant
from lookout_ledger.http.deps import Principal, current_principal, ledger_of, requires
from lookout_ledger.http.uploads import spooled
from lookout_ledger.records import keeping
from lookout_ledger.records.ingest.importer import MAX_UPLOAD, ImportOptions, import_file
from lookout_ledger.records.requests.linking import missing_transmissions
from lookout_ledger.records.requests.request import run_request
from lookout_ledger.records.search import MAX_OFFSET, MAX_PAGE, SearchFilters, logged_search

router = APIRouter(prefix="/api/archive", tags=["records archive"])
RECORDS_OFFICER = requires(Role.RECORDS_OFFICER)
when = parse_field_instant


@router.get("/search", summary="Full-text search of communications (content only for personal-data roles)")
def api_search(
    request: Request,
    q: str = "",
    channel: str | None = None,
    account: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    classification: str | None = None,
    limit: int = Query(50, ge=1, le=MAX_PAGE),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    p: Principal = Depends(current_principal),
) -> dict[str, Any]:
    f = SearchFilters(
        channel or None,
        account or None,
        when(date_from, "date_from"),
        when(date_to, "date_to"),
        None,
        classification or None,
    )
    r = logged_search(
        ledger_of(request),
        p.username,
        q,
        f,
        may_read_content=p.personal,
        limit=max(1, min(limit, 500)),
        offset=max(0, offset),
    )
    return {
        "query": r.query,
        "total": r.total,
        "people": r.people,
        "content_withheld": r.content_withheld,
        "hits": [h.as_dict() for h in r.hits],
    }


@router.post("/imports", summary="Archive a chat export, .eml or mbox (all or nothing; idempotent)")
def api_import(
    request: Request,
    file: UploadFile = File(...),
    channel: str = Form(...),
    account: str = Form(...),
    owner: str = Form(...),
    timezone: str | None = Form(None),
    case: str | None = Form(None),
    p: Principal = Depends(RECORDS_OFFICER),
) -> dict[str, Any]:
    stream = spooled(file, MAX_UPLOAD, "file", "; import it with `lookout records import`")
    opts = ImportOptions(channel, account, owner, timezone or None, case or None)
    r = import_file(ledger_of(request), stream, file.filename or "upload", opts, p.username)
    return {
        "import_id": r.import_id,
        "format": r.format,
        "stored": r.stored,
        "duplicates": r.duplicates,
        "already_imported": r.already_imported,
        "sha256": r.digest,
        "timezone": r.timezone,
    }


class RequestBody(BaseModel):
    person_ids: list[str] = Field(min_length=1)
    reference: str | None = None


@router.post("/requests", summary="Records request: every record naming the people, with a search certificate")
def api_request(request: Request, body: RequestBody, p: Principal = Depends(RECORDS_OFFICER)) -> dict[str, Any]:
    pkg = run_request(ledger_of(request), body.person_ids, p.username, body.reference)
    return {"index": pkg.index, "index_sha256": pkg.index_digest}


class HoldBody(BaseModel):
    reason: str
    person_id: str | None = None
    case_label: str | None = None
    date_from: str | None = None
    date_to: str | None = None


@router.post("/holds", summary="Place a legal hold")
def api_hold(request: Request, body: HoldBody, p: Principal = Depends(RECORDS_OFFICER)) -> dict[str, Any]:
    h = keeping.place_hold(
        ledger_of(request),
        p.username,
        body.reason,
        body.person_id,
        body.case_label,
        when(body.date_from, "date_from"),
        when(body.date_to, "date_to"),
    )
    return {"id": h.id}


@router.post("/holds/{hold_id}/release", summary="Release a legal hold")
def api_release(request: Request, hold_id: str, p: Principal = Depends(RECORDS_OFFICER)) -> dict[str, Any]:
    keeping.release_hold(ledger_of(request), hold_id, p.username)
    return {"id": hold_id, "released": True}


class DisposeBody(BaseModel):
    communication_ids: list[str] | None = None


@router.post("/dispositions", summary="Propose a disposition (everything due and not held, or the ids given)")
def api_propose(request: Request, body: DisposeBody, p: Principal = Depends(RECORDS_OFFICER)) -> dict[str, Any]:
    d = keeping.propose_disposition(ledger_of(request), p.username, body.communication_ids)
    return {"id": d.id, "communication_ids": d.communication_ids}


@router.post("/dispositions/{disposition_id}/approve", summary="Approve a disposition (another records officer)")
def api_approve(request: Request, disposition_id: str, p: Principal = Depends(RECORDS_OFFICER)) -> dict[str, Any]:
    stones = keeping.approve_disposition(ledger_of(request), disposition_id, p.username)
    return {"id": disposition_id, "disposed": [s.communication_id for s in stones]}


@router.get("/missing-transmissions", summary="Disclosures whose transmission is not in the archive")
def api_missing(request: Request, p: Principal = Depends(RECORDS_OFFICER)) -> list[dict[str, object]]:
    with ledger_of(request).reading() as s:
        return missing_transmissions(s)
