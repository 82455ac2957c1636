"""Inbox messages and the e-mail addresses they are also sent to.

A notice is a row first (the inbox is the record that the owner was told) and an e-mail
second; the e-mail's delivery state is kept beside it so an undelivered notice is visible,
not lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant

EMAIL_STATES = ("pending", "sent", "failed", "no_address")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient_read", "recipient", "read_at"),
        Index("ix_notifications_email_state", "email_state"),
    )

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    recipient: Mapped[str] = mapped_column(
        String(100), ForeignKey("users.username", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    kind: Mapped[str] = mapped_column(String(50), nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    lookout_id: Mapped[str | None] = mapped_column(String(200), index=True)
    read_at: Mapped[datetime | None] = mapped_column(Instant)
    email_state: Mapped[str] = mapped_column(String(20), nullable=False)
    emailed_at: Mapped[datetime | None] = mapped_column(Instant)
    email_error: Mapped[str | None] = mapped_column(Text)


class EmailAddress(Base):
    """Where a user's notices are e-mailed (official addresses only; users without one get the inbox)."""

    __tablename__ = "user_email_addresses"

    username: Mapped[str] = mapped_column(
        String(100), ForeignKey("users.username", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(320), nullable=False)
