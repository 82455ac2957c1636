"""Tables of the disclosure workflow: foreign requests, agreements, recipient agencies, drafts,
their approvals, the packages sent and the remediation of past disclosures.

The LIF `disclosures` row (models.py) is the log entry the audit judges; it is written only
when a draft is sent, from the facts recorded here, so a disclosure made through the workflow
carries its evidence (request, approvals, package digest, transmission message) by
construction. Documents and notes about people are sealed like other SPII.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core import sealed, state
from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant
from lookout_ledger.org.models import FK

# 19 U.S.C. 1628(a) / 19 CFR 103.33(a): the four purposes a disclosure may serve.
STATUTORY_PURPOSES = {
    "1628a1": "19 U.S.C. 1628(a)(1): to ensure compliance with a law or regulation CBP administers",
    "1628a2": "19 U.S.C. 1628(a)(2): to administer or enforce a multilateral or bilateral agreement",
    "1628a3": "19 U.S.C. 1628(a)(3): to assist in investigative, judicial and quasi-judicial proceedings in the U.S.",
    "1628a4": "19 U.S.C. 1628(a)(4): for an action comparable to those above by the foreign customs or law "
    "enforcement agency",
}
# The person fields a draft may disclose, one by one (share only what the purpose needs).
DISCLOSABLE_FIELDS = ("name", "date_of_birth", "other_names", "citizenship", "documents", "us_person")
DRAFT_STATES = ("draft", "sent", "withdrawn")
SEND_CHANNELS = ("official_email", "in_person", "phone")
REMEDIATION_ACTIONS = ("retroactive_advisement", "rescission_letter", "documented_record", "reviewed")


class ForeignAgency(Base):
    """A recipient agency and the official e-mail addresses registered for it."""

    __tablename__ = "foreign_agencies"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    registered_by: Mapped[str] = mapped_column(String(100), nullable=False)
    registered_at: Mapped[datetime] = mapped_column(Instant, nullable=False)


class AgencyAddress(Base):
    __tablename__ = "foreign_agency_addresses"

    agency_id: Mapped[str] = mapped_column(
        String(60), ForeignKey("foreign_agencies.id", ondelete="CASCADE", **FK), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    official_name: Mapped[str | None] = mapped_column(Text)
    registered_by: Mapped[str] = mapped_column(String(100), nullable=False)
    registered_at: Mapped[datetime] = mapped_column(Instant, nullable=False)


class SharingAgreement(Base):
    """An information-sharing agreement; citable only once every coordinating office approved it."""

    __tablename__ = "sharing_agreements"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    agency_id: Mapped[str | None] = mapped_column(String(60), ForeignKey("foreign_agencies.id", **FK))
    registered_by: Mapped[str] = mapped_column(String(100), nullable=False)
    registered_at: Mapped[datetime] = mapped_column(Instant, nullable=False)


class AgreementApproval(Base):
    __tablename__ = "sharing_agreement_approvals"

    agreement_id: Mapped[str] = mapped_column(
        String(60), ForeignKey("sharing_agreements.id", ondelete="CASCADE", **FK), primary_key=True
    )
    office: Mapped[str] = mapped_column(String(60), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    official_id: Mapped[str] = mapped_column(String(200), ForeignKey("officials.id", **FK), nullable=False)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    statement: Mapped[str] = mapped_column(Text, nullable=False)


class ForeignRequest(Base):
    """A foreign government's request, recorded from its written form (or, when exigent, orally
    with the exigency stated and the written form due within the policy's days)."""

    __tablename__ = "foreign_requests"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(200), ForeignKey("units.id", **FK), nullable=False, index=True)
    sender_name: Mapped[str] = mapped_column(Text, nullable=False)
    agency_id: Mapped[str] = mapped_column(String(60), ForeignKey("foreign_agencies.id", **FK), nullable=False)
    sent_on: Mapped[datetime] = mapped_column(Instant, nullable=False)
    received_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    asked: Mapped[str] = mapped_column(Text, nullable=False)
    agreement_id: Mapped[str | None] = mapped_column(String(60), ForeignKey("sharing_agreements.id", **FK))
    written: Mapped[bool] = mapped_column(Boolean, nullable=False)
    exigency: Mapped[str | None] = mapped_column(Text)
    written_due_at: Mapped[datetime | None] = mapped_column(Instant)
    written_received_at: Mapped[datetime | None] = mapped_column(Instant)
    document_name: Mapped[str | None] = mapped_column(Text)
    document_type: Mapped[str | None] = mapped_column(String(100))
    document_digest: Mapped[str | None] = mapped_column(String(64))
    document_enc: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(Instant, nullable=False)


class RequestView(Base):
    """Who opened a request's document, and when: approvers must have seen the request itself."""

    __tablename__ = "foreign_request_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        String(60), ForeignKey("foreign_requests.id", ondelete="CASCADE", **FK), nullable=False, index=True
    )
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)


class DisclosureDraft(Base):
    __tablename__ = "disclosure_drafts"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(200), ForeignKey("units.id", **FK), nullable=False, index=True)
    author: Mapped[str] = mapped_column(String(100), nullable=False)
    author_official_id: Mapped[str] = mapped_column(String(200), ForeignKey("officials.id", **FK), nullable=False)
    created_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    request_id: Mapped[str] = mapped_column(String(60), ForeignKey("foreign_requests.id", **FK), nullable=False)
    agency_id: Mapped[str] = mapped_column(String(60), ForeignKey("foreign_agencies.id", **FK), nullable=False)
    recipient_official: Mapped[str] = mapped_column(Text, nullable=False)
    purpose: Mapped[str] = mapped_column(String(10), nullable=False)
    law_enforcement_reason: Mapped[str] = mapped_column(Text, nullable=False)
    requested_action: Mapped[str] = mapped_column(String(30), nullable=False)
    fields: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    # deny entry / travel restriction about a U.S. person: the policy condition relied on
    deny_entry_condition: Mapped[str | None] = mapped_column(String(60))
    deny_entry_reference: Mapped[str | None] = mapped_column(Text)
    determined_by: Mapped[str | None] = mapped_column(String(200), ForeignKey("officials.id", **FK))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="draft")
    # filled when sent
    channel: Mapped[str | None] = mapped_column(String(20))
    recipient_address: Mapped[str | None] = mapped_column(String(320))
    oral_note: Mapped[str | None] = mapped_column(Text)
    content_digest: Mapped[str | None] = mapped_column(String(64))
    package_enc: Mapped[str | None] = mapped_column(Text)
    passphrase_verifier: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(Instant)
    sent_by: Mapped[str | None] = mapped_column(String(100))
    disclosure_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("disclosures.id", **FK))


class DraftPerson(Base):
    __tablename__ = "disclosure_draft_persons"

    draft_id: Mapped[str] = mapped_column(
        String(60), ForeignKey("disclosure_drafts.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(200), ForeignKey("persons.id", **FK), nullable=False)


class DraftApproval(Base):
    """One written decision on a draft, for one role the unit requires (or counsel's, for deny entry)."""

    __tablename__ = "disclosure_draft_approvals"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    draft_id: Mapped[str] = mapped_column(
        String(60), ForeignKey("disclosure_drafts.id", ondelete="CASCADE", **FK), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(200), nullable=False)
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    official_id: Mapped[str] = mapped_column(String(200), ForeignKey("officials.id", **FK), nullable=False)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    approve: Mapped[bool] = mapped_column(Boolean, nullable=False)
    statement: Mapped[str] = mapped_column(Text, nullable=False)
    superseded: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class RemediationAction(Base):
    """One action taken on a past (imported) disclosure the audit found non-compliant."""

    __tablename__ = "disclosure_remediations"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    disclosure_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("disclosures.id", **FK), nullable=False, index=True
    )
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    at_offset: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    document: Mapped[str | None] = mapped_column(Text)


# What `lookout verify` checks record by record (core/state.py).
state.track("foreign_agency", ForeignAgency, parts=[(AgencyAddress, "agency_id")])
state.track("sharing_agreement", SharingAgreement, parts=[(AgreementApproval, "agreement_id")])
state.track("foreign_request", ForeignRequest)
# Sealed files key rotation must re-seal too (the contexts are the ones `requests` and `sending` use).
sealed.register("foreign_requests", ("id",), "document_enc", "disclosure.request_document.{id}")
sealed.register("disclosure_drafts", ("id",), "package_enc", "disclosure.package.{id}")
state.track("disclosure_draft", DisclosureDraft, parts=[(DraftPerson, "draft_id"), (DraftApproval, "draft_id")])
state.track("disclosure_remediation", RemediationAction)
