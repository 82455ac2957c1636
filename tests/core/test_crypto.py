from pathlib import Path

import pytest

from lookout_ledger.core.crypto import Keyring, load_keyring, normalise_document, normalise_name
from lookout_ledger.core.errors import KeyError_


def test_roundtrip_and_context_binding() -> None:
    ring = Keyring.generate()
    token = ring.encrypt("Ana María", "person.given_name")
    assert token is not None and "Ana" not in token
    assert ring.decrypt(token, "person.given_name") == "Ana María"
    with pytest.raises(KeyError_, match="does not open"):
        ring.decrypt(token, "person.family_name")


def test_wrong_key_is_a_clear_error_not_garbage() -> None:
    token = Keyring.generate().encrypt("secret", "x")
    with pytest.raises(KeyError_, match="does not belong to this database"):
        Keyring.generate().decrypt(token, "x")


def test_unknown_key_id_names_the_key() -> None:
    ring = Keyring.generate()
    token = ring.rotated().encrypt("x", "c")
    with pytest.raises(KeyError_, match="'k2'"):
        ring.decrypt(token, "c")


def test_rotation_keeps_old_data_readable_and_index_stable() -> None:
    ring = Keyring.generate()
    old = ring.encrypt("v", "c")
    new_ring = ring.rotated()
    assert new_ring.decrypt(old, "c") == "v"
    assert new_ring.key_id_of(new_ring.encrypt("v", "c")) == "k2"
    assert ring.blind_index("abc", "doc") == new_ring.blind_index("abc", "doc")


def test_key_file_created_once_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    a = load_keyring(path, None)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    b = load_keyring(path, None)
    assert a.keys == b.keys
    with pytest.raises(KeyError_, match="does not exist"):
        load_keyring(tmp_path / "missing.key", None, create=False)


def test_malformed_key_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.key"
    path.write_text("not json")
    with pytest.raises(KeyError_, match="not a Lookout Ledger key file"):
        load_keyring(path, None)


def test_normalisers() -> None:
    assert normalise_name("José", "Jiménez-Montoya") == normalise_name("jimenez montoya", "JOSE")
    assert normalise_document("ab 123-45") == "AB12345"


def test_opener_reads_what_decrypt_reads_and_refuses_what_it_refuses() -> None:
    k = Keyring.generate()
    open_name = k.opener("person.given_name")
    token = k.encrypt("Zoë", "person.given_name")
    assert open_name(token) == "Zoë" == k.decrypt(token, "person.given_name")
    assert open_name(None) is None
    with pytest.raises(KeyError_):
        k.opener("person.family_name")(token)  # another context: the tag does not verify
    with pytest.raises(KeyError_, match="does not belong to this database"):
        Keyring.generate().opener("person.given_name")(token)
    with pytest.raises(KeyError_, match="'k2'"):
        open_name(k.rotated().encrypt("x", "person.given_name"))
    with pytest.raises(KeyError_, match="not a ciphertext"):
        open_name("plain text")


def test_a_value_is_bound_to_its_row_as_well_as_its_column() -> None:
    """#16 item 4: the associated data named the column only, so a name copied to another
    person's record opened there."""
    k = Keyring.generate()
    token = k.encrypt("Rowan", "person.given_name", "P-1")
    assert k.decrypt(token, "person.given_name", "P-1") == "Rowan"
    assert k.opener("person.given_name")(token, "P-1") == "Rowan"
    for context, row in (("person.given_name", "P-2"), ("person.given_name", None), ("person.family_name", "P-1")):
        with pytest.raises(KeyError_, match="moved from another record or column"):
            k.decrypt(token, context, row)
    with pytest.raises(KeyError_):
        k.opener("person.given_name")(token, "P-2")
