"""Upgrades a migration cannot make because they need the key: done when a ledger opens.

- `seal-communications` (migration 0011): the message columns became `subject_enc`/`body_enc`
  but still hold the clear text stored before; they are sealed under their row-bound contexts.
- `bind-rows` (migration 0012): values sealed with the column's context only are re-sealed
  with the row's key bound too (`person.given_name` becomes `person.given_name.P-1`).

The first `Ledger.open` with the key does them, in one transaction with its own audit entry,
and removes the markers; later opens cost one query. Values already in their final form are
left as they are, so an interrupted run simply runs again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import String, column, select, table, update
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core.crypto import Keyring, is_ciphertext
from lookout_ledger.core.db import Base
from lookout_ledger.core.errors import KeyError_
from lookout_ledger.core.sealed import sealed_columns

if TYPE_CHECKING:
    from lookout_ledger.core.ledger import Ledger

SEAL_TABLES = {"seal-communications": "communications"}
BIND_ROWS = "bind-rows"
KNOWN = {*SEAL_TABLES, BIND_ROWS}


class LedgerUpgrade(Base):
    __tablename__ = "ledger_upgrades"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)


def run_pending(ledger: Ledger) -> dict[str, int]:
    """Run the upgrades marked as pending; returns the values sealed per column."""
    with ledger.reading() as s:
        pending = [n for n in s.execute(select(LedgerUpgrade.name)).scalars() if n in KNOWN]
    if not pending:
        return {}
    counts: dict[str, int] = {}
    with ledger.transaction() as s:
        for name in pending:
            columns = [
                c
                for c in sealed_columns()
                if c.table == SEAL_TABLES.get(name) or (name == BIND_ROWS and "{" in c.context)
            ]
            for sc in columns:
                t = table(sc.table, *(column(k) for k in (*sc.keys, sc.column)))
                rows = s.execute(select(*(t.c[k] for k in sc.keys), t.c[sc.column]).where(t.c[sc.column].is_not(None)))
                done = 0
                for *key, value in rows.all():
                    context = sc.context.format(**dict(zip(sc.keys, key, strict=True)))
                    fresh = _fresh(ledger.keyring, value, context, sc.context.split(".{")[0], name == BIND_ROWS)
                    if fresh is None:
                        continue
                    cond = [t.c[k] == v for k, v in zip(sc.keys, key, strict=True)]
                    s.execute(update(t).where(*cond).values({sc.column: fresh}))
                    done += 1
                counts[f"{sc.table}.{sc.column}"] = done
            s.delete(s.get(LedgerUpgrade, name))
        ledger.audit(s, "ledger", "ledger.upgrade", "ledger", ",".join(pending), {"sealed": counts})
    return counts


def _fresh(ring: Keyring, value: str, context: str, legacy: str, bind: bool) -> str | None:
    """The value sealed under `context`, or None when it already is."""
    if not bind:
        return None if is_ciphertext(value) else ring.encrypt(value, context)
    try:
        ring.decrypt(value, context)
        return None
    except KeyError_:
        return ring.encrypt(ring.decrypt(value, legacy), context)  # raises if it opens under neither
