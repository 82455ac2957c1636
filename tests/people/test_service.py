"""reveal_person: decrypts only for a role that needs SPII, with a purpose, and logs the read."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lookout_ledger.core.auditlog import AuditEntry, verify
from lookout_ledger.core.auth import Role, add_user
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.people.service import reveal_person
from support.factories import Factory

PURPOSE = "checking the identity behind a finding"


@pytest.fixture
def person(ledger: Ledger) -> str:
    with ledger.transaction() as s:
        pid = Factory(s, ledger.keyring).person("P-1", given_name="Marisol", family_name="Testwright")
        add_user(s, username="aud", password="long enough pw", roles=[Role.AUDITOR], at=ledger.now())
        add_user(s, username="adm", password="long enough pw", roles=[Role.ADMIN], at=ledger.now())
    return pid


def reads(ledger: Ledger) -> list[AuditEntry]:
    with ledger.reading() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == "person.read")).scalars())


def test_reveal_decrypts_and_logs_the_purpose_in_the_same_transaction(ledger: Ledger, person: str) -> None:
    with ledger.transaction() as s:
        view = reveal_person(ledger, s, person, "aud", f"  {PURPOSE}  ")
    assert (view.given_name, view.family_name) == ("Marisol", "Testwright")
    [entry] = reads(ledger)
    assert (entry.actor, entry.target_type, entry.target_id) == ("aud", "person", person)
    assert PURPOSE in entry.detail and "Marisol" not in entry.detail
    with ledger.reading() as s:
        assert verify(s, ledger.keyring).ok


def test_a_read_that_rolls_back_leaves_no_entry_and_a_failing_one_leaves_none(ledger: Ledger, person: str) -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort), ledger.transaction() as s:
        reveal_person(ledger, s, person, "aud", PURPOSE)
        raise Abort
    assert reads(ledger) == []


@pytest.mark.parametrize(
    ("actor", "pid", "purpose", "error"),
    [
        ("adm", "P-1", PURPOSE, AuthError),
        ("ghost", "P-1", PURPOSE, AuthError),
        ("aud", "P-1", "   too short ", LedgerError),
        ("aud", "P-1", "x" * 501, LedgerError),
        ("aud", "P-404", PURPOSE, NotFound),
    ],
)
def test_refusals_write_nothing(ledger: Ledger, person: str, actor: str, pid: str, purpose: str, error: type) -> None:
    with pytest.raises(error), ledger.transaction() as s:
        reveal_person(ledger, s, pid, actor, purpose)
    assert reads(ledger) == []
