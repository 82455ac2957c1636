"""Upgrades a migration cannot make because they need the key: done when a ledger opens.

Migration 0011 renamed the message columns to `subject_enc`/`body_enc` but could only leave the
clear text already stored in them, and a marker here. The first `Ledger.open` with the key
seals those values under their row-bound contexts (`core/sealed.py`), in one transaction with
its own audit entry, and removes the marker; later opens cost one primary-key lookup. A value
that is already a ciphertext is left as it is, so an interrupted run simply runs again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import String, column, select, table, update
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core.crypto import is_ciphertext
from lookout_ledger.core.db import Base
from lookout_ledger.core.sealed import sealed_columns

if TYPE_CHECKING:
    from lookout_ledger.core.ledger import Ledger

SEAL_TABLES = {"seal-communications": "communications"}


class LedgerUpgrade(Base):
    __tablename__ = "ledger_upgrades"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)


def run_pending(ledger: Ledger) -> dict[str, int]:
    """Run the upgrades marked as pending; returns the values sealed per column."""
    with ledger.reading() as s:
        pending = [n for n in s.execute(select(LedgerUpgrade.name)).scalars() if n in SEAL_TABLES]
    if not pending:
        return {}
    counts: dict[str, int] = {}
    with ledger.transaction() as s:
        for name in pending:
            for sc in (c for c in sealed_columns() if c.table == SEAL_TABLES[name]):
                t = table(sc.table, *(column(k) for k in (*sc.keys, sc.column)))
                rows = s.execute(select(*(t.c[k] for k in sc.keys), t.c[sc.column]).where(t.c[sc.column].is_not(None)))
                done = 0
                for *key, value in rows.all():
                    if is_ciphertext(value):
                        continue
                    context = sc.context.format(**dict(zip(sc.keys, key, strict=True)))
                    cond = [t.c[k] == v for k, v in zip(sc.keys, key, strict=True)]
                    s.execute(update(t).where(*cond).values({sc.column: ledger.keyring.encrypt(value, context)}))
                    done += 1
                counts[f"{sc.table}.{sc.column}"] = done
            s.delete(s.get(LedgerUpgrade, name))
        ledger.audit(s, "ledger", "ledger.upgrade", "ledger", ",".join(pending), {"sealed": counts})
    return counts
