"""disclosures: foreign requests, agencies and official addresses, agreements, drafts, approvals, remediation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "foreign_agencies",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.Column("registered_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_agencies")),
    )
    op.create_table(
        "foreign_agency_addresses",
        sa.Column("agency_id", sa.String(length=60), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("official_name", sa.Text(), nullable=True),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.Column("registered_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["foreign_agencies.id"],
            name=op.f("fk_foreign_agency_addresses_agency_id_foreign_agencies"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("agency_id", "address", name=op.f("pk_foreign_agency_addresses")),
    )
    op.create_table(
        "sharing_agreements",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("agency_id", sa.String(length=60), nullable=True),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.Column("registered_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["foreign_agencies.id"],
            name=op.f("fk_sharing_agreements_agency_id_foreign_agencies"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_agreements")),
    )
    op.create_table(
        "foreign_requests",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("unit_id", sa.String(length=200), nullable=False),
        sa.Column("sender_name", sa.Text(), nullable=False),
        sa.Column("agency_id", sa.String(length=60), nullable=False),
        sa.Column("sent_on", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("asked", sa.Text(), nullable=False),
        sa.Column("agreement_id", sa.String(length=60), nullable=True),
        sa.Column("written", sa.Boolean(), nullable=False),
        sa.Column("exigency", sa.Text(), nullable=True),
        sa.Column("written_due_at", sa.BigInteger(), nullable=True),
        sa.Column("written_received_at", sa.BigInteger(), nullable=True),
        sa.Column("document_name", sa.Text(), nullable=True),
        sa.Column("document_type", sa.String(length=100), nullable=True),
        sa.Column("document_digest", sa.String(length=64), nullable=True),
        sa.Column("document_enc", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["foreign_agencies.id"],
            name=op.f("fk_foreign_requests_agency_id_foreign_agencies"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["sharing_agreements.id"],
            name=op.f("fk_foreign_requests_agreement_id_sharing_agreements"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_foreign_requests_unit_id_units"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_requests")),
    )
    op.create_index(op.f("ix_foreign_requests_unit_id"), "foreign_requests", ["unit_id"], unique=False)
    op.create_table(
        "sharing_agreement_approvals",
        sa.Column("agreement_id", sa.String(length=60), nullable=False),
        sa.Column("office", sa.String(length=60), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("official_id", sa.String(length=200), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["sharing_agreements.id"],
            name=op.f("fk_sharing_agreement_approvals_agreement_id_sharing_agreements"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["official_id"],
            ["officials.id"],
            name=op.f("fk_sharing_agreement_approvals_official_id_officials"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("agreement_id", "office", name=op.f("pk_sharing_agreement_approvals")),
    )
    op.create_table(
        "disclosure_drafts",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("unit_id", sa.String(length=200), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("author_official_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.String(length=60), nullable=False),
        sa.Column("agency_id", sa.String(length=60), nullable=False),
        sa.Column("recipient_official", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("law_enforcement_reason", sa.Text(), nullable=False),
        sa.Column("requested_action", sa.String(length=30), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("deny_entry_condition", sa.String(length=60), nullable=True),
        sa.Column("deny_entry_reference", sa.Text(), nullable=True),
        sa.Column("determined_by", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("recipient_address", sa.String(length=320), nullable=True),
        sa.Column("oral_note", sa.Text(), nullable=True),
        sa.Column("content_digest", sa.String(length=64), nullable=True),
        sa.Column("package_enc", sa.Text(), nullable=True),
        sa.Column("passphrase_verifier", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.BigInteger(), nullable=True),
        sa.Column("sent_by", sa.String(length=100), nullable=True),
        sa.Column("disclosure_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["foreign_agencies.id"],
            name=op.f("fk_disclosure_drafts_agency_id_foreign_agencies"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["author_official_id"],
            ["officials.id"],
            name=op.f("fk_disclosure_drafts_author_official_id_officials"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["determined_by"],
            ["officials.id"],
            name=op.f("fk_disclosure_drafts_determined_by_officials"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_disclosure_drafts_disclosure_id_disclosures"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["foreign_requests.id"],
            name=op.f("fk_disclosure_drafts_request_id_foreign_requests"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_disclosure_drafts_unit_id_units"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_drafts")),
    )
    op.create_index(op.f("ix_disclosure_drafts_unit_id"), "disclosure_drafts", ["unit_id"], unique=False)
    op.create_table(
        "disclosure_remediations",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("disclosure_id", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("at_offset", sa.SmallInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_disclosure_remediations_disclosure_id_disclosures"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_remediations")),
    )
    op.create_index(
        op.f("ix_disclosure_remediations_disclosure_id"), "disclosure_remediations", ["disclosure_id"], unique=False
    )
    op.create_table(
        "foreign_request_views",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=60), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["foreign_requests.id"],
            name=op.f("fk_foreign_request_views_request_id_foreign_requests"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_request_views")),
    )
    op.create_index(op.f("ix_foreign_request_views_request_id"), "foreign_request_views", ["request_id"], unique=False)
    op.create_table(
        "disclosure_draft_approvals",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("draft_id", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("official_id", sa.String(length=200), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("approve", sa.Boolean(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["disclosure_drafts.id"],
            name=op.f("fk_disclosure_draft_approvals_draft_id_disclosure_drafts"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["official_id"],
            ["officials.id"],
            name=op.f("fk_disclosure_draft_approvals_official_id_officials"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_draft_approvals")),
    )
    op.create_index(
        op.f("ix_disclosure_draft_approvals_draft_id"), "disclosure_draft_approvals", ["draft_id"], unique=False
    )
    op.create_table(
        "disclosure_draft_persons",
        sa.Column("draft_id", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["disclosure_drafts.id"],
            name=op.f("fk_disclosure_draft_persons_draft_id_disclosure_drafts"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_disclosure_draft_persons_person_id_persons"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("draft_id", "position", name=op.f("pk_disclosure_draft_persons")),
    )


def downgrade() -> None:
    op.drop_table("disclosure_draft_persons")
    op.drop_index(op.f("ix_disclosure_draft_approvals_draft_id"), table_name="disclosure_draft_approvals")
    op.drop_table("disclosure_draft_approvals")
    op.drop_index(op.f("ix_foreign_request_views_request_id"), table_name="foreign_request_views")
    op.drop_table("foreign_request_views")
    op.drop_index(op.f("ix_disclosure_remediations_disclosure_id"), table_name="disclosure_remediations")
    op.drop_table("disclosure_remediations")
    op.drop_index(op.f("ix_disclosure_drafts_unit_id"), table_name="disclosure_drafts")
    op.drop_table("disclosure_drafts")
    op.drop_table("sharing_agreement_approvals")
    op.drop_index(op.f("ix_foreign_requests_unit_id"), table_name="foreign_requests")
    op.drop_table("foreign_requests")
    op.drop_table("sharing_agreements")
    op.drop_table("foreign_agency_addresses")
    op.drop_table("foreign_agencies")
