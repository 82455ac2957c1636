"""Secondary inspections: who was interviewed, why, what was asked, how long, device searches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core import state
from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant
from lookout_ledger.org.models import FK


class Inspection(Base):
    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_person_started", "person_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(200), ForeignKey("persons.id", **FK), nullable=False)
    crossing_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("crossings.id", **FK), index=True)
    started_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    started_at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    ended_at: Mapped[datetime | None] = mapped_column(Instant)
    ended_at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    documented: Mapped[bool] = mapped_column(Boolean, nullable=False)
    information_obtained: Mapped[str | None] = mapped_column(Text)
    new_information: Mapped[bool | None] = mapped_column(Boolean)
    restrained: Mapped[bool | None] = mapped_column(Boolean)
    # device_search: all four null when the LIF value is null; ds_performed is set otherwise.
    ds_performed: Mapped[bool | None] = mapped_column(Boolean)
    ds_reason: Mapped[str | None] = mapped_column(Text)
    ds_supervisor_approval_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("officials.id", **FK))
    ds_findings_documented: Mapped[bool | None] = mapped_column(Boolean)


class InspectionLookout(Base):
    __tablename__ = "inspection_lookouts"

    inspection_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("inspections.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    lookout_id: Mapped[str] = mapped_column(String(200), ForeignKey("lookouts.id", **FK), nullable=False, index=True)


class InspectionOfficer(Base):
    __tablename__ = "inspection_officers"

    inspection_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("inspections.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    official_id: Mapped[str] = mapped_column(String(200), ForeignKey("officials.id", **FK), nullable=False)


class InspectionTopic(Base):
    __tablename__ = "inspection_topics"

    inspection_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("inspections.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(Text, nullable=False)
    topic_norm: Mapped[str] = mapped_column(Text, nullable=False)


# What `lookout verify` checks record by record (core/state.py).
state.track(
    "inspection",
    Inspection,
    parts=[
        (InspectionLookout, "inspection_id"),
        (InspectionOfficer, "inspection_id"),
        (InspectionTopic, "inspection_id"),
    ],
)
