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


def test_values_sealed_for_the_column_only_are_rebound_to_their_row(ledger: Ledger) -> None:
    from lookout_ledger.people.models import Person

    with ledger.transaction() as s:
        Factory(s, ledger.keyring).person("P-OLD", given_name="Rowan", family_name="Example")
    old = ledger.keyring.encrypt("Rowan", "person.given_name")  # as sealed before migration 0012
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE persons SET given_name_enc = :v WHERE id = 'P-OLD'"), {"v": old})
        conn.execute(text("INSERT INTO ledger_upgrades (name) VALUES ('bind-rows')"))
    counts = upgrades.run_pending(ledger)
    assert counts["persons.given_name_enc"] == 1 and counts["persons.family_name_enc"] == 0
    with ledger.reading() as s:
        p = s.get(Person, "P-OLD")
        assert p is not None and ledger.keyring.decrypt(p.given_name_enc, "person.given_name", "P-OLD") == "Rowan"
