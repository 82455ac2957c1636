"""sealed values bound to their row: persons' names, dates of birth, other names, documents,
archive aliases, foreign requests' documents and sent packages

Until now the AEAD associated data named the column only, so a ciphertext could be copied to
another person's record and would open there. New values bind the row's key as well; the
values already stored are re-sealed by `Ledger.open` (core/upgrades.py), which has the key.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    for t in ("persons", "record_person_aliases", "foreign_requests", "disclosure_drafts"):
        if conn.execute(sa.text(f"SELECT 1 FROM {t} LIMIT 1")).first() is not None:  # noqa: S608 (fixed names)
            conn.execute(sa.text("INSERT INTO ledger_upgrades (name) VALUES ('bind-rows')"))
            return


def downgrade() -> None:
    op.execute("DELETE FROM ledger_upgrades WHERE name = 'bind-rows'")
