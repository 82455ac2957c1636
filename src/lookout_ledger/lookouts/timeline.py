"""A lookout's life in one list: placed, approvals, modifications, referral on/off, inspections,
reviews and transfers, oldest first. The review reconstructed this from TECS data, interview
reports and e-mails; here the CLI, the API and the page read the same list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.history.inspections import Inspection, InspectionLookout
from lookout_ledger.history.lookouts import LookoutEvent
from lookout_ledger.lookouts.common import get_lookout
from lookout_ledger.lookouts.lifecycle_models import LookoutApproval, LookoutReview, LookoutTransfer

LABELS = {
    "modified": "Modified",
    "referral_disabled": "Referral disabled",
    "referral_enabled": "Referral enabled",
    "removed": "Removed",
    "transferred": "Transferred",
    "transfer_accepted": "Transfer accepted",
    "reviewed": "Reviewed",
}

TITLES = {
    "placed": "Placed",
    "approved": "Approved",
    "approval_requested": "Approval requested",
    "approval_approved": "Approval given",
    "approval_rejected": "Approval refused",
    "inspection": "Inspection",
    "post_inspection_opened": "Decision owed after inspection",
    "post_inspection_decided": "Decision after inspection",
    "post_inspection_missed": "Decision after inspection missed",
    "referral_limit_opened": "Referral limit reached",
    "referral_limit_decided": "Referral limit reviewed",
    "referral_limit_missed": "Referral limit review missed",
    "transfer_requested": "Transfer requested",
    "transfer_escalated": "Transfer escalated",
    "transfer_cancelled": "Transfer cancelled",
    **LABELS,
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    actor: str | None
    text: str
    order: str = ""

    @property
    def title(self) -> str:
        return TITLES.get(self.kind, self.kind.replace("_", " ").capitalize())

    def as_dict(self) -> dict[str, object]:
        return {"at": format_rfc3339(self.at), "kind": self.kind, "actor": self.actor, "text": self.text}


def timeline(session: Session, lookout_id: str) -> list[Entry]:
    lk = get_lookout(session, lookout_id)
    out = [Entry(lk.created_at, "placed", lk.created_by_id, f"Placed ({lk.status_code}, {lk.action})", "0")]
    for a in session.execute(select(LookoutApproval).where(LookoutApproval.lookout_id == lookout_id)).scalars():
        out.append(Entry(a.requested_at, "approval_requested", None, f"{a.role.title()} approval requested", a.id))
        if a.decided_at is not None and a.status in ("approved", "rejected", "superseded"):
            verdict = "approved" if a.status == "superseded" else a.status
            out.append(
                Entry(
                    a.decided_at,
                    f"approval_{verdict}",
                    a.decided_by_id,
                    f"{a.role.title()} {verdict}: {a.statement}",
                    a.id,
                )
            )
    if (
        lk.approved_by_id
        and not session.execute(
            select(LookoutApproval.id).where(LookoutApproval.lookout_id == lookout_id).limit(1)
        ).first()
    ):
        out.append(
            Entry(lk.approved_at or lk.created_at, "approved", lk.approved_by_id, "Approved (imported record)", "1")
        )
    for ev in session.execute(select(LookoutEvent).where(LookoutEvent.lookout_id == lookout_id)).scalars():
        text = LABELS.get(ev.kind, ev.kind)
        if ev.kind == "transferred":
            text += f" to {ev.to_owner_id} (notice: {ev.notice})"
        if ev.reason:
            text += f": {ev.reason}"
        out.append(Entry(ev.at, ev.kind, ev.actor_id or "system", text, ev.id))
    inspections = session.execute(
        select(Inspection)
        .join(InspectionLookout, InspectionLookout.inspection_id == Inspection.id)
        .where(InspectionLookout.lookout_id == lookout_id)
    ).scalars()
    for ins in inspections:
        # "0": at the same instant, the inspection comes before the review it opens
        out.append(Entry(ins.started_at, "inspection", None, f"Inspection {ins.id} of {ins.person_id}", "0" + ins.id))
    for rv in session.execute(select(LookoutReview).where(LookoutReview.lookout_id == lookout_id)).scalars():
        due = f", due {format_rfc3339(rv.due_at)}" if rv.due_at else ""
        label = "Post-inspection review" if rv.kind == "post_inspection" else "Referral-limit review"
        out.append(Entry(rv.opened_at, f"{rv.kind}_opened", None, f"{label} opened{due}", rv.id))
        if rv.decided_at is not None:
            out.append(
                Entry(
                    rv.decided_at, f"{rv.kind}_decided", rv.decided_by_id, f"{label}: {rv.decision}: {rv.reason}", rv.id
                )
            )
        elif rv.missed_at is not None:
            out.append(Entry(rv.missed_at, f"{rv.kind}_missed", "sweep", f"{label} missed", rv.id))
    for tr in session.execute(select(LookoutTransfer).where(LookoutTransfer.lookout_id == lookout_id)).scalars():
        out.append(
            Entry(
                tr.requested_at,
                "transfer_requested",
                tr.requested_by,
                f"Transfer to {tr.to_owner_id} requested: {tr.instructions}",
                tr.id,
            )
        )
        if tr.escalated_at is not None:
            out.append(Entry(tr.escalated_at, "transfer_escalated", "sweep", "Not accepted in time; escalated", tr.id))
        if tr.status == "cancelled" and tr.decided_at is not None:
            out.append(
                Entry(tr.decided_at, "transfer_cancelled", tr.decided_by, "Transfer cancelled or declined", tr.id)
            )
    return sorted(out, key=lambda e: (e.at, _creation_order(e.order)))


_LIVE_ID = re.compile(r"^[a-z]{2}-([0-9a-f]{16})[0-9a-f]{6}$")


def _creation_order(order: str) -> str:
    """Rows written at the same instant sort in the order they were written: live ids carry
    their creation time after a kind prefix (`ev-`, `rv-`, `tr-`), which must not decide it."""
    match = _LIVE_ID.match(order)
    return match.group(1) if match else order
