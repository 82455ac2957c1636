""" "My lookouts": what an owner needs to see, each with whether it refers and what is owed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.lookouts.common import acting
from lookout_ledger.lookouts.lifecycle_models import LookoutControl, LookoutReview
from lookout_ledger.lookouts.models import Lookout
from lookout_ledger.lookouts.state import referral_state


@dataclass(frozen=True)
class OwnedLookout:
    lookout_id: str
    person_id: str
    status_code: str
    refers: bool
    blockers: list[str]
    review_due: datetime | None
    periodic_review_due: datetime | None
    expires_at: datetime | None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.lookout_id,
            "person_id": self.person_id,
            "status_code": self.status_code,
            "refers": self.refers,
            "blockers": self.blockers,
            "review_due": self.review_due.isoformat() if self.review_due else None,
            "periodic_review_due": self.periodic_review_due.isoformat() if self.periodic_review_due else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }


def my_lookouts(ledger: Ledger, session: Session, username: str) -> list[OwnedLookout]:
    actor = acting(session, username)
    now = ledger.now()
    rows = session.execute(
        select(Lookout, LookoutControl)
        .outerjoin(LookoutControl, LookoutControl.lookout_id == Lookout.id)
        .where(Lookout.owner_id == actor.official_id)
        .order_by(Lookout.created_at.desc())
    ).all()
    out = []
    for lookout, control in rows:
        due = session.execute(
            select(LookoutReview.due_at)
            .where(
                LookoutReview.lookout_id == lookout.id,
                LookoutReview.decided_at.is_(None),
                LookoutReview.kind == "post_inspection",
            )
            .order_by(LookoutReview.due_at)
            .limit(1)
        ).scalar()
        st = referral_state(session, lookout.id, now, ledger.policy)
        out.append(
            OwnedLookout(
                lookout.id,
                lookout.person_id,
                lookout.status_code,
                st.refers,
                [f"{b.rule}: {b.reason}" for b in st.reasons],
                due,
                control.next_review_at if control else None,
                control.expires_at if control else None,
            )
        )
    return out
