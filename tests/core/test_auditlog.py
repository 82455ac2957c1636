"""Tampering with the audit log directly in the database is caught and named."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lookout_ledger.core import auditlog
from lookout_ledger.core.ledger import Ledger

pytestmark = pytest.mark.tampers  # the chain's own tests edit it and start it afresh


@pytest.fixture(autouse=True)
def _empty_log(request: pytest.FixtureRequest) -> None:
    """These tests are about the chain alone: they start from an empty log (no bootstrap entry)."""
    for name in ("ledger", "sqlite_ledger"):
        if name in request.fixturenames:
            led = request.getfixturevalue(name)
            for table in ("audit_records", "audit_log", "audit_head"):
                _sql(led, f"DELETE FROM {table}")  # noqa: S608  (fixed table names)


def _write(ledger: Ledger, n: int) -> None:
    for i in range(n):
        with ledger.transaction() as s:
            ledger.audit(s, "tester", "test.write", "thing", f"t{i}", {"i": i})


def _verify(ledger: Ledger) -> auditlog.VerifyResult:
    with ledger.reading() as s:
        return auditlog.verify(s, ledger.keyring)


def _sql(ledger: Ledger, sql: str, **params: object) -> None:
    with ledger.engine.begin() as c:
        c.execute(text(sql), params)


def test_intact_log_verifies(ledger: Ledger) -> None:
    _write(ledger, 5)
    result = _verify(ledger)
    assert result.ok and result.entries == 5


def test_empty_log_verifies(ledger: Ledger) -> None:
    assert _verify(ledger).ok


def test_modified_entry_is_named(ledger: Ledger) -> None:
    _write(ledger, 5)
    _sql(ledger, "UPDATE audit_log SET detail = :d WHERE seq = 3", d='{"i":99}')
    first = _verify(ledger).first
    assert first is not None and (first.seq, first.kind) == (3, "modified")


def test_modified_actor_is_named(ledger: Ledger) -> None:
    _write(ledger, 4)
    _sql(ledger, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
    first = _verify(ledger).first
    assert first is not None and (first.seq, first.kind) == (2, "modified")


def test_deleted_entry_is_named(ledger: Ledger) -> None:
    _write(ledger, 5)
    _sql(ledger, "DELETE FROM audit_log WHERE seq = 3")
    first = _verify(ledger).first
    assert first is not None and (first.seq, first.kind) == (3, "deleted")


def test_deleted_last_entry_is_named(ledger: Ledger) -> None:
    _write(ledger, 5)
    _sql(ledger, "DELETE FROM audit_log WHERE seq = 5")
    first = _verify(ledger).first
    assert first is not None and (first.seq, first.kind) == (5, "deleted")


def test_inserted_entry_is_named(ledger: Ledger) -> None:
    _write(ledger, 3)
    # A forger copies entry 3's link and appends an entry with a made-up hash.
    _sql(
        ledger,
        "INSERT INTO audit_log (seq, at, actor, action, detail, change_digest, prev_hash, hash) "
        "SELECT 4, at, 'forger', 'test.write', '{}', change_digest, hash, :h FROM audit_log WHERE seq = 3",
        h="f" * 64,
    )
    first = _verify(ledger).first
    assert first is not None and (first.seq, first.kind) == (4, "inserted")


def test_inserted_in_the_middle_is_named(ledger: Ledger) -> None:
    _write(ledger, 4)
    _sql(ledger, "UPDATE audit_log SET seq = seq + 10 WHERE seq >= 3")
    _sql(ledger, "UPDATE audit_log SET seq = seq - 9 WHERE seq >= 13")
    _sql(
        ledger,
        "INSERT INTO audit_log (seq, at, actor, action, detail, change_digest, prev_hash, hash) "
        "SELECT 3, at, 'forger', 'x', '{}', change_digest, hash, :h FROM audit_log WHERE seq = 2",
        h="e" * 64,
    )
    first = _verify(ledger).first
    assert first is not None and (first.seq, first.kind) == (3, "inserted")


def test_swapped_entries_are_named(ledger: Ledger) -> None:
    _write(ledger, 5)
    # Swap the sequence numbers of entries 2 and 3 (move one out of the way first).
    _sql(ledger, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
    _sql(ledger, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
    _sql(ledger, "UPDATE audit_log SET seq = 3 WHERE seq = 100")
    first = _verify(ledger).first
    assert first is not None and (first.seq, first.kind) == (2, "reordered")


@pytest.mark.parametrize("n", [1, 2])
def test_append_continues_the_chain(ledger: Ledger, n: int) -> None:
    _write(ledger, n)
    _write(ledger, 1)
    assert _verify(ledger).ok


def test_wrong_key_fails_verification(ledger: Ledger) -> None:
    from lookout_ledger.core.crypto import Keyring

    _write(ledger, 2)
    with ledger.reading() as s:
        result = auditlog.verify(s, Keyring.generate())
    assert not result.ok


def test_a_reader_does_not_block_a_writer(sqlite_ledger: Ledger) -> None:
    """Reads begin DEFERRED on SQLite: an open read transaction never holds the write lock."""
    _write(sqlite_ledger, 1)
    with sqlite_ledger.reading() as reader:
        reader.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        _write(sqlite_ledger, 1)  # would wait for the busy timeout and fail if the reader held the lock
    assert _verify(sqlite_ledger).entries == 2
