"""Redress: a traveler's complaint puts every active lookout on them up for review.

A traveler referred again and again has no view of the lookouts behind it, so the complaint
is recorded against the person and every lookout on them that is not removed gets a review
the owner owes (kind "redress", due within the policy's review window), with the complaint
in the owner's inbox. The complaint's outcome is recorded by a supervisor once the owners
have answered.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.ids import new_id
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.lookouts import Lookout, LookoutEvent
from lookout_ledger.lookouts.common import acting, clean_text, record_decision, users_of_official
from lookout_ledger.lookouts.lifecycle_models import LookoutReview
from lookout_ledger.notifications.service import Notice, notify
from lookout_ledger.people.models import Person
from lookout_ledger.screening.log_models import RedressComplaint

MIN_COMPLAINT_CHARS = 15
# Who takes a traveler's complaint: the officer at the port, a supervisor, the records office.
# Not the auditor, who judges how complaints were handled, nor the administrator, who runs the
# system and works no case (#16 item 6).
COMPLAINT_RECORDERS = (Role.PORT_OFFICER, Role.SUPERVISOR, Role.RECORDS_OFFICER)


def record_complaint(
    ledger: Ledger, session: Session, username: str, person_id: str, complaint: str
) -> RedressComplaint:
    actor = acting(session, username)
    if not actor.user.has_role(*COMPLAINT_RECORDERS):
        need = " or ".join(str(r) for r in COMPLAINT_RECORDERS)
        raise AuthError(f"{username} needs the role {need} to record a redress complaint")
    if session.get(Person, person_id) is None:
        raise NotFound(f"no person {person_id!r}")
    text = clean_text(complaint)
    if len(text) < MIN_COMPLAINT_CHARS:
        raise LedgerError(f"complaint: state the complaint in at least {MIN_COMPLAINT_CHARS} characters")
    at = ledger.now()
    removed = select(LookoutEvent.lookout_id).where(LookoutEvent.kind == "removed", LookoutEvent.at <= at)
    lookouts = list(
        session.execute(
            select(Lookout).where(Lookout.person_id == person_id, Lookout.id.not_in(removed)).order_by(Lookout.id)
        ).scalars()
    )
    row = RedressComplaint(
        id=new_id("rd"),
        person_id=person_id,
        received_at=at,
        recorded_by=username,
        complaint=text,
        lookout_ids=[lk.id for lk in lookouts],
        status="open",
    )
    session.add(row)
    session.flush()
    for lk in lookouts:
        review = LookoutReview(
            id=new_id("rv"),
            lookout_id=lk.id,
            kind="redress",
            opened_at=at,
            due_at=at + timedelta(days=ledger.policy.review_window_days),
            reason=f"redress complaint {row.id}",
        )
        session.add(review)
        session.flush()
        record_decision(
            session,
            ledger.policy,
            at=at,
            actor=username,
            action="redress.complaint",
            outcome="review_opened",
            rules=[],
            lookout_id=lk.id,
            person_id=person_id,
            detail={"complaint_id": row.id},
        )
        notify(
            session,
            users_of_official(session, lk.owner_id),
            Notice(
                "redress_review",
                f"Redress complaint about person {person_id}: review lookout {lk.id}",
                f"Person {person_id} complained: {text}. Review whether lookout {lk.id} is still justified "
                f"(keep with a new reason, modify or remove) by {cast(datetime, review.due_at).isoformat()}.",
                lk.id,
            ),
            at,
        )
    ledger.audit(
        session, username, "redress.complaint", "person", person_id, {"complaint": row.id, "lookouts": row.lookout_ids}
    )
    return row


def decide_complaint(
    ledger: Ledger, session: Session, username: str, complaint_id: str, outcome: str
) -> RedressComplaint:
    actor = acting(session, username)
    if not actor.user.has_role(Role.SUPERVISOR):
        raise AuthError(f"{username} needs the role supervisor to record a redress outcome")
    row = session.get(RedressComplaint, complaint_id)
    if row is None:
        raise NotFound(f"no redress complaint {complaint_id!r}")
    if row.status == "closed":
        raise LedgerError(f"complaint {complaint_id} already has its outcome")
    text = clean_text(outcome)
    if len(text) < MIN_COMPLAINT_CHARS:
        raise LedgerError(f"outcome: state the outcome in at least {MIN_COMPLAINT_CHARS} characters")
    row.status, row.outcome, row.decided_by, row.decided_at = "closed", text, username, ledger.now()
    session.flush()
    ledger.audit(session, username, "redress.outcome", "person", row.person_id, {"complaint": row.id})
    return row
