"""The screening log and the redress complaints.

Every screening is kept so a referral can be explained and replayed later, but the log
holds keyed hashes of the presented identity, never a copy: the log is read far more widely
than the sealed person tables, and a traveler who matched nothing is not a subject of
record. The matches themselves (lookout, score, explanation) are kept in the clear because
they are what the officer was told.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core import state
from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant
from lookout_ledger.org.models import FK

REDRESS_STATUSES = ("open", "closed")


class Screening(Base):
    __tablename__ = "screenings"
    __table_args__ = (Index("ix_screenings_at", "at"),)

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    port: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(String(10), nullable=False)  # live | batch
    input_id: Mapped[str | None] = mapped_column(Text)
    policy_name: Mapped[str] = mapped_column(String(100), nullable=False)
    policy_version: Mapped[str] = mapped_column(String(40), nullable=False)
    identity_hash: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    name_hash: Mapped[str | None] = mapped_column(String(32))
    dob_hash: Mapped[str | None] = mapped_column(String(32))
    document_hashes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    referred: Mapped[bool] = mapped_column(Boolean, nullable=False)
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    notified: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    crossing_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("crossings.id", **FK))


class RedressComplaint(Base):
    __tablename__ = "redress_complaints"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(200), ForeignKey("persons.id", **FK), nullable=False, index=True)
    received_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    complaint: Mapped[str] = mapped_column(Text, nullable=False)
    lookout_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    outcome: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(Instant)


# What `lookout verify` checks record by record (core/state.py).
state.track("redress_complaint", RedressComplaint)
