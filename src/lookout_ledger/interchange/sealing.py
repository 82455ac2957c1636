"""Sealing an export for one named recipient, so the file can travel without the SPII in clear.

An export carries every person's name, date of birth and document numbers. Sealed, it is
readable only with the recipient's private key: X25519 key agreement with a one-time key,
HKDF-SHA256, and AES-256-GCM over 1 MiB chunks (streamed, so a large export needs no more
memory than a chunk). Each chunk's nonce is its number and its associated data binds the
header and whether it is the last, so chunks cannot be reordered, dropped or cut off
unnoticed. The format:

    line 1   {"format": "lif-sealed", "version": 1, "recipient": FINGERPRINT, "ephemeral": B64, "chunk": N}
    then     per chunk: 4-byte big-endian length, ciphertext (with its 16-byte tag)
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from pathlib import Path
from typing import IO

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lookout_ledger.core.errors import LedgerError

FORMAT = "lif-sealed"
CHUNK = 1 << 20
_INFO = b"lookout-ledger lif-sealed v1"


def fingerprint(public: X25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:32]


def generate_recipient(private_path: Path, public_path: Path) -> str:
    """A recipient key pair: the private key written 0600 (PEM), the public one beside it."""
    key = X25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return fingerprint(key.public_key())


def load_public(path: Path) -> X25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise LedgerError(f"--recipient-key: {path} is not a readable PEM public key ({exc})") from None
    if not isinstance(key, X25519PublicKey):
        raise LedgerError(f"--recipient-key: {path} is not an X25519 key (make one with `lookout keys recipient`)")
    return key


def _key(shared: bytes, ephemeral: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=ephemeral, info=_INFO).derive(shared)


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">Q?", index, last)


class SealingWriter:
    """A binary stream that seals what is written to it into `out`; `close()` writes the last chunk."""

    def __init__(self, out: IO[bytes], recipient: X25519PublicKey) -> None:
        eph = X25519PrivateKey.generate()
        eph_raw = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self._aead = AESGCM(_key(eph.exchange(recipient), eph_raw))
        header = {
            "format": FORMAT,
            "version": 1,
            "recipient": fingerprint(recipient),
            "ephemeral": base64.b64encode(eph_raw).decode(),
            "chunk": CHUNK,
        }
        self._header = orjson.dumps(header, option=orjson.OPT_SORT_KEYS)
        self._out = out
        self._out.write(self._header + b"\n")
        self._buf = bytearray()
        self._index = 0

    def write(self, data: bytes) -> int:
        self._buf += data
        while len(self._buf) > CHUNK:  # keep at least one byte back, so the last chunk is known at close
            self._emit(bytes(self._buf[:CHUNK]), last=False)
            del self._buf[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, *, last: bool) -> None:
        nonce = struct.pack(">4xQ", self._index)
        sealed = self._aead.encrypt(nonce, plain, _aad(self._header, self._index, last))
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._index += 1

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        self._emit(bytes(self._buf), last=True)
        self._buf.clear()
        self._out.flush()


def unseal(src: IO[bytes], out: IO[bytes], private: X25519PrivateKey) -> int:
    """Write the plain export to `out`; refuse a wrong key, a changed, reordered or cut-off file."""
    line = src.readline()
    try:
        header = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise LedgerError("not a sealed export (the first line is not its header)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != 1:
        raise LedgerError("not a sealed export (format lif-sealed, version 1)")
    if header.get("recipient") != fingerprint(private.public_key()):
        raise LedgerError(f"this export is sealed for {header.get('recipient')}, not for this key")
    eph_raw = base64.b64decode(header["ephemeral"])
    aead = AESGCM(_key(private.exchange(X25519PublicKey.from_public_bytes(eph_raw)), eph_raw))
    head = orjson.dumps(header, option=orjson.OPT_SORT_KEYS)
    index = written = 0
    pending: bytes | None = None
    while True:
        size = src.read(4)
        if not size:
            break
        if len(size) != 4:
            raise LedgerError("the sealed export is cut off")
        (n,) = struct.unpack(">I", size)
        sealed = src.read(n)
        if len(sealed) != n:
            raise LedgerError("the sealed export is cut off")
        if pending is not None:
            out.write(_open(aead, head, index - 1, pending, last=False))
            written += 1
        pending = sealed
        index += 1
    if pending is None:
        raise LedgerError("the sealed export holds no data")
    out.write(_open(aead, head, index - 1, pending, last=True))
    return written + 1


def _open(aead: AESGCM, header: bytes, index: int, sealed: bytes, *, last: bool) -> bytes:
    from cryptography.exceptions import InvalidTag

    try:
        return aead.decrypt(struct.pack(">4xQ", index), sealed, _aad(header, index, last))
    except InvalidTag:
        raise LedgerError(f"chunk {index} of the sealed export was changed, reordered or cut off") from None


def load_private(path: Path) -> X25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise LedgerError(f"--key: {path} is not a readable PEM private key ({exc})") from None
    if not isinstance(key, X25519PrivateKey):
        raise LedgerError(f"--key: {path} is not an X25519 private key")
    return key
