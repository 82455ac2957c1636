"""a verifiable ledger: record digests per log entry, checkpoints, verification runs, key check

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("records_root", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("records", sa.Integer(), nullable=True))
    op.create_table(
        "audit_records",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("parts", sa.String(length=400), nullable=True),
        sa.PrimaryKeyConstraint("seq", "n", name=op.f("pk_audit_records")),
    )
    op.create_index("ix_audit_records_record", "audit_records", ["record_type", "record_id", "seq"], unique=False)
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("key_name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("size", "key_name", name=op.f("pk_checkpoints")),
    )
    op.create_table(
        "integrity_runs",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("checkpoints", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_runs")),
    )
    op.create_index(op.f("ix_integrity_runs_at"), "integrity_runs", ["at"], unique=False)
    with op.batch_alter_table("ledger_header") as batch:
        batch.add_column(sa.Column("origin", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("key_check", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_header") as batch:
        batch.drop_column("key_check")
        batch.drop_column("origin")
    op.drop_index(op.f("ix_integrity_runs_at"), table_name="integrity_runs")
    op.drop_table("integrity_runs")
    op.drop_table("checkpoints")
    op.drop_index("ix_audit_records_record", table_name="audit_records")
    op.drop_table("audit_records")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("records")
        batch.drop_column("records_root")
