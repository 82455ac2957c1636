"""The port officer's screen, the inspection form and the supervisor's device-search approvals.

Thin adapters over `screening.service` and `inspections.service`, the same use cases as the API:
the officer sees what the lookout seeks and its instructions (never the owner's file), the
system sets start and end times, and a refusal is shown with its rule, reason, remedy and
citation while the form keeps what was typed. An inspection open past the policy's limit is
flagged to the supervisor when its page is next shown, so the flag does not wait for a sweep.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lookout_ledger import runner
from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound, Refusal
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.history.inspections import Inspection, InspectionTopic
from lookout_ledger.history.lookouts import normalise_topic
from lookout_ledger.http.deps import Principal, ledger_of, requires
from lookout_ledger.inspections import service as insp
from lookout_ledger.inspections.live_models import DeviceSearch, InspectionLive
from lookout_ledger.lookouts.common import perform
from lookout_ledger.notifications.mailer import deliver_pending
from lookout_ledger.screening.matcher import Presented
from lookout_ledger.screening.service import screen_traveler
from lookout_ledger.web.render import capability_templates, principal_context, when

router = APIRouter(include_in_schema=False)
OFFICER = requires(Role.PORT_OFFICER)
SUPERVISOR = requires(Role.SUPERVISOR)
OFFICER_OR_SUPERVISOR = requires(Role.PORT_OFFICER, Role.SUPERVISOR)
SCREEN_FIELDS = (
    "port",
    "given_name",
    "family_name",
    "date_of_birth",
    "nationality",
    "doc_kind",
    "doc_number",
    "doc_country",
)
T = TypeVar("T")
_tpl = capability_templates(
    Path(__file__).parent / "templates", Path(__file__).parent.parent / "lookouts" / "templates"
)


def _ts(value: datetime | None) -> str:
    return when(format_rfc3339(value)) if value else ""


def _page(request: Request, p: Principal, template: str, ctx: dict[str, Any], status: int = 200) -> Response:
    base = {
        **principal_context(p),
        "title": "",
        "refusal": None,
        "error": None,
        "ts": _ts,
        "is_officer": p.has_role(Role.PORT_OFFICER),
        "is_supervisor": p.has_role(Role.SUPERVISOR),
    }
    return _tpl().TemplateResponse(request, template, {**base, **ctx}, status_code=status)


def _act(ledger: Ledger, p: Principal, action: str, target: str, fn: Callable[[Session], T]) -> T:
    """One use case through the adapter runner; a refusal is kept as a decision, and notices are mailed."""
    return runner.act(perform, ledger, p.username, action, lambda _ledger, s: fn(s), mail="quiet")


def _failure(exc: LedgerError) -> tuple[dict[str, Any], int]:
    if isinstance(exc, Refusal):
        return {"refusal": exc.as_dict()}, 409
    return {"error": str(exc)}, 400


# --- screening ---------------------------------------------------------------------------------


@router.get("/screening")
def screen_page(request: Request, p: Principal = Depends(OFFICER)) -> Response:
    return _page(request, p, "screening/screen.html", {"title": "Screen a traveler", "form": {}, "result": None})


@router.post("/screening")
async def screen_submit(request: Request, p: Principal = Depends(OFFICER)) -> Response:
    raw = await request.form()
    return await run_in_threadpool(_screen_submit, request, p, raw)


def _screen_submit(request: Request, p: Principal, raw: Any) -> Response:
    """The work of the page, off the event loop: a write that waits for the database must not stop
    every other request (#15: an import held the loop)."""
    form = {k: str(raw.get(k) or "").strip() for k in SCREEN_FIELDS}
    data: dict[str, Any] = {
        "id": "page",
        "given_name": form["given_name"],
        "family_name": form["family_name"],
        "date_of_birth": form["date_of_birth"],
        "nationality": form["nationality"].upper(),
        "documents": [{"kind": form["doc_kind"] or None, "number": form["doc_number"], "country": form["doc_country"]}]
        if form["doc_number"]
        else [],
    }
    ledger = ledger_of(request)
    ctx: dict[str, Any] = {"title": "Screen a traveler", "form": form, "result": None}
    try:
        presented = Presented.from_dict(data, "form")
        result = screen_traveler(ledger, p.username, presented, form["port"])
    except LedgerError as exc:
        extra, status = _failure(exc)
        return _page(request, p, "screening/screen.html", {**ctx, **extra}, status)
    with contextlib.suppress(OSError, LedgerError):
        deliver_pending(ledger)
    with ledger.reading() as s:
        referrals = [insp.referral_view(s, cid).as_dict() for cid in result.crossing_ids]
    ctx["result"] = {**result.as_dict(), "referrals": referrals}
    return _page(request, p, "screening/screen.html", ctx)


@router.post("/screening/crossings/{crossing_id}/inspect")
def start_page(request: Request, crossing_id: str, p: Principal = Depends(OFFICER)) -> Response:
    ledger = ledger_of(request)
    try:
        ins = _act(
            ledger,
            p,
            "inspection.start",
            crossing_id,
            lambda s: insp.start_inspection(ledger, s, p.username, crossing_id),
        )
    except LedgerError as exc:
        extra, status = _failure(exc)
        ctx = {"title": "Screen a traveler", "form": {}, "result": None, **extra}
        return _page(request, p, "screening/screen.html", ctx, status)
    return RedirectResponse(f"/inspections/{ins.id}", status_code=303)


# --- the inspection form -----------------------------------------------------------------------


def _inspection_ctx(ledger: Ledger, s: Session, inspection_id: str) -> dict[str, Any]:
    ins = s.get(Inspection, inspection_id)
    live = s.get(InspectionLive, inspection_id)
    if ins is None or live is None:
        raise NotFound(f"no live inspection {inspection_id!r}")
    view = insp.referral_view(s, ins.crossing_id) if ins.crossing_id else None
    asked = list(
        s.execute(select(InspectionTopic.topic_norm).where(InspectionTopic.inspection_id == inspection_id)).scalars()
    )
    limit = int(ledger.policy.param("max_inspection_hours", 4))
    now = ledger.now()
    end = ins.ended_at or now
    overlong = end - ins.started_at > timedelta(hours=limit)
    minutes = int((end - ins.started_at).total_seconds() // 60)
    return {
        "ins": ins,
        "live": live,
        "view": view.as_dict() if view else None,
        "asked_norms": set(asked),
        "ds": s.get(DeviceSearch, inspection_id),
        "limit_hours": limit,
        "overlong": overlong,
        "duration": f"{minutes // 60} h {minutes % 60:02d} min",
        "min_reason": int(ledger.policy.param("device_search_min_reason_chars", insp.DEFAULT_MIN_DEVICE_REASON)),
        "exigent_hours": int(ledger.policy.param("device_search_exigent_hours", insp.DEFAULT_EXIGENT_HOURS)),
        "mine": live.officer_username,
    }


def _inspection_page(
    request: Request, p: Principal, inspection_id: str, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    ledger = ledger_of(request)
    with ledger.transaction() as s:
        insp.flag_open_inspections(ledger, s)  # an overlong open inspection is flagged the moment it is seen
        ctx = _inspection_ctx(ledger, s, inspection_id)
    with contextlib.suppress(OSError, LedgerError):
        deliver_pending(ledger)
    ctx.update({"title": f"Inspection {inspection_id}", "normalise_topic": normalise_topic, "form": {}})
    ctx.update(extra or {})
    return _page(request, p, "screening/inspection.html", ctx, status)


@router.get("/inspections/{inspection_id}")
def inspection_page(request: Request, inspection_id: str, p: Principal = Depends(OFFICER_OR_SUPERVISOR)) -> Response:
    return _inspection_page(request, p, inspection_id)


def _inspection_action(
    request: Request,
    p: Principal,
    inspection_id: str,
    action: str,
    fn: Callable[[Ledger, Session], object],
    form: dict[str, Any] | None = None,
) -> Response:
    ledger = ledger_of(request)
    try:
        _act(ledger, p, action, inspection_id, lambda s: fn(ledger, s))
    except (NotFound, AuthError):
        raise  # 404 / 403 pages, as everywhere else
    except LedgerError as exc:
        extra, status = _failure(exc)
        return _inspection_page(request, p, inspection_id, {**extra, "form": form or {}}, status)
    return RedirectResponse(f"/inspections/{inspection_id}", status_code=303)


@router.post("/inspections/{inspection_id}/interview")
async def interview_page(request: Request, inspection_id: str, p: Principal = Depends(OFFICER)) -> Response:
    raw = await request.form()
    return await run_in_threadpool(_interview_page, request, inspection_id, p, raw)


def _interview_page(request: Request, inspection_id: str, p: Principal, raw: Any) -> Response:
    """The work of the page, off the event loop: a write that waits for the database must not stop
    every other request (#15: an import held the loop)."""
    sought = [str(v) for v in raw.getlist("sought")]
    free = [line for line in str(raw.get("free_topics") or "").splitlines() if line.strip()]
    info = str(raw.get("information_obtained") or "")
    new_info = {"yes": True, "no": False}.get(str(raw.get("new_information") or ""))
    restrained = raw.get("restrained") == "yes"
    reason = str(raw.get("restraint_reason") or "")
    form = {
        "free_topics": "\n".join(free),
        "information_obtained": info,
        "restraint_reason": reason,
        "restrained": restrained,
    }
    return _inspection_action(
        request,
        p,
        inspection_id,
        "inspection.interview",
        lambda lg, s: insp.record_interview(
            lg,
            s,
            p.username,
            inspection_id,
            sought_asked=sought,
            free_topics=free,
            information_obtained=info,
            new_information=new_info,
            restrained=restrained,
            restraint_reason=reason,
        ),
        form,
    )


@router.post("/inspections/{inspection_id}/device-search")
def device_request_page(
    request: Request,
    inspection_id: str,
    reason: str = Form(""),
    exigent: str = Form(""),
    p: Principal = Depends(OFFICER),
) -> Response:
    urgent = exigent == "yes"
    return _inspection_action(
        request,
        p,
        inspection_id,
        "device_search.request",
        lambda lg, s: insp.request_device_search(lg, s, p.username, inspection_id, reason, urgent),
        {"ds_reason": reason},
    )


@router.post("/inspections/{inspection_id}/device-search/findings")
def device_findings_page(
    request: Request, inspection_id: str, findings: str = Form(""), p: Principal = Depends(OFFICER)
) -> Response:
    return _inspection_action(
        request,
        p,
        inspection_id,
        "device_search.performed",
        lambda lg, s: insp.record_device_search(lg, s, p.username, inspection_id, findings),
        {"ds_findings": findings},
    )


@router.post("/inspections/{inspection_id}/end")
def end_page(request: Request, inspection_id: str, p: Principal = Depends(OFFICER)) -> Response:
    return _inspection_action(
        request,
        p,
        inspection_id,
        "inspection.end",
        lambda lg, s: insp.end_inspection(lg, s, p.username, inspection_id),
    )


# --- the supervisor's device-search approvals ----------------------------------------------------


def _approvals_page(request: Request, p: Principal, extra: dict[str, Any] | None = None, status: int = 200) -> Response:
    ledger = ledger_of(request)
    with ledger.transaction() as s:
        insp.flag_open_inspections(ledger, s)
        hours = int(ledger.policy.param("device_search_exigent_hours", insp.DEFAULT_EXIGENT_HOURS))
        items = [
            {
                "inspection_id": d.inspection_id,
                "requested_by": d.requested_by,
                "requested_at": d.requested_at,
                "reason": d.reason,
                "exigent": d.exigent,
                "decide_by": d.requested_at + timedelta(hours=hours) if d.exigent else None,
            }
            for d in insp.pending_device_searches(s, p.username)
        ]
    with contextlib.suppress(OSError, LedgerError):
        deliver_pending(ledger)
    ctx = {"title": "Device-search approvals", "items": items, "decided": None, **(extra or {})}
    return _page(request, p, "screening/device_searches.html", ctx, status)


@router.get("/device-searches")
def approvals_page(request: Request, p: Principal = Depends(SUPERVISOR)) -> Response:
    return _approvals_page(request, p)


@router.post("/device-searches/{inspection_id}")
def decide_page(
    request: Request,
    inspection_id: str,
    decision: str = Form(...),
    note: str = Form(""),
    p: Principal = Depends(SUPERVISOR),
) -> Response:
    ledger = ledger_of(request)
    approve = decision == "approve"
    try:
        ds = _act(
            ledger,
            p,
            "device_search.decide",
            inspection_id,
            lambda s: insp.decide_device_search(ledger, s, p.username, inspection_id, approve, note),
        )
    except LedgerError as exc:
        extra, status = _failure(exc)
        return _approvals_page(request, p, extra, status)
    return _approvals_page(request, p, {"decided": (inspection_id, ds.decision)})
