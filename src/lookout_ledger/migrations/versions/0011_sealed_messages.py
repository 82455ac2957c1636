"""messages sealed at rest: communications.subject/body become subject_enc/body_enc

The values already stored are clear text; a migration has no key to seal them with, so it
leaves a marker (`ledger_upgrades`) and `Ledger.open`, which has the key, seals them and
rebuilds the search index from keyed tokens, in one logged transaction (core/upgrades.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communications") as batch:
        batch.alter_column("subject", new_column_name="subject_enc")
        batch.alter_column("body", new_column_name="body_enc")
    op.create_table(
        "ledger_upgrades",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ledger_upgrades")),
    )
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM communications LIMIT 1")).first() is not None:
        conn.execute(sa.text("INSERT INTO ledger_upgrades (name) VALUES ('seal-communications')"))
    # The index held the words themselves; emptied, it is refilled with keyed tokens on the next
    # search (records/search/index.py `sync`), from the sealed text.
    if "record_search" in sa.inspect(conn).get_table_names():
        conn.execute(sa.text("DELETE FROM record_search"))


def downgrade() -> None:
    op.drop_table("ledger_upgrades")
    with op.batch_alter_table("communications") as batch:
        batch.alter_column("subject_enc", new_column_name="subject")
        batch.alter_column("body_enc", new_column_name="body")
