"""Units and officials: who owns, approves and discloses."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lookout_ledger.core import state
from lookout_ledger.core.db import Base


class _Deferred(TypedDict):
    deferrable: bool
    initially: str


# Foreign keys checked at commit, not per statement: an import inserts in batches whose order need
# not follow the references (typed, so `ForeignKey(..., **FK)` type-checks).
FK: _Deferred = {"deferrable": True, "initially": "DEFERRED"}


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    # The unit's SOP allows foreign disclosure only by official e-mail to an official
    # address, in person, or by telephone (San Diego Disclosure SOP 3.1).
    restrict_disclosure_channels: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    required_approvals: Mapped[list[UnitRequiredApproval]] = relationship(
        order_by="UnitRequiredApproval.position", cascade="all, delete-orphan", lazy="selectin"
    )


class UnitRequiredApproval(Base):
    """A role that must approve, in writing and in advance, any disclosure about a U.S. person."""

    __tablename__ = "unit_required_approvals"

    unit_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("units.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(200), nullable=False)


class Official(Base):
    __tablename__ = "officials"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    unit_id: Mapped[str] = mapped_column(String(200), ForeignKey("units.id", **FK), nullable=False, index=True)
    role: Mapped[str | None] = mapped_column(Text)
    # Who in this ledger confirmed the title in `role`. An imported title is a claim and grants
    # nothing (no approval, no designated determination) until an administrator confirms it; an
    # import that changes the title clears the confirmation.
    title_confirmed_by: Mapped[str | None] = mapped_column(String(100))


# What `lookout verify` checks record by record (core/state.py).
state.track("unit", Unit, parts=[(UnitRequiredApproval, "unit_id")])
state.track("official", Official)
