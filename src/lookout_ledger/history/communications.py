"""Communications kept as federal records: e-mail, chat exports, notes of calls and meetings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core import sealed, state
from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant
from lookout_ledger.org.models import FK

COMM_CHANNELS = ("official_email", "personal_email", "whatsapp", "sms", "phone_note", "meeting_note", "other")
ACCOUNTS = ("official", "personal")


class Communication(Base):
    __tablename__ = "communications"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    account: Mapped[str] = mapped_column(String(10), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(Instant, nullable=False, index=True)
    sent_at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    sender: Mapped[str] = mapped_column(Text, nullable=False)
    recipients: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # Sealed (#16 item 4): names, dates of birth and passport numbers are in message text. The
    # associated data binds each ciphertext to its column and row, so values cannot be swapped.
    subject_enc: Mapped[str | None] = mapped_column(Text)
    body_enc: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    forwarded_to_official_at: Mapped[datetime | None] = mapped_column(Instant)
    forwarded_to_official_at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    retained: Mapped[bool] = mapped_column(Boolean, nullable=False)
    disclosure_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("disclosures.id", **FK), index=True)


SUBJECT = "communication.subject.{id}"
BODY = "communication.body.{id}"


def seal_text(keyring: Keyring, cid: str, subject: str | None, body: str | None) -> dict[str, str | None]:
    """The sealed columns of a communication, for an insert or an update."""
    return {
        "subject_enc": keyring.encrypt(subject, SUBJECT.format(id=cid)),
        "body_enc": keyring.encrypt(body, BODY.format(id=cid)),
    }


def subject_of(keyring: Keyring, c: Communication) -> str | None:
    return keyring.decrypt(c.subject_enc, SUBJECT.format(id=c.id))


def body_of(keyring: Keyring, c: Communication) -> str | None:
    return keyring.decrypt(c.body_enc, BODY.format(id=c.id))


# What `lookout verify` checks record by record (core/state.py), and what key rotation re-seals.
state.track("communication", Communication)
sealed.register("communications", ("id",), "subject_enc", SUBJECT)
sealed.register("communications", ("id",), "body_enc", BODY)
