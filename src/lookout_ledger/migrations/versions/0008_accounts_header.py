"""no side doors: database header, role grants, token expiry, import provenance, claimed times

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_header",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_header")),
    )
    op.create_table(
        "role_grants",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["username"], ["users.username"], name=op.f("fk_role_grants_username_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
    )
    op.create_index(op.f("ix_role_grants_username"), "role_grants", ["username"], unique=False)
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("expires_at", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("officials") as batch:
        batch.add_column(sa.Column("title_confirmed_by", sa.String(length=100), nullable=True))
    with op.batch_alter_table("record_messages") as batch:
        batch.add_column(sa.Column("recorded_at", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("lookout_reviews") as batch:
        batch.add_column(sa.Column("proposed_expires_at", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("lookout_controls") as batch:
        batch.add_column(sa.Column("expiry_warned_for", sa.BigInteger(), nullable=True))
    op.create_table(
        "record_provenance",
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.BigInteger(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("record_type", "record_id", "file_sha256", name=op.f("pk_record_provenance")),
    )


def downgrade() -> None:
    op.drop_table("record_provenance")
    with op.batch_alter_table("lookout_controls") as batch:
        batch.drop_column("expiry_warned_for")
    with op.batch_alter_table("lookout_reviews") as batch:
        batch.drop_column("proposed_expires_at")
    with op.batch_alter_table("record_messages") as batch:
        batch.drop_column("recorded_at")
    with op.batch_alter_table("officials") as batch:
        batch.drop_column("title_confirmed_by")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("expires_at")
    op.drop_index(op.f("ix_role_grants_username"), table_name="role_grants")
    op.drop_table("role_grants")
    op.drop_table("ledger_header")
