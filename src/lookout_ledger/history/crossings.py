"""Border crossings and the lookouts that matched at each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core import state
from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant
from lookout_ledger.org.models import FK


class Crossing(Base):
    __tablename__ = "crossings"
    __table_args__ = (Index("ix_crossings_person_at", "person_id", "at"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(200), ForeignKey("persons.id", **FK), nullable=False)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    port: Mapped[str] = mapped_column(Text, nullable=False)
    referred_secondary: Mapped[bool] = mapped_column(Boolean, nullable=False)


class CrossingLookout(Base):
    __tablename__ = "crossing_lookouts"

    crossing_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("crossings.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    lookout_id: Mapped[str] = mapped_column(String(200), ForeignKey("lookouts.id", **FK), nullable=False, index=True)


# What `lookout verify` checks record by record (core/state.py).
state.track("crossing", Crossing, parts=[(CrossingLookout, "crossing_id")])
