"""Tables of the live lookout lifecycle: controls, approvals, reviews, transfers, decisions.

The LIF tables (`lookouts`, `lookout_events`) stay the history an auditor reads, for imported
and live lookouts alike; these tables hold what only a live system knows: which approvals a
lookout still needs, which review is due by when, which transfer is waiting for its new
owner, and why each decision was taken (policy name, version and the rules that fired).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core import state
from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant
from lookout_ledger.org.models import FK

APPROVAL_STATUSES = ("pending", "approved", "rejected", "superseded")
REVIEW_KINDS = ("post_inspection", "referral_limit", "renewal")
REVIEW_DECISIONS = ("keep", "modify", "remove", "clear", "renew", "refuse", "superseded")
TRANSFER_STATUSES = ("pending", "accepted", "cancelled")


class LookoutControl(Base):
    """The live controls of one lookout placed through the lifecycle (imported ones have none)."""

    __tablename__ = "lookout_controls"

    lookout_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("lookouts.id", ondelete="CASCADE", **FK), primary_key=True
    )
    policy_name: Mapped[str] = mapped_column(String(200), nullable=False)
    policy_version: Mapped[str] = mapped_column(String(50), nullable=False)
    sensitive: Mapped[bool] = mapped_column(Boolean, nullable=False)
    sensitive_reasons: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list
    nexus: Mapped[str | None] = mapped_column(Text)
    review_window_days: Mapped[int] = mapped_column(Integer, nullable=False)
    periodic_review_days: Mapped[int] = mapped_column(Integer, nullable=False)
    referral_limit: Mapped[int] = mapped_column(Integer, nullable=False)
    referral_limit_days: Mapped[int] = mapped_column(Integer, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(Instant, nullable=False, index=True)
    next_review_at: Mapped[datetime] = mapped_column(Instant, nullable=False, index=True)
    # Idempotence markers of the sweep: each notice is sent once per due date.
    reminded_for: Mapped[datetime | None] = mapped_column(Instant)
    overdue_notified_for: Mapped[datetime | None] = mapped_column(Instant)
    expiry_handled_for: Mapped[datetime | None] = mapped_column(Instant)
    expiry_warned_for: Mapped[datetime | None] = mapped_column(Instant)


class LookoutApproval(Base):
    """One approval a lookout needs (a role), and who gave or refused it, in writing."""

    __tablename__ = "lookout_approvals"
    __table_args__ = (Index("ix_lookout_approvals_role_status", "role", "status"),)

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    lookout_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("lookouts.id", ondelete="CASCADE", **FK), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(30), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    decided_by_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("officials.id", **FK))
    decided_by_user: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(Instant)
    statement: Mapped[str | None] = mapped_column(Text)  # the written approval or reason for refusal


class LookoutReview(Base):
    """A decision the owner (post-inspection) or supervisor (referral limit) owes, with a deadline."""

    __tablename__ = "lookout_reviews"
    __table_args__ = (Index("ix_lookout_reviews_open", "decided_at", "due_at"),)

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    lookout_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("lookouts.id", ondelete="CASCADE", **FK), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    inspection_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("inspections.id", **FK))
    opened_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    due_at: Mapped[datetime | None] = mapped_column(Instant)
    decided_at: Mapped[datetime | None] = mapped_column(Instant)
    decision: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("officials.id", **FK))
    missed_at: Mapped[datetime | None] = mapped_column(Instant)  # the sweep disabled referral
    proposed_expires_at: Mapped[datetime | None] = mapped_column(Instant)  # renewal: the owner's new expiry


class LookoutTransfer(Base):
    """A transfer of ownership, pending until the new owner accepts it with the instructions."""

    __tablename__ = "lookout_transfers"
    __table_args__ = (Index("ix_lookout_transfers_to_status", "to_owner_id", "status"),)

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    lookout_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("lookouts.id", ondelete="CASCADE", **FK), nullable=False, index=True
    )
    from_owner_id: Mapped[str] = mapped_column(String(200), ForeignKey("officials.id", **FK), nullable=False)
    to_owner_id: Mapped[str] = mapped_column(String(200), ForeignKey("officials.id", **FK), nullable=False)
    from_unit_id: Mapped[str] = mapped_column(String(200), ForeignKey("units.id", **FK), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(100), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    instructions: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(Instant)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    escalated_at: Mapped[datetime | None] = mapped_column(Instant)


class LookoutDecision(Base):
    """Why the system did what it did: the policy (name, version) and the rule ids that fired."""

    __tablename__ = "lookout_decisions"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    lookout_id: Mapped[str | None] = mapped_column(String(200), index=True)  # null: a refused placement
    person_id: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    outcome: Mapped[str] = mapped_column(String(40), nullable=False)
    policy_name: Mapped[str] = mapped_column(String(200), nullable=False)
    policy_version: Mapped[str] = mapped_column(String(50), nullable=False)
    rules: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list of rule ids
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON


class PolicyAcknowledgment(Base):
    """A user's attestation that they were trained on one version of one policy."""

    __tablename__ = "policy_acknowledgments"

    username: Mapped[str] = mapped_column(
        String(100), ForeignKey("users.username", ondelete="CASCADE"), primary_key=True
    )
    policy_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    policy_version: Mapped[str] = mapped_column(String(50), primary_key=True)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)


# What `lookout verify` checks record by record (core/state.py).
state.track("lookout_control", LookoutControl, key="lookout_id")
state.track("lookout_approval", LookoutApproval)
state.track("lookout_review", LookoutReview)
state.track("lookout_transfer", LookoutTransfer)
state.track("lookout_decision", LookoutDecision)
