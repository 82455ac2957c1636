"""SPII encryption at rest and keyed hashes for exact look-ups.

Names, dates of birth and document numbers are sealed with AES-256-GCM. Each ciphertext
carries the id of the key that sealed it, so keys can be rotated: new writes use the active
key, old rows stay readable until `lookout keys rotate` re-seals them. Exact look-ups by
document number or normalised name go through a keyed hash (blind index), so screening never
decrypts a table to find a traveler. The audit chain is keyed too, so a person with write
access to the database but not the key cannot forge a consistent history.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lookout_ledger.core.errors import KeyError_

_PREFIX = "v1"
TOKEN_CACHE = 1 << 18  # keyed search tokens kept per keyring (about 40 MB at most)


def _derive(master: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose.encode()).derive(master)


class _TokenCache(dict[str, str]):
    """Word -> keyed token, computed on first use; emptied when it reaches TOKEN_CACHE words."""

    def __init__(self, key: bytes) -> None:
        super().__init__()
        self._key = key

    def __missing__(self, word: str) -> str:
        if len(self) >= TOKEN_CACHE:
            self.clear()
        token = self[word] = "k" + hmac.new(self._key, b"search\x00" + word.encode(), hashlib.sha256).hexdigest()[:20]
        return token


def _aad(context: str, row: str | None) -> bytes:
    """The associated data: the column's context, and the row's key when the value has one."""
    return (context if row is None else f"{context}.{row}").encode()


def is_ciphertext(value: str) -> bool:
    """Whether a stored value is a sealed value of this system (not clear text left by an old schema)."""
    prefix, _, rest = value.partition(":")
    return prefix == _PREFIX and ":" in rest


@dataclass
class Keyring:
    """Master keys by id; one is active for new ciphertexts."""

    keys: dict[str, bytes]
    active: str

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise KeyError_(f"the active key id {self.active!r} is not in the keyring")
        for kid, key in self.keys.items():
            if len(key) != 32:
                raise KeyError_(f"key {kid!r} is {len(key)} bytes; a 256-bit (32-byte) key is required")
        self._aead = {kid: AESGCM(_derive(k, "spii-aead")) for kid, k in self.keys.items()}
        # Blind-index and audit keys derive from the *first* key so they survive rotation:
        # the index must stay stable while ciphertexts are re-sealed.
        root = self.keys[sorted(self.keys)[0]]
        self.index_key = _derive(root, "blind-index")
        self.audit_key = _derive(root, "audit-chain")
        self.session_key = _derive(root, "web-session")
        self._token_cache = _TokenCache(self.index_key)

    # --- sealing ---------------------------------------------------------------------------
    def encrypt(self, plaintext: str | None, context: str = "", row: str | None = None) -> str | None:
        """Seal a value; `context` (e.g. "person.given_name") and `row` (the record's key, e.g. the
        person id) are bound as associated data, so a ciphertext moved to another column or to
        another person's record does not open (#16 item 4)."""
        if plaintext is None:
            return None
        nonce = os.urandom(12)
        ct = self._aead[self.active].encrypt(nonce, plaintext.encode(), _aad(context, row))
        return f"{_PREFIX}:{self.active}:{base64.b64encode(nonce + ct).decode()}"

    def decrypt(self, token: str | None, context: str = "", row: str | None = None) -> str | None:
        if token is None:
            return None
        try:
            prefix, kid, payload = token.split(":", 2)
        except ValueError:
            raise KeyError_("a stored SPII value is not a ciphertext of this system") from None
        if prefix != _PREFIX:
            raise KeyError_(f"unknown ciphertext version {prefix!r}")
        aead = self._aead.get(kid)
        if aead is None:
            raise KeyError_(
                f"the data was sealed with key {kid!r}, which is not in the configured keyring; "
                "set LOOKOUT_KEY_FILE to the key file this database was created with"
            )
        raw = base64.b64decode(payload)
        try:
            return aead.decrypt(raw[:12], raw[12:], _aad(context, row)).decode()
        except InvalidTag:
            raise KeyError_(
                f"key {kid!r} does not open this data: the value was moved from another record or column, "
                "or the key file does not belong to this database"
            ) from None

    def opener(self, context: str) -> Callable[[str | None, str | None], str | None]:
        """`decrypt` for one context, for loops over many values (building the screening index
        decrypts millions): the same checks, without re-deriving the per-call constants."""
        prefix_aad = context.encode() + b"."
        plain_aad = context.encode()
        aeads = self._aead
        decrypt = self.decrypt

        def open_(token: str | None, row: str | None = None) -> str | None:
            if token is None:
                return None
            prefix, _, rest = token.partition(":")
            kid, _, payload = rest.partition(":")
            aead = aeads.get(kid)
            if prefix != _PREFIX or aead is None or not payload:
                return decrypt(token, context, row)  # the slow path raises the precise error
            try:
                raw = binascii.a2b_base64(payload)
                aad = plain_aad if row is None else prefix_aad + row.encode()
                return aead.decrypt(raw[:12], raw[12:], aad).decode()
            except (InvalidTag, binascii.Error):
                return decrypt(token, context, row)

        return open_

    def key_id_of(self, token: str) -> str:
        return token.split(":", 2)[1]

    # --- keyed hashes ----------------------------------------------------------------------
    def blind_index(self, value: str, kind: str) -> str:
        """Keyed hash of an already-normalised value; equal inputs give equal outputs."""
        mac = hmac.new(self.index_key, f"{kind}\x00{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    def search_tokens(self, tokens: Iterable[str]) -> list[str]:
        """Keyed tokens for the full-text index (#16 item 4): the index holds these, never the words,
        and a query is keyed the same way, so an exact-word search works and the index names nobody.
        Cached per keyring (an archive's words repeat): a hit is one dict lookup, in C."""
        return list(map(self._token_cache.__getitem__, tokens))

    def search_document(self, text: str) -> str:
        """`search_tokens` of a whole indexed document (space-separated normalised words)."""
        return " ".join(map(self._token_cache.__getitem__, text.split()))

    def chain_mac(self, data: bytes) -> str:
        return hmac.new(self.audit_key, data, hashlib.sha256).hexdigest()

    @property
    def key_check(self) -> str:
        """A value only this ledger key gives, kept in the database header: a key file that does not
        belong to the database is then reported as such, never as tampering."""
        return self.chain_mac(b"lookout-ledger key check")[:32]

    # --- storage ---------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(
            {"active": self.active, "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()}},
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, source: str) -> Keyring:
        try:
            data = json.loads(text)
            keys = {k: base64.b64decode(v, validate=True) for k, v in data["keys"].items()}
            return cls(keys=keys, active=data["active"])
        except KeyError_:
            raise
        except Exception as exc:
            raise KeyError_(f"{source} is not a Lookout Ledger key file ({exc})") from None

    @classmethod
    def generate(cls) -> Keyring:
        return cls(keys={"k1": secrets.token_bytes(32)}, active="k1")

    def rotated(self) -> Keyring:
        """A keyring with a new active key; old keys stay for reading."""
        n = 1 + max(int(k[1:]) for k in self.keys if k[1:].isdigit())
        keys = dict(self.keys)
        keys[f"k{n}"] = secrets.token_bytes(32)
        return Keyring(keys=keys, active=f"k{n}")


def load_keyring(key_file: Path | None, key_b64: str | None, create: bool = True) -> Keyring:
    """The keyring from LOOKOUT_KEY (base64 of 32 bytes) or the key file.

    The embedded default creates the key file on first use (mode 0600). A missing file when
    creation is not allowed, or a malformed one, is a clear error, never a silent new key that
    would make existing data unreadable.
    """
    if key_b64:
        try:
            raw = base64.b64decode(key_b64, validate=True)
        except Exception:
            raise KeyError_("LOOKOUT_KEY is not base64") from None
        return Keyring(keys={"k1": raw}, active="k1")
    if key_file is None:
        raise KeyError_("no key configured: set LOOKOUT_KEY_FILE or LOOKOUT_KEY")
    if key_file.exists():
        return Keyring.from_json(key_file.read_text(), str(key_file))
    if not create:
        raise KeyError_(f"key file {key_file} does not exist")
    ring = Keyring.generate()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(ring.to_json())
    return ring


def normalise_name(*parts: str | None) -> str:
    """Case-, accent- and order-insensitive form of a name, for exact keyed look-ups."""
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("-", " ")
    tokens = sorted(t for t in "".join(ch if ch.isalnum() else " " for ch in text).split() if t)
    return " ".join(tokens)


def normalise_document(number: str) -> str:
    return "".join(ch for ch in number.upper() if ch.isalnum())
