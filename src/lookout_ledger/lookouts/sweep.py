"""The time-based controls, run by `lookout sweep --now T` and on a schedule by the server.

The review found that TECS's automatic clean-up applied only to unapproved lookouts, so
approved ones stayed until someone remembered them. The sweep applies to every live lookout:
post-inspection deadlines (disable referral, tell owner and supervisor), expiry (disable
referral), periodic-review reminders and overdue notices, and unaccepted transfers
(escalate to the supervisor). Each action leaves a marker, so running it twice at the same
time changes nothing the second time; on PostgreSQL a transaction-level advisory lock keeps
two servers from sweeping at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.lookouts import Lookout
from lookout_ledger.lookouts.common import (
    add_event,
    record_decision,
    supervisors_of,
    users_of_official,
    users_with_role,
)
from lookout_ledger.lookouts.lifecycle_models import LookoutControl, LookoutReview, LookoutTransfer
from lookout_ledger.lookouts.state import event_state
from lookout_ledger.lookouts.transfers import escalation_due
from lookout_ledger.notifications.service import Notice, notify

SWEEP_LOCK_KEY = 0x4C4B5357  # "LKSW"


@dataclass
class SweepReport:
    at: datetime
    post_inspection_disabled: list[str] = field(default_factory=list)
    expired_disabled: list[str] = field(default_factory=list)
    review_reminders: list[str] = field(default_factory=list)
    expiry_warnings: list[str] = field(default_factory=list)
    review_overdue: list[str] = field(default_factory=list)
    transfers_escalated: list[str] = field(default_factory=list)
    inspections_flagged: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(len(v) for v in self.as_dict().values() if isinstance(v, list))

    def as_dict(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "post_inspection_disabled": self.post_inspection_disabled,
            "expired_disabled": self.expired_disabled,
            "review_reminders": self.review_reminders,
            "expiry_warnings": self.expiry_warnings,
            "review_overdue": self.review_overdue,
            "transfers_escalated": self.transfers_escalated,
            "inspections_flagged": self.inspections_flagged,
        }


def _status(session: Session, lookout_id: str) -> tuple[bool, bool]:
    """(removed, referral currently disabled): the lifecycle's one reading of its events."""
    st = event_state(session, lookout_id)
    return st.removed, st.disabled


SweepStep = Callable[[Ledger, Session], list[str]]


def sweep(ledger: Ledger, session: Session, steps: dict[str, SweepStep] | None = None) -> SweepReport:
    """Apply every time-based control due at `ledger.now()`, inside the caller's transaction."""
    now = ledger.now()
    policy = ledger.policy
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_KEY})
    report = SweepReport(at=now)

    # Post-inspection deadlines passed with no decision.
    for review, lookout in session.execute(
        select(LookoutReview, Lookout)
        .join(Lookout, Lookout.id == LookoutReview.lookout_id)
        .where(
            LookoutReview.kind == "post_inspection",
            LookoutReview.decided_at.is_(None),
            LookoutReview.missed_at.is_(None),
            LookoutReview.due_at <= now,
        )
        .order_by(LookoutReview.due_at, LookoutReview.id)
    ).all():
        review.missed_at = now
        due_at = cast(datetime, review.due_at)  # a post-inspection review always has its deadline
        removed, disabled = _status(session, lookout.id)
        if not removed and not disabled:
            add_event(
                session,
                lookout.id,
                "referral_disabled",
                due_at,
                actor_id=None,
                reason=f"No decision within the review window after inspection {review.inspection_id} "
                f"(due {due_at.isoformat()}); disabled automatically.",
            )
        report.post_inspection_disabled.append(lookout.id)
        record_decision(
            session,
            policy,
            at=now,
            actor="sweep",
            action="sweep.post_inspection",
            outcome="referral_disabled",
            rules=["LC-POST-INSPECTION-REVIEW"],
            lookout_id=lookout.id,
            person_id=lookout.person_id,
            detail={"review_id": review.id, "inspection_id": review.inspection_id, "due_at": due_at.isoformat()},
        )
        notify(
            session,
            [*users_of_official(session, lookout.owner_id), *supervisors_of(session, lookout.owner_id)],
            Notice(
                "review_missed",
                f"Lookout {lookout.id}: no review after inspection, referral disabled",
                f"No keep, modify or remove decision was recorded for lookout {lookout.id} by "
                f"{due_at.isoformat()} after inspection {review.inspection_id}. Its referral is disabled "
                f"({policy.label}, LC-POST-INSPECTION-REVIEW). The owner may still review it: keeping it with a "
                "new reason re-enables it.",
                lookout.id,
            ),
            now,
        )

    controls = session.execute(
        select(LookoutControl, Lookout).join(Lookout, Lookout.id == LookoutControl.lookout_id).order_by(Lookout.id)
    ).all()
    reminder = timedelta(days=int(policy.param("reminder_days", 7)))
    for control, lookout in controls:
        removed, disabled = _status(session, lookout.id)
        if removed:
            continue
        owners = users_of_official(session, lookout.owner_id)
        if control.expires_at <= now and control.expiry_handled_for != control.expires_at:
            control.expiry_handled_for = control.expires_at
            if not disabled:
                add_event(
                    session,
                    lookout.id,
                    "referral_disabled",
                    control.expires_at,
                    actor_id=None,
                    reason=f"Expired {control.expires_at.isoformat()} without renewal; disabled automatically.",
                )
            report.expired_disabled.append(lookout.id)
            record_decision(
                session,
                policy,
                at=now,
                actor="sweep",
                action="sweep.expiry",
                outcome="referral_disabled",
                rules=["LC-EXPIRY"],
                lookout_id=lookout.id,
                person_id=lookout.person_id,
                detail={"expires_at": control.expires_at.isoformat()},
            )
            notify(
                session,
                [*owners, *supervisors_of(session, lookout.owner_id)],
                Notice(
                    "expired",
                    f"Lookout {lookout.id} expired; referral disabled",
                    f"Lookout {lookout.id} expired on {control.expires_at.isoformat()}. Renew it with a recorded "
                    "reassessment if it is still needed, or remove it.",
                    lookout.id,
                ),
                now,
            )
            continue
        if control.expires_at - reminder <= now and control.expiry_warned_for != control.expires_at:
            control.expiry_warned_for = control.expires_at
            report.expiry_warnings.append(lookout.id)
            notify(
                session,
                [*owners, *supervisors_of(session, lookout.owner_id)],
                Notice(
                    "expiry_warning",
                    f"Lookout {lookout.id} lapses on {control.expires_at:%Y-%m-%d}",
                    f"Lookout {lookout.id} expires on {control.expires_at.isoformat()} and then refers nobody. If it "
                    "is still needed, the owner records a reassessment and asks to renew it, and a supervisor of "
                    "the owner's unit decides; otherwise let it lapse or remove it.",
                    lookout.id,
                ),
                now,
            )
        due = control.next_review_at
        if due <= now and control.overdue_notified_for != due:
            control.overdue_notified_for = due
            report.review_overdue.append(lookout.id)
            record_decision(
                session,
                policy,
                at=now,
                actor="sweep",
                action="sweep.periodic_review",
                outcome="overdue_notified",
                rules=["LC-PERIODIC-REVIEW"],
                lookout_id=lookout.id,
                person_id=lookout.person_id,
                detail={"due": due.isoformat()},
            )
            notify(
                session,
                [*owners, *supervisors_of(session, lookout.owner_id)],
                Notice(
                    "review_overdue",
                    f"Lookout {lookout.id}: periodic review overdue",
                    f"The periodic review of lookout {lookout.id} was due {due.isoformat()}. Record a reassessment "
                    "(renew) or remove it.",
                    lookout.id,
                ),
                now,
            )
        elif due - reminder <= now < due and control.reminded_for != due:
            control.reminded_for = due
            report.review_reminders.append(lookout.id)
            notify(
                session,
                owners,
                Notice(
                    "review_reminder",
                    f"Lookout {lookout.id}: periodic review due {due:%Y-%m-%d}",
                    f"Lookout {lookout.id} is due for its periodic review on {due.isoformat()} and expires on "
                    f"{control.expires_at.isoformat()}. Record a reassessment (renew) or remove it.",
                    lookout.id,
                ),
                now,
            )

    days = int(policy.param("transfer_escalation_days", 3))
    for transfer in session.execute(
        select(LookoutTransfer).where(LookoutTransfer.status == "pending", LookoutTransfer.escalated_at.is_(None))
    ).scalars():
        if not escalation_due(transfer, now, days):
            continue
        transfer.escalated_at = now
        report.transfers_escalated.append(transfer.lookout_id)
        escalated = session.get(Lookout, transfer.lookout_id)
        record_decision(
            session,
            policy,
            at=now,
            actor="sweep",
            action="sweep.transfer",
            outcome="escalated",
            rules=["LC-TRANSFER-ACCEPTANCE"],
            lookout_id=transfer.lookout_id,
            person_id=escalated.person_id if escalated else None,
            detail={"transfer_id": transfer.id},
        )
        notify(
            session,
            users_with_role(session, Role.SUPERVISOR, transfer.from_unit_id),
            Notice(
                "transfer_escalated",
                f"Transfer of lookout {transfer.lookout_id} not accepted after {days} days",
                f"{transfer.to_owner_id} has not accepted lookout {transfer.lookout_id}, requested by "
                f"{transfer.requested_by} on {transfer.requested_at.isoformat()}. It stays with "
                f"{transfer.from_owner_id}. Follow up, or cancel and reassign it.",
                transfer.lookout_id,
            ),
            now,
        )
    # Steps of capabilities built on the lifecycle (inspections open past the policy's limit) are
    # handed in by the composition (`lookout_ledger.jobs`), so the lifecycle imports none of them.
    for name, step in (steps or {}).items():
        getattr(report, name).extend(step(ledger, session))

    session.flush()
    if report.changes:
        ledger.audit(session, "sweep", "lookout.sweep", None, None, report.as_dict())
    return report
