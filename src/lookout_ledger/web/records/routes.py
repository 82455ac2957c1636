"""Archive pages: a search page for every role and the records officer's desk.

Thin adapters over `lookout_ledger.records`: forms post here, results and refusals are shown
on the page. The records request answers with the response package itself (a standalone,
SPII-marked HTML document with the search certificate).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.core.timefmt import parse_field_instant as when
from lookout_ledger.http.deps import Principal, current_principal, ledger_of, requires
from lookout_ledger.http.downloads import attachment
from lookout_ledger.http.uploads import spooled
from lookout_ledger.people.models import Person
from lookout_ledger.records import keeping
from lookout_ledger.records.archive_models import Disposition, LegalHold, RecordImport
from lookout_ledger.records.ingest.importer import MAX_UPLOAD, ImportOptions, import_file
from lookout_ledger.records.ingest.notes import NOTE_KINDS, NOTE_ROLES, record_note
from lookout_ledger.records.requests.linking import missing_transmissions
from lookout_ledger.records.requests.request import run_request
from lookout_ledger.records.search import SearchFilters, logged_search
from lookout_ledger.records.search.aliases import find_people
from lookout_ledger.web.render import capability_templates, principal_context

RECORDS_OFFICER = requires(Role.RECORDS_OFFICER)
router = APIRouter(include_in_schema=False)
NOTE_WRITER = requires(*NOTE_ROLES)
_tpl = capability_templates(Path(__file__).parent / "templates")


def _page(request: Request, p: Principal, template: str, ctx: dict[str, Any], status: int = 200) -> Response:
    base = {
        **principal_context(p),
        "title": "",
        "error": None,
        "notice": None,
        "ts": lambda d: format_rfc3339(d) if d else "",
        "mark": Markup,
        "note_roles": [str(r) for r in NOTE_ROLES],
    }
    return _tpl().TemplateResponse(request, template, {**base, **ctx}, status_code=status)


@router.get("/archive")
def search_page(
    request: Request,
    q: str = "",
    channel: str = "",
    account: str = "",
    date_from: str = "",
    date_to: str = "",
    offset: int = 0,
    p: Principal = Depends(current_principal),
) -> Response:
    ctx: dict[str, Any] = {
        "title": "Search the records",
        "q": q,
        "channel": channel,
        "account": account,
        "date_from": date_from,
        "date_to": date_to,
        "result": None,
    }
    try:
        f = SearchFilters(channel or None, account or None, when(date_from, "from"), when(date_to, "to"))
        if q or channel or account or date_from or date_to:
            ctx["result"] = logged_search(
                ledger_of(request), p.username, q, f, may_read_content=p.personal, limit=50, offset=max(0, offset)
            )
    except LedgerError as exc:
        ctx["error"] = str(exc)
        return _page(request, p, "archive/search.html", ctx, 422)
    return _page(request, p, "archive/search.html", ctx)


def _desk(request: Request, p: Principal, **extra: Any) -> Response:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        ctx = {
            "title": "Records officer",
            "imports": s.execute(select(RecordImport).order_by(RecordImport.imported_at.desc()).limit(20))
            .scalars()
            .all(),
            "holds": s.execute(select(LegalHold).where(LegalHold.released_at.is_(None)).order_by(LegalHold.placed_at))
            .scalars()
            .all(),
            "proposals": s.execute(
                select(Disposition).where(Disposition.status == "proposed").order_by(Disposition.proposed_at)
            )
            .scalars()
            .all(),
            "missing": missing_transmissions(s),
        }
    ctx.update(extra)
    status = 422 if extra.get("error") else 200
    return _page(request, p, "archive/officer.html", ctx, status)


@router.get("/archive/officer")
def officer_page(request: Request, p: Principal = Depends(RECORDS_OFFICER)) -> Response:
    return _desk(request, p)


@router.post("/archive/officer/import")
def officer_import(
    request: Request,
    file: UploadFile = File(...),
    channel: str = Form(...),
    account: str = Form(...),
    owner: str = Form(...),
    timezone: str = Form(""),
    p: Principal = Depends(RECORDS_OFFICER),
) -> Response:
    try:
        stream = spooled(file, MAX_UPLOAD, "file", "; use `lookout records import`")
        r = import_file(
            ledger_of(request),
            stream,
            file.filename or "upload",
            ImportOptions(channel, account, owner.strip(), timezone.strip() or None),
            p.username,
        )
    except LedgerError as exc:
        return _desk(request, p, error=str(exc))
    msg = (
        f"{r.file_name} was already imported ({r.import_id}); nothing stored."
        if r.already_imported
        else f"Imported {r.stored} message(s) from {r.file_name}; {r.duplicates} already archived."
    )
    return _desk(request, p, notice=msg)


@router.post("/archive/officer/hold")
def officer_hold(
    request: Request,
    reason: str = Form(...),
    person_id: str = Form(""),
    case_label: str = Form(""),
    date_from: str = Form(""),
    date_to: str = Form(""),
    p: Principal = Depends(RECORDS_OFFICER),
) -> Response:
    try:
        h = keeping.place_hold(
            ledger_of(request),
            p.username,
            reason,
            person_id.strip() or None,
            case_label.strip() or None,
            when(date_from, "from"),
            when(date_to, "to"),
        )
    except LedgerError as exc:
        return _desk(request, p, error=str(exc))
    return _desk(request, p, notice=f"Hold {h.id} placed.")


@router.post("/archive/officer/dispose")
def officer_dispose(request: Request, p: Principal = Depends(RECORDS_OFFICER)) -> Response:
    try:
        d = keeping.propose_disposition(ledger_of(request), p.username)
    except LedgerError as exc:
        return _desk(request, p, error=str(exc))
    return _desk(request, p, notice=f"Disposition {d.id} proposed for {len(d.communication_ids)} communication(s).")


@router.post("/archive/officer/dispose/{disposition_id}/approve")
def officer_approve(request: Request, disposition_id: str, p: Principal = Depends(RECORDS_OFFICER)) -> Response:
    try:
        stones = keeping.approve_disposition(ledger_of(request), disposition_id, p.username)
    except LedgerError as exc:
        return _desk(request, p, error=str(exc))
    return _desk(request, p, notice=f"{len(stones)} communication(s) disposed of; tombstones kept.")


@router.post("/archive/officer/request")
def officer_request(
    request: Request,
    people: str = Form(...),
    reference: str = Form(""),
    format: str = Form("html"),
    p: Principal = Depends(RECORDS_OFFICER),
) -> Response:
    """One person per line: an id, or a name, phone, e-mail or chat name that identifies one person."""
    ledger = ledger_of(request)
    try:
        ids: list[str] = []
        with ledger.reading() as s:
            for line in (x.strip() for x in people.splitlines()):
                if not line:
                    continue
                if s.get(Person, line) is not None:
                    ids.append(line)
                    continue
                found = find_people(s, ledger.keyring, line)
                if len(found) != 1:
                    raise LedgerError(f"{line!r} identifies {len(found)} people; give a person id")
                ids.extend(found)
        pkg = run_request(ledger, ids, p.username, reference.strip() or None)
    except LedgerError as exc:
        return _desk(request, p, error=str(exc))
    if format == "pdf":
        return attachment(pkg.pdf(), f"{pkg.request_id}.pdf", "application/pdf")
    return HTMLResponse(pkg.html)


def _note_form(request: Request, p: Principal, form: dict[str, str], **extra: Any) -> Response:
    ctx = {
        "title": "Note of a call or meeting",
        "form": form,
        "kinds": NOTE_KINDS,
        "any_author": p.has_role(Role.RECORDS_OFFICER),
        "field": None,
        "kept": None,
        **extra,
    }
    return _page(request, p, "archive/note.html", ctx, 422 if extra.get("error") else 200)


@router.get("/archive/notes/new")
def note_page(request: Request, p: Principal = Depends(NOTE_WRITER)) -> Response:
    return _note_form(request, p, {"kind": "phone_note", "author": p.official_id or ""})


@router.post("/archive/notes")
def note_submit(
    request: Request,
    kind: str = Form(""),
    author: str = Form(""),
    at: str = Form(""),
    timezone: str = Form(""),
    participants: str = Form(""),
    subject: str = Form(""),
    body: str = Form(""),
    disclosure: str = Form(""),
    p: Principal = Depends(NOTE_WRITER),
) -> Response:
    """Keep the note, or show the form again with the entered values and the field at fault.

    An official enters notes of their own calls and meetings (the author is the official their
    account is linked to); a records officer may enter one for any official.
    """
    form = {
        "kind": kind,
        "author": author,
        "at": at,
        "timezone": timezone,
        "participants": participants,
        "subject": subject,
        "body": body,
        "disclosure": disclosure,
    }
    try:
        if p.has_role(Role.RECORDS_OFFICER):
            author_id = author.strip() or p.official_id or ""
            if not author_id:
                raise LedgerError("author: give the id of the official who took part")
        else:
            if p.official_id is None:
                raise LedgerError(
                    "author: your account is not linked to an official, so a note cannot name you as its author; "
                    "ask the administrator to link it, or the records officer to enter the note"
                )
            author_id = p.official_id
            form["author"] = author_id
        cid = record_note(
            ledger_of(request),
            p.username,
            kind=kind,
            author_id=author_id,
            participants=participants.splitlines(),
            at=_local_instant(at, timezone),
            subject=subject,
            body=body,
            disclosure_id=disclosure.strip() or None,
        )
    except LedgerError as exc:
        return _note_form(request, p, form, error=str(exc), field=str(exc).split(":", 1)[0])
    fresh = {"kind": kind, "author": author if p.has_role(Role.RECORDS_OFFICER) else (p.official_id or "")}
    return _note_form(request, p, fresh, notice=f"Note {cid} kept as a record.", kept=cid)


def _local_instant(at: str, timezone: str) -> datetime:
    """A datetime-local value (2019-01-09T10:00) read in an IANA zone; errors name the field."""
    if not at.strip():
        raise LedgerError("at: give the date and time of the call or meeting")
    if not timezone.strip():
        raise LedgerError("timezone: give the IANA time zone where it took place (e.g. America/Tijuana)")
    try:
        zone = ZoneInfo(timezone.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise LedgerError(f"timezone: {timezone.strip()!r} is not an IANA time zone like America/Tijuana") from None
    try:
        local = datetime.fromisoformat(at.strip())
    except ValueError:
        raise LedgerError(f"at: {at.strip()!r} is not a date and time like 2019-01-09T10:00") from None
    if local.tzinfo is not None:
        raise LedgerError("at: give the local time without an offset; the time zone field says where")
    return local.replace(tzinfo=zone)
