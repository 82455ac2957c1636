"""Key rotation re-seals every SPII value and keeps everything readable."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from lookout_ledger.core import auditlog
from lookout_ledger.core.config import Settings
from lookout_ledger.core.crypto import load_keyring
from lookout_ledger.core.keys import rotate_key
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.people.models import Person
from support.keys import TEST_KEY


def test_rotation_reseals_and_keeps_data_readable(database_url: str, tmp_path: Path, clock) -> None:
    key_file = tmp_path / "ledger.key"
    key_file.write_text(TEST_KEY.to_json())  # the key the test database was created with
    ledger = Ledger.open(Settings(database_url=database_url, key_file=key_file), clock=clock)
    ring = ledger.keyring
    with ledger.transaction() as s:
        s.add(
            Person(
                id="p1",
                given_name_enc=ring.encrypt("Ilse", "person.given_name", "p1"),
                family_name_enc=ring.encrypt("Varga Soto", "person.family_name", "p1"),
                date_of_birth_enc=None,
                name_bidx=ring.blind_index("ilse soto varga", "name"),
                us_person=True,
            )
        )
    counts = rotate_key(ledger, "admin")
    assert counts["persons.given_name_enc"] == 1 and counts["persons.family_name_enc"] == 1
    new_ring = load_keyring(key_file, None, create=False)
    assert new_ring.active == "k2" and set(new_ring.keys) == {"k1", "k2"}
    with ledger.reading() as s:
        p = s.execute(select(Person)).scalar_one()
        assert new_ring.key_id_of(p.given_name_enc) == "k2"
        assert new_ring.decrypt(p.family_name_enc, "person.family_name", "p1") == "Varga Soto"
        assert p.name_bidx == new_ring.blind_index("ilse soto varga", "name")
        assert auditlog.verify(s, new_ring).ok
    assert rotate_key(ledger, "admin")["persons.given_name_enc"] == 1  # rotates again to k3


def test_rotation_reseals_records_aliases_and_blobs(sqlite_ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Archive aliases and original files are sealed too; rotation must cover them, blob chunks
    with their per-row context (digest and chunk number)."""
    from lookout_ledger.records.archive_models import PersonAlias, RecordBlob
    from lookout_ledger.records.ingest import blobs
    from lookout_ledger.records.search.aliases import add_alias, aliases_of

    key_file = tmp_path / "ledger.key"
    key_file.write_text(TEST_KEY.to_json())  # the key the test database was created with
    ledger = Ledger.open(
        Settings(database_url=sqlite_ledger.settings.database_url, key_file=key_file), clock=sqlite_ledger.clock
    )
    ring = ledger.keyring
    with ledger.transaction() as s:
        s.add(
            Person(
                id="p1",
                given_name_enc=ring.encrypt("Ilse", "person.given_name", "p1"),
                family_name_enc=ring.encrypt("Varga", "person.family_name", "p1"),
                name_bidx=ring.blind_index("ilse varga", "name"),
                us_person=True,
            )
        )
        s.flush()
        add_alias(s, ring, "p1", "email", "ilse.varga@example.org", "records", ledger.now())
        digest = blobs.put(s, ring, b"original chat export bytes")
    counts = rotate_key(ledger, "admin")
    assert counts["record_person_aliases.value_enc"] == 1 and counts["record_blobs.content_enc"] >= 1
    new_ring = load_keyring(key_file, None, create=False)
    with ledger.reading() as s:
        assert new_ring.key_id_of(s.execute(select(PersonAlias.value_enc)).scalar_one()) == "k2"
        assert new_ring.key_id_of(s.execute(select(RecordBlob.content_enc)).scalars().first()) == "k2"
        assert blobs.get(s, new_ring, digest) == b"original chat export bytes"
        assert any("ilse.varga@example.org" in str(a) for a in aliases_of(s, new_ring, "p1"))
