"""records: communications archive (provenance, sealed blobs, search index, aliases, holds, dispositions, requests)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_blobs",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_enc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("digest", "seq", name=op.f("pk_record_blobs")),
    )
    op.create_table(
        "record_dispositions",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("proposed_by", sa.String(length=100), nullable=False),
        sa.Column("proposed_at", sa.BigInteger(), nullable=False),
        sa.Column("communication_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_dispositions")),
    )
    op.create_table(
        "record_requests",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("person_ids", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("index_digest", sa.String(length=64), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_requests")),
    )
    op.create_table(
        "record_holds",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("person_id", sa.String(length=200), nullable=True),
        sa.Column("case_label", sa.Text(), nullable=True),
        sa.Column("date_from", sa.BigInteger(), nullable=True),
        sa.Column("date_to", sa.BigInteger(), nullable=True),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.Column("placed_at", sa.BigInteger(), nullable=False),
        sa.Column("released_by", sa.String(length=100), nullable=True),
        sa.Column("released_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_record_holds_person_id_persons"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_holds")),
    )
    op.create_table(
        "record_person_aliases",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("person_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value_enc", sa.Text(), nullable=False),
        sa.Column("value_bidx", sa.String(length=32), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_record_person_aliases_person_id_persons"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_person_aliases")),
    )
    with op.batch_alter_table("record_person_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_person_aliases_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_person_aliases_value_bidx"), ["value_bidx"], unique=False)

    op.create_table(
        "record_tombstones",
        sa.Column("communication_id", sa.String(length=200), nullable=False),
        sa.Column("disposition_id", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=10), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.Column("schedule", sa.String(length=40), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("disposed_at", sa.BigInteger(), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["disposition_id"],
            ["record_dispositions.id"],
            name=op.f("fk_record_tombstones_disposition_id_record_dispositions"),
        ),
        sa.PrimaryKeyConstraint("communication_id", name=op.f("pk_record_tombstones")),
    )
    op.create_table(
        "record_imports",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=10), nullable=False),
        sa.Column("owner_id", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("case_label", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.BigInteger(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["officials.id"],
            name=op.f("fk_record_imports_owner_id_officials"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_imports")),
        sa.UniqueConstraint("digest", name=op.f("uq_record_imports_digest")),
    )
    op.create_table(
        "record_attachments",
        sa.Column("communication_id", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["communication_id"],
            ["communications.id"],
            name=op.f("fk_record_attachments_communication_id_communications"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("communication_id", "position", name=op.f("pk_record_attachments")),
    )
    with op.batch_alter_table("record_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_attachments_digest"), ["digest"], unique=False)

    op.create_table(
        "record_communication_persons",
        sa.Column("communication_id", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.String(length=200), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["communication_id"],
            ["communications.id"],
            name=op.f("fk_record_communication_persons_communication_id_communications"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_record_communication_persons_person_id_persons"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("communication_id", "person_id", name=op.f("pk_record_communication_persons")),
    )
    with op.batch_alter_table("record_communication_persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_communication_persons_person_id"), ["person_id"], unique=False)

    op.create_table(
        "record_messages",
        sa.Column("communication_id", sa.String(length=200), nullable=False),
        sa.Column("import_id", sa.String(length=60), nullable=True),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.String(length=200), nullable=True),
        sa.Column("case_label", sa.Text(), nullable=True),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.Column("classification_reason", sa.Text(), nullable=False),
        sa.Column("schedule", sa.String(length=40), nullable=False),
        sa.Column("forward_due_at", sa.BigInteger(), nullable=True),
        sa.Column("reminded_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["communication_id"],
            ["communications.id"],
            name=op.f("fk_record_messages_communication_id_communications"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["record_imports.id"],
            name=op.f("fk_record_messages_import_id_record_imports"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["officials.id"],
            name=op.f("fk_record_messages_owner_id_officials"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("communication_id", name=op.f("pk_record_messages")),
    )
    with op.batch_alter_table("record_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_messages_import_id"), ["import_id"], unique=False)
        batch_op.create_index("ix_record_messages_owner_forward", ["owner_id", "forward_due_at"], unique=False)

    _create_search_index()


def downgrade() -> None:
    op.drop_table("record_search")
    with op.batch_alter_table("record_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_record_messages_owner_forward")
        batch_op.drop_index(batch_op.f("ix_record_messages_import_id"))

    op.drop_table("record_messages")
    with op.batch_alter_table("record_communication_persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_communication_persons_person_id"))

    op.drop_table("record_communication_persons")
    with op.batch_alter_table("record_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_attachments_digest"))

    op.drop_table("record_attachments")
    op.drop_table("record_imports")
    op.drop_table("record_tombstones")
    with op.batch_alter_table("record_person_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_person_aliases_value_bidx"))
        batch_op.drop_index(batch_op.f("ix_record_person_aliases_person_id"))

    op.drop_table("record_person_aliases")
    op.drop_table("record_holds")
    op.drop_table("record_requests")
    op.drop_table("record_dispositions")
    op.drop_table("record_blobs")


def _create_search_index() -> None:
    """The full-text index: FTS5 on SQLite; a generated tsvector with a GIN index on PostgreSQL.

    The indexed text is normalised by the application (case-folded, accents removed), so both
    engines tokenise the same words and a query behaves the same on either.
    """
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE record_search USING fts5("
            "communication_id UNINDEXED, doc, tokenize = 'unicode61 remove_diacritics 2')"
        )
        return
    op.create_table(
        "record_search",
        sa.Column("communication_id", sa.String(length=200), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["communication_id"],
            ["communications.id"],
            name=op.f("fk_record_search_communication_id_communications"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("communication_id", name=op.f("pk_record_search")),
    )
    op.execute(
        "ALTER TABLE record_search ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', doc)) STORED"
    )
    op.execute("CREATE INDEX ix_record_search_tsv ON record_search USING gin (tsv)")
