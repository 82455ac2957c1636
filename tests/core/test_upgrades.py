"""Message text stored in clear by an older schema is sealed the first time the ledger opens."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from lookout_ledger.core import upgrades
from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.crypto import is_ciphertext
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.communications import Communication, body_of, subject_of
from support.factories import Factory


def test_clear_text_left_by_migration_0011_is_sealed_once_and_logged(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        fx = Factory(s, ledger.keyring)
        cid = fx.communication(id="M-OLD")
        fx.communication(id="M-NEW")
    with ledger.engine.begin() as conn:  # what 0011 leaves: the old clear values, and its marker
        old = "UPDATE communications SET subject_enc = 'Lista', body_enc = 'Rowan Example 1980-02-03'"
        conn.execute(text(old + " WHERE id = 'M-OLD'"))
        conn.execute(text("INSERT INTO ledger_upgrades (name) VALUES ('seal-communications')"))
    counts = upgrades.run_pending(ledger)
    assert counts == {"communications.subject_enc": 1, "communications.body_enc": 1}  # M-NEW was sealed already
    with ledger.reading() as s:
        old = s.get(Communication, cid)
        assert old is not None and is_ciphertext(old.body_enc or "") and is_ciphertext(old.subject_enc or "")
        assert (subject_of(ledger.keyring, old), body_of(ledger.keyring, old)) == ("Lista", "Rowan Example 1980-02-03")
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "ledger.upgrade")).scalar_one()
        assert json.loads(entry.detail)["sealed"]["communications.body_enc"] == 1
        assert s.execute(text("SELECT count(*) FROM ledger_upgrades")).scalar_one() == 0
    assert upgrades.run_pending(ledger) == {}  # nothing left to do: one lookup
