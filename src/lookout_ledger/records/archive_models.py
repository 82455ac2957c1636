"""Tables of the communications archive, beside the LIF `communications` table.

A communication row is what LIF exchanges; the archive keeps what a records officer needs
around it: where the message came from (the original file, kept byte for byte and sealed,
and the line in it), how it is classified and scheduled, the holds that freeze it, the
tombstone left when it is disposed of, and the aliases that let a records request find the
people a message names.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core import sealed, state
from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant
from lookout_ledger.history import communications as _communications  # noqa: F401  (the record type extended below)
from lookout_ledger.org.models import FK

CLASSIFICATIONS = ("record", "non_record", "transitory")
ALIAS_KINDS = ("name", "phone", "email", "chat_name")


class RecordBlob(Base):
    """Bytes kept content-addressed (sha256 of the whole plaintext), sealed in chunks with the ledger key.

    Chunks keep a large mbox from having to be sealed (and held in memory) in one piece.
    """

    __tablename__ = "record_blobs"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content_enc: Mapped[str] = mapped_column(Text, nullable=False)


class RecordImport(Base):
    """One imported file; its digest is unique, so the same file is never stored twice."""

    __tablename__ = "record_imports"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(Text, nullable=False)
    format: Mapped[str] = mapped_column(String(30), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    account: Mapped[str] = mapped_column(String(10), nullable=False)
    owner_id: Mapped[str] = mapped_column(String(200), ForeignKey("officials.id", **FK), nullable=False)
    timezone: Mapped[str | None] = mapped_column(String(64))
    case_label: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    imported_by: Mapped[str] = mapped_column(String(100), nullable=False)
    stored: Mapped[int] = mapped_column(Integer, nullable=False)
    duplicates: Mapped[int] = mapped_column(Integer, nullable=False)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, nullable=False, default=dict)


class RecordMessage(Base):
    """Archive facts of one communication: provenance, owner, classification, schedule."""

    __tablename__ = "record_messages"
    __table_args__ = (Index("ix_record_messages_owner_forward", "owner_id", "forward_due_at"),)

    communication_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("communications.id", ondelete="CASCADE", **FK), primary_key=True
    )
    import_id: Mapped[str | None] = mapped_column(String(60), ForeignKey("record_imports.id", **FK), index=True)
    source_file: Mapped[str | None] = mapped_column(Text)
    source_line: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # message | system | media_omitted | ...
    owner_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("officials.id", **FK))
    case_label: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[str] = mapped_column(String(20), nullable=False)
    classification_reason: Mapped[str] = mapped_column(Text, nullable=False)
    schedule: Mapped[str] = mapped_column(String(40), nullable=False)
    forward_due_at: Mapped[datetime | None] = mapped_column(Instant)
    reminded_at: Mapped[datetime | None] = mapped_column(Instant)
    # A note's `sent_at` is the time its author claims for the call or meeting; this is when the
    # ledger recorded it (a note written long after the fact documents it only as a late claim).
    recorded_at: Mapped[datetime | None] = mapped_column(Instant)
    # What the reader could not read as sent (undecodable charset, broken base64, a multipart
    # without its boundary): the message is kept as it arrived and flagged, never silently lossy.
    defects: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))


class RecordAttachment(Base):
    __tablename__ = "record_attachments"

    communication_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("communications.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    digest: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None] = mapped_column(Integer)


class RecordSearch(Base):
    """The full-text index: normalised text per communication.

    On SQLite the migration makes this an FTS5 virtual table; on PostgreSQL a table with a
    generated tsvector column and a GIN index. The model lists the columns both share.
    """

    __tablename__ = "record_search"

    communication_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("communications.id", ondelete="CASCADE", **FK), primary_key=True
    )
    doc: Mapped[str] = mapped_column(Text, nullable=False)


class PersonAlias(Base):
    """A way a person appears in messages: phone number, e-mail address, chat display name, other name."""

    __tablename__ = "record_person_aliases"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    person_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("persons.id", ondelete="CASCADE", **FK), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    value_enc: Mapped[str] = mapped_column(Text, nullable=False)
    value_bidx: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    added_by: Mapped[str] = mapped_column(String(100), nullable=False)
    added_at: Mapped[datetime] = mapped_column(Instant, nullable=False)


class CommunicationPerson(Base):
    """A communication names a person (found through one of their aliases)."""

    __tablename__ = "record_communication_persons"

    communication_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("communications.id", ondelete="CASCADE", **FK), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("persons.id", ondelete="CASCADE", **FK), primary_key=True, index=True
    )
    via: Mapped[str] = mapped_column(String(20), nullable=False)


class LegalHold(Base):
    """A freeze: every communication it covers is kept whatever its schedule says."""

    __tablename__ = "record_holds"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    person_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("persons.id", **FK))
    case_label: Mapped[str | None] = mapped_column(Text)
    date_from: Mapped[datetime | None] = mapped_column(Instant)
    date_to: Mapped[datetime | None] = mapped_column(Instant)
    placed_by: Mapped[str] = mapped_column(String(100), nullable=False)
    placed_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    released_by: Mapped[str | None] = mapped_column(String(100))
    released_at: Mapped[datetime | None] = mapped_column(Instant)


class Disposition(Base):
    """A disposition proposed by one person and approved by a records officer who is someone else."""

    __tablename__ = "record_dispositions"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    proposed_by: Mapped[str] = mapped_column(String(100), nullable=False)
    proposed_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    communication_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)  # proposed | executed | rejected
    approved_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(Instant)
    note: Mapped[str | None] = mapped_column(Text)


class Tombstone(Base):
    """What remains of a disposed communication: enough to prove it existed and was lawfully destroyed."""

    __tablename__ = "record_tombstones"

    communication_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    disposition_id: Mapped[str] = mapped_column(String(60), ForeignKey("record_dispositions.id"), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    account: Mapped[str] = mapped_column(String(10), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    classification: Mapped[str] = mapped_column(String(20), nullable=False)
    schedule: Mapped[str] = mapped_column(String(40), nullable=False)
    content_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    disposed_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    approved_by: Mapped[str] = mapped_column(String(100), nullable=False)


class RecordsRequest(Base):
    """A records request and the certificate of the search that answered it."""

    __tablename__ = "record_requests"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    requested_by: Mapped[str] = mapped_column(String(100), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    reference: Mapped[str | None] = mapped_column(Text)
    person_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    counts: Mapped[dict[str, object]] = mapped_column(JSON, nullable=False)
    index_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False)


RECORD_TABLES = tuple(
    m.__table__
    for m in (
        RecordBlob,
        RecordImport,
        RecordMessage,
        RecordAttachment,
        RecordSearch,
        PersonAlias,
        CommunicationPerson,
        LegalHold,
        Disposition,
        Tombstone,
        RecordsRequest,
    )
)


# The archive's sealed columns (key rotation re-seals every registered column).
sealed.register("record_person_aliases", ("id",), "value_enc", "records.alias.{id}")
sealed.register("record_blobs", ("digest", "seq"), "content_enc", "records.blob:{digest}:{seq}")


# What `lookout verify` checks record by record (core/state.py).
# A communication with its message, attachments and the people it names.
state.extend(
    "communication",
    [
        (RecordMessage, "communication_id"),
        (RecordAttachment, "communication_id"),
        (CommunicationPerson, "communication_id"),
    ],
)
state.track("record_import", RecordImport)
state.track("person_alias", PersonAlias)
state.track("legal_hold", LegalHold)
state.track("disposition", Disposition)
state.track("tombstone", Tombstone, key="communication_id")
state.track("records_request", RecordsRequest)
