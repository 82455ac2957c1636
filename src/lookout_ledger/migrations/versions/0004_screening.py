"""screening: screening log (keyed hashes only), live inspection details, device searches, redress complaints

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "redress_complaints",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("person_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("complaint", sa.Text(), nullable=False),
        sa.Column("lookout_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_redress_complaints_person_id_persons"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redress_complaints")),
    )
    with op.batch_alter_table("redress_complaints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_redress_complaints_person_id"), ["person_id"], unique=False)

    op.create_table(
        "screenings",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("port", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("input_id", sa.Text(), nullable=True),
        sa.Column("policy_name", sa.String(length=100), nullable=False),
        sa.Column("policy_version", sa.String(length=40), nullable=False),
        sa.Column("identity_hash", sa.String(length=32), nullable=False),
        sa.Column("name_hash", sa.String(length=32), nullable=True),
        sa.Column("dob_hash", sa.String(length=32), nullable=True),
        sa.Column("document_hashes", sa.JSON(), nullable=False),
        sa.Column("referred", sa.Boolean(), nullable=False),
        sa.Column("matches", sa.JSON(), nullable=False),
        sa.Column("notified", sa.JSON(), nullable=False),
        sa.Column("crossing_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["crossing_id"],
            ["crossings.id"],
            name=op.f("fk_screenings_crossing_id_crossings"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
    )
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.create_index("ix_screenings_at", ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_screenings_identity_hash"), ["identity_hash"], unique=False)

    op.create_table(
        "device_searches",
        sa.Column("inspection_id", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("exigent", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("performed_at", sa.BigInteger(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["officials.id"],
            name=op.f("fk_device_searches_decided_by_officials"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_device_searches_inspection_id_inspections"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["officials.id"],
            name=op.f("fk_device_searches_requested_by_officials"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("inspection_id", name=op.f("pk_device_searches")),
    )
    op.create_table(
        "inspection_live",
        sa.Column("inspection_id", sa.String(length=200), nullable=False),
        sa.Column("officer_username", sa.String(length=100), nullable=False),
        sa.Column("screening_id", sa.String(length=60), nullable=True),
        sa.Column("restraint_reason", sa.Text(), nullable=True),
        sa.Column("free_topics", sa.JSON(), nullable=False),
        sa.Column("overdue_flagged_at", sa.BigInteger(), nullable=True),
        sa.Column("duration_flagged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_live_inspection_id_inspections"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
            name=op.f("fk_inspection_live_screening_id_screenings"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("inspection_id", name=op.f("pk_inspection_live")),
    )


def downgrade() -> None:
    op.drop_table("inspection_live")
    op.drop_table("device_searches")
    op.drop_table("screenings")
    op.drop_table("redress_complaints")
