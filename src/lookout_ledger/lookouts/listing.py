""" "My lookouts": what an owner needs to see, each with whether it refers and what is owed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.lookouts import Lookout, LookoutTopic
from lookout_ledger.lookouts.common import acting, get_lookout
from lookout_ledger.lookouts.lifecycle_models import LookoutControl, LookoutReview, LookoutTransfer
from lookout_ledger.lookouts.state import referral_state
from lookout_ledger.lookouts.transfers import pending_for
from lookout_ledger.org.models import Official


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


@dataclass(frozen=True)
class LookoutSummary:
    """What a lookout says and who answers for it, for its page: the facts a reviewer checks
    before approving, and an owner re-reads before deciding after an inspection."""

    lookout_id: str
    person_id: str
    status_code: str
    suspected_activity: str | None
    basis: str | None
    information_sought: list[str]
    action: str
    owner_id: str
    owner_name: str | None
    created_by_id: str
    created_at: datetime
    expires_at: datetime | None
    periodic_review_due: datetime | None
    policy_label: str | None
    sensitive_reasons: list[str]
    review_window_days: int | None
    pending_transfer: LookoutTransfer | None


def lookout_summary(session: Session, lookout_id: str) -> LookoutSummary:
    lookout = get_lookout(session, lookout_id)
    control = session.get(LookoutControl, lookout_id)
    topics = session.execute(
        select(LookoutTopic.topic).where(LookoutTopic.lookout_id == lookout_id).order_by(LookoutTopic.position)
    ).scalars()
    owner = session.get(Official, lookout.owner_id)
    return LookoutSummary(
        lookout_id=lookout.id,
        person_id=lookout.person_id,
        status_code=lookout.status_code,
        suspected_activity=lookout.suspected_activity,
        basis=lookout.basis,
        information_sought=list(topics),
        action=lookout.action,
        owner_id=lookout.owner_id,
        owner_name=owner.name if owner else None,
        created_by_id=lookout.created_by_id,
        created_at=lookout.created_at,
        expires_at=control.expires_at if control else None,
        periodic_review_due=control.next_review_at if control else None,
        policy_label=f"{control.policy_name} {control.policy_version}" if control else None,
        sensitive_reasons=orjson.loads(control.sensitive_reasons) if control and control.sensitive else [],
        review_window_days=control.review_window_days if control else None,
        pending_transfer=pending_for(session, lookout_id),
    )
