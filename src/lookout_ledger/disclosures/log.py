"""The disclosure log: every disclosure, imported or made through the workflow, with its request,
approvals, content digest, recipient, channel and purpose.

The review could not reconstruct what was sent to whom; the log answers that from one place.
Imported (LIF) disclosures have no workflow facts, so their columns say so (`source`: lif).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.disclosures.workflow_models import DisclosureDraft
from lookout_ledger.history.disclosures import Disclosure, DisclosureApproval, DisclosurePerson


def log_entries(session: Session) -> list[dict[str, Any]]:
    drafts = {d.disclosure_id: d for d in session.execute(select(DisclosureDraft)).scalars() if d.disclosure_id}
    persons: dict[str, list[str]] = {}
    for did, pid in session.execute(
        select(DisclosurePerson.disclosure_id, DisclosurePerson.person_id).order_by(
            DisclosurePerson.disclosure_id, DisclosurePerson.position
        )
    ):
        persons.setdefault(did, []).append(pid)
    approvals: dict[str, list[dict[str, Any]]] = {}
    for a in session.execute(
        select(DisclosureApproval).order_by(DisclosureApproval.disclosure_id, DisclosureApproval.position)
    ).scalars():
        approvals.setdefault(a.disclosure_id, []).append(
            {
                "role": a.role,
                "official_id": a.official_id,
                "at": a.at.isoformat() if a.at else None,
                "written": a.written,
            }
        )
    out = []
    for d in session.execute(select(Disclosure).order_by(Disclosure.at, Disclosure.id)).scalars():
        draft = drafts.get(d.id)
        out.append(
            {
                "id": d.id,
                "at": d.at.isoformat(),
                "source": "workflow" if draft else "lif",
                "unit_id": d.unit_id,
                "discloser_id": d.discloser_id,
                "recipient": {
                    "country": d.recipient_country,
                    "agency": d.recipient_agency,
                    "official": d.recipient_official,
                    "address": d.recipient_address,
                }
                if d.recipient_present
                else None,
                "channel": d.channel,
                "purpose": draft.purpose if draft else None,
                "law_enforcement_reason": d.law_enforcement_reason,
                "requested_action": d.requested_action,
                "request": (
                    {"id": draft.request_id if draft else None, "written": d.request_written}
                    if d.request_present
                    else None
                ),
                "persons": persons.get(d.id, []),
                "fields": list(draft.fields) if draft else None,
                "approvals": approvals.get(d.id, []),
                "content_digest": draft.content_digest if draft else None,
                "draft_id": draft.id if draft else None,
            }
        )
    return out
