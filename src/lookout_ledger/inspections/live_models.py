"""The live side of a secondary inspection: what the ledger records beyond the LIF inspection
(who ran it, why restraint was used, the flags raised) and the device-search control (the
request with its reason, the supervisor's decision, the findings after)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core import state
from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant
from lookout_ledger.org.models import FK


class InspectionLive(Base):
    """What a live inspection records beyond LIF: who ran it, why restraint was used, flags."""

    __tablename__ = "inspection_live"

    inspection_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("inspections.id", ondelete="CASCADE", **FK), primary_key=True
    )
    officer_username: Mapped[str] = mapped_column(String(100), nullable=False)
    screening_id: Mapped[str | None] = mapped_column(String(60), ForeignKey("screenings.id", **FK))
    restraint_reason: Mapped[str | None] = mapped_column(Text)
    free_topics: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(Instant)
    duration_flagged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class DeviceSearch(Base):
    """An electronic device search: request with reason, supervisor's decision, findings after."""

    __tablename__ = "device_searches"

    inspection_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("inspections.id", ondelete="CASCADE", **FK), primary_key=True
    )
    requested_by: Mapped[str] = mapped_column(String(200), ForeignKey("officials.id", **FK), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    exigent: Mapped[bool] = mapped_column(Boolean, nullable=False)
    decision: Mapped[str | None] = mapped_column(String(10))  # approved | rejected
    decided_by: Mapped[str | None] = mapped_column(String(200), ForeignKey("officials.id", **FK))
    decided_at: Mapped[datetime | None] = mapped_column(Instant)
    decision_note: Mapped[str | None] = mapped_column(Text)
    performed_at: Mapped[datetime | None] = mapped_column(Instant)
    findings: Mapped[str | None] = mapped_column(Text)


# What `lookout verify` checks record by record (core/state.py).
state.track("inspection_live", InspectionLive, key="inspection_id")
state.track("device_search", DeviceSearch, key="inspection_id")
