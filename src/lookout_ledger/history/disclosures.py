"""Disclosures of people's information to foreign governments, with the facts Appendix C of
the review tracks (advisement, marking, channel, encryption, record, retention)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core import state
from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant
from lookout_ledger.org.models import FK

CHANNELS = ("official_email", "personal_email", "whatsapp", "in_person", "phone", "other", "unknown")
REQUESTED_ACTIONS = ("none", "information_request", "be_on_lookout", "deny_entry", "unknown")


class Disclosure(Base):
    __tablename__ = "disclosures"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    unit_id: Mapped[str] = mapped_column(String(200), ForeignKey("units.id", **FK), nullable=False, index=True)
    discloser_id: Mapped[str] = mapped_column(String(200), ForeignKey("officials.id", **FK), nullable=False)
    # recipient: all four null when the LIF value is null
    recipient_country: Mapped[str | None] = mapped_column(Text)
    recipient_agency: Mapped[str | None] = mapped_column(Text)
    recipient_official: Mapped[str | None] = mapped_column(Text)
    recipient_address: Mapped[str | None] = mapped_column(Text)
    recipient_present: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    recipient_address_official: Mapped[bool | None] = mapped_column(Boolean)
    spii: Mapped[bool] = mapped_column(Boolean, nullable=False)
    encrypted: Mapped[bool | None] = mapped_column(Boolean)
    confidentiality_advisement: Mapped[bool | None] = mapped_column(Boolean)
    sensitivity_marking: Mapped[bool | None] = mapped_column(Boolean)
    # foreign_request: null when disclosed proactively; request_written set otherwise
    request_present: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    request_written: Mapped[bool | None] = mapped_column(Boolean)
    request_received_at: Mapped[datetime | None] = mapped_column(Instant)
    request_received_at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    law_enforcement_reason: Mapped[str | None] = mapped_column(Text)
    recorded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    retained: Mapped[bool | None] = mapped_column(Boolean)
    requested_action: Mapped[str | None] = mapped_column(String(30))


class DisclosurePerson(Base):
    __tablename__ = "disclosure_persons"

    disclosure_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("disclosures.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(200), ForeignKey("persons.id", **FK), nullable=False, index=True)


class DisclosureApproval(Base):
    __tablename__ = "disclosure_approvals"

    disclosure_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("disclosures.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str | None] = mapped_column(String(200))
    official_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("officials.id", **FK))
    at: Mapped[datetime | None] = mapped_column(Instant)
    at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    written: Mapped[bool | None] = mapped_column(Boolean)


# What `lookout verify` checks record by record (core/state.py).
state.track(
    "disclosure", Disclosure, parts=[(DisclosurePerson, "disclosure_id"), (DisclosureApproval, "disclosure_id")]
)
