"""Record pages: one lookout, inspection, disclosure, communication or person, with history.

A finding is only useful if a reviewer can see the facts behind it, so every finding links
here. The person page is where identifying data can be revealed, by a role that needs it,
for a stated purpose that goes into the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lookout_ledger.core.errors import LedgerError
from lookout_ledger.http.deps import OVERSIGHT_ROLES, Principal, ledger_of, requires
from lookout_ledger.oversight.record_view import RECORD_TYPES, record
from lookout_ledger.oversight.rules import RULES
from lookout_ledger.people.service import MIN_PURPOSE_CHARS, PersonView, reveal_person
from lookout_ledger.web.dashboard import cached_audit
from lookout_ledger.web.render import page

router = APIRouter(include_in_schema=False)

TYPE_TITLES = {
    "lookout": "Lookout",
    "inspection": "Inspection",
    "disclosure": "Disclosure",
    "communication": "Communication",
    "person": "Person",
}


def record_page(
    request: Request,
    principal: Principal,
    record_type: str,
    record_id: str,
    *,
    revealed: PersonView | None = None,
    reveal_error: str | None = None,
    purpose: str = "",
    status_code: int = 200,
) -> Response:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        audit = cached_audit(request, s).result
        data = record(
            s,
            record_type,
            record_id,
            personal=principal.personal,
            keyring=ledger.keyring,
            audit=audit,
            max_inspection_hours=float(ledger.policy.param("max_inspection_hours", 4)),
        )
    context = {
        "title": f"{TYPE_TITLES[record_type]} {record_id}",
        "type_title": TYPE_TITLES[record_type],
        "rec": data,
        "facts": data.get("facts", {}),
        "revealed": revealed,
        "reveal_error": reveal_error,
        "purpose": purpose,
        "min_purpose": MIN_PURPOSE_CHARS,
        "record_types": RECORD_TYPES,
        "rules": RULES,
    }
    return page(request, "record.html", context, status_code=status_code)


@router.get("/records/{record_type}/{record_id}")
def show_record(
    request: Request,
    record_type: str,
    record_id: str,
    principal: Principal = Depends(requires(*OVERSIGHT_ROLES)),
) -> Response:
    return record_page(request, principal, record_type, record_id)


@router.post("/records/person/{person_id}/reveal")
def reveal(
    request: Request,
    person_id: str,
    purpose: str = Form(""),
    principal: Principal = Depends(requires(*OVERSIGHT_ROLES)),
) -> Response:
    """Show the person's identifying data once, in this response; the read is logged with the purpose."""
    ledger = ledger_of(request)
    try:
        with ledger.transaction() as s:
            view = reveal_person(ledger, s, person_id, principal.username, purpose)
    except LedgerError as exc:
        if type(exc) is not LedgerError:
            raise  # NotFound / AuthError keep their own status
        return record_page(
            request, principal, "person", person_id, reveal_error=str(exc), purpose=purpose, status_code=400
        )
    return record_page(request, principal, "person", person_id, revealed=view)
