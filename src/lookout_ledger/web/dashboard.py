"""The auditor's dashboard: the review's numbers, Figure 1, the findings and Appendix C.

Everything comes from one audit result (`AuditCache`), evaluated at the ledger clock. The
findings section filters server-side: htmx swaps just that section and pushes a plain
`/dashboard?...` URL, so a filtered view can be bookmarked, reloaded and shared, and the
page works the same without JavaScript (the form falls back to a normal GET).
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core import integrity
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.http.checkpoints import latest_checkpoint_file
from lookout_ledger.http.deps import OVERSIGHT_ROLES, Principal, ledger_of, requires
from lookout_ledger.org.models import Official, Unit
from lookout_ledger.oversight.audit import AuditResult
from lookout_ledger.oversight.audit_cache import CachedAudit
from lookout_ledger.oversight.findings_query import PAGE_SIZE, FindingFilter, counts_by_rule, paginate, parse_filter
from lookout_ledger.oversight.report.charts import MAX_PERSON_ROWS, inspections_chart, person_rows
from lookout_ledger.oversight.requirements import REQUIREMENT_KEYS
from lookout_ledger.oversight.rules import RULES
from lookout_ledger.web.render import page

router = APIRouter(include_in_schema=False)
FILTER_KEYS = ("rule", "owner", "unit", "since", "until")
MATRIX_ROWS = 200


def cached_audit(request: Request, session: Session) -> CachedAudit:
    return request.app.state.audit_cache.get(ledger_of(request), session)


def _raw_filters(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip() for k in FILTER_KEYS}


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def _query(raw: dict[str, str], **extra: Any) -> str:
    merged = {k: v for k, v in {**raw, **extra}.items() if v not in (None, "")}
    return urlencode(merged)


def findings_context(request: Request, session: Session, result: AuditResult) -> tuple[dict[str, Any], int]:
    """Context of the findings section, and the status to answer with (422 for a bad filter)."""
    raw = _raw_filters(request)
    error = None
    try:
        flt = parse_filter(session, **raw)
    except LedgerError as exc:
        error = str(exc)
        flt = FindingFilter()
    # Counts per rule follow every filter except the rule itself, so choosing an owner shows
    # that owner's profile across all rules, and a rule can be picked from it.
    without_rule = FindingFilter(owner=flt.owner, unit=flt.unit, since=flt.since, until=flt.until)
    scope = without_rule.apply(result.findings) if error is None else []
    selected = [f for f in scope if flt.rule is None or f.rule == flt.rule]
    pg = paginate(selected, _page_number(request), PAGE_SIZE)
    owner_ids = sorted({f.owner_id for f in result.findings if f.owner_id})
    unit_ids = sorted({f.unit_id for f in result.findings if f.unit_id})
    owners = _names(session, Official, owner_ids)
    units = _names(session, Unit, unit_ids)
    ctx = {
        "raw": raw,
        "error": error,
        "filtered": flt.active,
        "rules": RULES,
        "counts": [(rule_id, n) for rule_id, n in counts_by_rule(scope)],
        "total_all": len(result.findings),
        "page": pg,
        "owners": owners,
        "units": units,
        "owner_names": dict(owners),
        "query": lambda **extra: _query(raw, **extra),
    }
    return ctx, 422 if error else 200


def _names(session: Session, model: Any, ids: list[str]) -> list[tuple[str, str]]:
    if not ids:
        return []
    rows = session.execute(select(model.id, model.name).where(model.id.in_(ids))).all()
    found = {r.id: r.name for r in rows}
    return sorted(((i, found.get(i, i)) for i in ids), key=lambda p: (p[1].casefold(), p[0]))


def matrix_context(result: AuditResult) -> dict[str, Any]:
    totals = {k: Counter(d["requirements"][k] for d in result.disclosures) for k in REQUIREMENT_KEYS}
    return {
        "columns": REQUIREMENT_KEYS,
        "rows": result.disclosures[:MATRIX_ROWS],
        "total": len(result.disclosures),
        "totals": totals,
    }


def chart_context(result: AuditResult) -> dict[str, Any]:
    rows = person_rows(result.inspections_by_person)
    inspected = len(rows)
    repeated = sum(1 for r in rows if r.repeats > 0)
    most = max((len(r.inspections) for r in rows), default=0)
    alt = (
        f"Chart of lookout-linked inspections: {inspected} persons inspected, {repeated} of them more than once, "
        f"at most {most} inspections of one person."
    )
    return {"alt": alt, "key": rows if inspected <= MAX_PERSON_ROWS else [], "inspected": inspected}


@router.get("/dashboard")
def dashboard(request: Request, principal: Principal = Depends(requires(*OVERSIGHT_ROLES))) -> Response:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        result = cached_audit(request, s).result
        findings, status = findings_context(request, s, result)
        if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
            response = page(request, "_findings.html", findings, status_code=status)
            query = _query(findings["raw"], page=findings["page"].number if findings["page"].number > 1 else None)
            response.headers["HX-Push-Url"] = "/dashboard" + (f"?{query}" if query else "")
            return response
        context = {
            "title": "Oversight dashboard",
            "result": result,
            "lookouts": result.metrics["lookouts"],
            "disclosures": result.metrics["disclosures"],
            "chart": chart_context(result),
            "matrix": matrix_context(result),
            "integrity": integrity.status(s),
            **findings,
        }
        return page(request, "dashboard.html", context, status_code=400 if status == 422 else 200)


@router.get("/dashboard/checkpoint")
def checkpoint_download(request: Request, principal: Principal = Depends(requires(*OVERSIGHT_ROLES))) -> Response:
    return latest_checkpoint_file(ledger_of(request))


@router.get("/dashboard/figure-1.svg")
def figure_one(request: Request, principal: Principal = Depends(requires(*OVERSIGHT_ROLES))) -> Response:
    """Figure 1 as its own resource: an <img> keeps the page free of inline SVG styles (CSP)."""
    with ledger_of(request).reading() as s:
        cached = cached_audit(request, s)
        svg = cached.memo("figure-1.svg", lambda r: inspections_chart(r.inspections_by_person, fmt="svg"))
    return Response(svg, media_type="image/svg+xml")
