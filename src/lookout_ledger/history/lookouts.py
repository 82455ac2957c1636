"""Lookouts, what they seek, and their events (modified, disabled, transferred, reviewed...)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core import state
from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant
from lookout_ledger.org.models import FK

STATUS_CODES = ("suspect", "non_suspect")
ACTIONS = ("refer_secondary", "notify_owner")


class EventKind(StrEnum):
    """The kinds of a LIF `lookout_event` (a closed enumeration of the contract)."""

    MODIFIED = "modified"
    REFERRAL_DISABLED = "referral_disabled"
    REFERRAL_ENABLED = "referral_enabled"
    REMOVED = "removed"
    TRANSFERRED = "transferred"
    TRANSFER_ACCEPTED = "transfer_accepted"
    REVIEWED = "reviewed"


EVENT_KINDS = tuple(k.value for k in EventKind)


class Lookout(Base):
    __tablename__ = "lookouts"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(200), ForeignKey("persons.id", **FK), nullable=False, index=True)
    owner_id: Mapped[str] = mapped_column(String(200), ForeignKey("officials.id", **FK), nullable=False, index=True)
    created_by_id: Mapped[str] = mapped_column(String(200), ForeignKey("officials.id", **FK), nullable=False)
    created_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    created_at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    status_code: Mapped[str] = mapped_column(String(20), nullable=False)
    suspected_activity: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    approved_by_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("officials.id", **FK))
    approved_at: Mapped[datetime | None] = mapped_column(Instant)
    approved_at_offset: Mapped[int | None] = mapped_column(SmallInteger)


class LookoutTopic(Base):
    """One topic of a lookout's information_sought; `topic_norm` is case-folded and trimmed."""

    __tablename__ = "lookout_topics"

    lookout_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("lookouts.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(Text, nullable=False)
    topic_norm: Mapped[str] = mapped_column(Text, nullable=False)


class LookoutEvent(Base):
    __tablename__ = "lookout_events"
    __table_args__ = (Index("ix_lookout_events_lookout_at", "lookout_id", "at"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    lookout_id: Mapped[str] = mapped_column(String(200), ForeignKey("lookouts.id", **FK), nullable=False)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    actor_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("officials.id", **FK))
    to_owner_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("officials.id", **FK))
    notice: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)


def normalise_topic(topic: str) -> str:
    """Topics are compared after case folding and whitespace trimming (LIF spec)."""
    return topic.strip().casefold()


# What `lookout verify` checks record by record (core/state.py).
state.track("lookout", Lookout, parts=[(LookoutTopic, "lookout_id")])
state.track("lookout_event", LookoutEvent)
