"""The JSON API: the same use cases and role checks as the pages, for scripts and other tools.

`GET /api/audit` returns exactly the object of `lookout audit --format json` (the LIF audit
contract), so an overseer's tooling can read either. Errors are JSON `{"error": "..."}` with
a message that names the field at fault.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.timefmt import format_rfc3339, parse_instant
from lookout_ledger.http.deps import OVERSIGHT_ROLES, Principal, ledger_of, requires
from lookout_ledger.oversight.findings_query import counts_by_rule, finding_dict, parse_filter
from lookout_ledger.oversight.record_view import record
from lookout_ledger.people.service import reveal_person

router = APIRouter(prefix="/api", tags=["oversight"])
oversight = requires(*OVERSIGHT_ROLES)


def _audit(request: Request, session: Any, now: str | None) -> Any:
    at = None
    if now is not None and now.strip():
        try:
            at = parse_instant(now.strip())
        except ValueError as exc:
            raise LedgerError(f"now: {exc}") from None
    return request.app.state.audit_cache.get(ledger_of(request), session, at).result


@router.get("/audit", summary="The audit, as `lookout audit --format json` prints it")
def api_audit(
    request: Request,
    now: str | None = Query(None, description="Evaluation time (RFC 3339); default: the server's clock."),
    principal: Principal = Depends(oversight),
) -> dict[str, Any]:
    with ledger_of(request).reading() as s:
        return _audit(request, s, now).to_spec()


@router.get("/findings", summary="Findings, filtered by rule, owner, unit and date range")
def api_findings(
    request: Request,
    rule: str | None = Query(None, description="A rule id, e.g. LK-STALE-AFTER-INSPECTION."),
    owner: str | None = Query(None, description="Official id of the responsible owner."),
    unit: str | None = Query(None, description="Unit id of the responsible owner."),
    since: str | None = Query(None, description="From this date (YYYY-MM-DD, inclusive) or RFC 3339 time."),
    until: str | None = Query(None, description="Through this date (YYYY-MM-DD, inclusive) or RFC 3339 time."),
    now: str | None = Query(None, description="Evaluation time (RFC 3339); default: the server's clock."),
    principal: Principal = Depends(oversight),
) -> dict[str, Any]:
    with ledger_of(request).reading() as s:
        flt = parse_filter(s, rule=rule, owner=owner, unit=unit, since=since, until=until)
        result = _audit(request, s, now)
    selected = flt.apply(result.findings)
    return {
        "evaluated_at": format_rfc3339(result.evaluated_at),
        "filters": {"rule": rule, "owner": owner, "unit": unit, "since": since, "until": until},
        "total": len(selected),
        "counts": {rule_id: n for rule_id, n in counts_by_rule(selected) if n},
        "findings": [finding_dict(f) for f in selected],
    }


@router.get("/records/{record_type}/{record_id}", summary="One record with its history, findings and audit-log entries")
def api_record(
    request: Request, record_type: str, record_id: str, principal: Principal = Depends(oversight)
) -> dict[str, Any]:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        audit = request.app.state.audit_cache.get(ledger, s).result
        return record(
            s,
            record_type,
            record_id,
            personal=principal.personal,
            keyring=ledger.keyring,
            audit=audit,
            max_inspection_hours=float(ledger.policy.param("max_inspection_hours", 4)),
        )


class RevealRequest(BaseModel):
    purpose: str = Field(description="Why you need this person's identifying data; recorded in the audit log.")


@router.post(
    "/records/person/{person_id}/reveal",
    summary="Reveal a person's names, date of birth and documents for a stated purpose (logged)",
)
def api_reveal(
    request: Request, person_id: str, body: RevealRequest, principal: Principal = Depends(oversight)
) -> dict[str, Any]:
    ledger = ledger_of(request)
    with ledger.transaction() as s:
        view = reveal_person(ledger, s, person_id, principal.username, body.purpose)
    return view.as_dict()
