"""Signed checkpoints of the audit log, in the C2SP tlog-checkpoint / signed-note formats.

A checkpoint is the log's origin, its size and the RFC 9162 root of its first `size` entries,
signed with Ed25519. Whoever keeps a copy (an inspector general, a privacy office) can later
prove that the log still extends it: a truncated, rewritten or forked log gives another root
for that size, and no key we hold can make it match. The signing key is not the SPII key (the
MAC key protects only against someone without it; this one is about the operator itself) and
is rotated on its own; old public keys stay so old checkpoints still verify.

Formats: c2sp.org/tlog-checkpoint (origin line, decimal size, base64 root, each ending in a
newline) and c2sp.org/signed-note (blank line, then `— <key name> base64(key ID || signature)`;
key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4]). A verifier key is written
`<name>+<key ID hex>+<base64(0x01 || public key)>`, as Go's `note` package writes it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lookout_ledger.core import auditlog, merkle
from lookout_ledger.core.config import Settings
from lookout_ledger.core.db import Base
from lookout_ledger.core.errors import KeyError_, LedgerError
from lookout_ledger.core.header import LedgerHeader
from lookout_ledger.core.types import Instant

ED25519 = b"\x01"
DASH = "\u2014"


class Checkpoint(Base):
    """A checkpoint the ledger signed (a copy: the one that counts is the one an overseer kept)."""

    __tablename__ = "checkpoints"

    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    root: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    by: Mapped[str] = mapped_column(String(200), nullable=False)


# --- keys ----------------------------------------------------------------------------------------


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def _raw_public(pub: Ed25519PublicKey) -> bytes:
    return pub.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class VerifierKey:
    name: str
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public)

    def __str__(self) -> str:
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(ED25519 + self.public).decode()}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        try:
            name, kid, b64 = text.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
        except ValueError:
            raise LedgerError(f"not a verifier key (NAME+ID+KEY): {text.strip()[:60]!r}") from None
        if raw[:1] != ED25519 or len(raw) != 33:
            raise LedgerError(f"verifier key {name!r} is not an Ed25519 key")
        vk = cls(name, raw[1:])
        if vk.id.hex() != kid.lower():
            raise LedgerError(f"verifier key {name!r}: its key ID {kid} does not match its key")
        return vk


@dataclass
class SigningKeys:
    """The checkpoint signing keys by id; one signs, the others' public halves still verify."""

    path: Path
    origin: str
    active: str
    private: dict[str, bytes]
    public: dict[str, bytes]

    def name(self, kid: str) -> str:
        return f"{self.origin}/{kid}"

    def verifiers(self) -> list[VerifierKey]:
        return [VerifierKey(self.name(k), p) for k, p in sorted(self.public.items())]

    def active_verifier(self) -> VerifierKey:
        return VerifierKey(self.name(self.active), self.public[self.active])

    def sign(self, text: str) -> str:
        vk = self.active_verifier()
        sig = Ed25519PrivateKey.from_private_bytes(self.private[self.active]).sign(text.encode())
        return f"{text}\n{DASH} {vk.name} {base64.b64encode(vk.id + sig).decode()}\n"

    def save(self) -> None:
        data = {
            "origin": self.origin,
            "active": self.active,
            "keys": {
                k: {"public": base64.b64encode(p).decode(), "private": _b64(self.private.get(k))}
                for k, p in self.public.items()
            },
        }
        tmp = self.path.with_name(self.path.name + ".new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(data, indent=2))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def rotated(self) -> SigningKeys:
        """A new active key; the old private key is dropped (nothing old is signed again), its public
        half kept (old checkpoints still verify)."""
        n = 1 + max(int(k[1:]) for k in self.public if k[1:].isdigit())
        fresh = Ed25519PrivateKey.generate()
        kid = f"s{n}"
        return SigningKeys(
            self.path,
            self.origin,
            kid,
            {kid: fresh.private_bytes_raw()},
            {**self.public, kid: _raw_public(fresh.public_key())},
        )


def _b64(raw: bytes | None) -> str | None:
    return base64.b64encode(raw).decode() if raw is not None else None


def signing_key_path(settings: Settings) -> Path:
    env = os.environ.get("LOOKOUT_SIGNING_KEY_FILE")
    if env:
        return Path(env)
    if settings.key_file is not None:
        return settings.key_file.with_name(settings.key_file.stem + ".signing.key")
    return Path("lookout-ledger.signing.key")


def origin_of(session: Session) -> str:
    """The log's origin line; fixed (in the header) the first time a checkpoint needs it."""
    header = session.get(LedgerHeader, 1)
    if header is None:
        raise LedgerError("this database has no header: create it with `lookout init` before checkpointing")
    if header.origin is None:
        header.origin = f"lookout-ledger.invalid/{uuid.uuid4().hex}"
        session.flush()
    return header.origin


def load_signing_keys(path: Path, session: Session, *, create: bool) -> SigningKeys:
    """The signing keys; a new file only for a log that has never been checkpointed (a lost key
    for a log with published checkpoints is an error to fix, not a reason to start again)."""
    origin = origin_of(session)
    if path.exists():
        try:
            data = json.loads(path.read_text())
            keys = data["keys"]
            keyring = SigningKeys(
                path,
                data["origin"],
                data["active"],
                {k: base64.b64decode(v["private"]) for k, v in keys.items() if v.get("private")},
                {k: base64.b64decode(v["public"]) for k, v in keys.items()},
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyError_(f"{path} is not a Lookout Ledger checkpoint signing key file ({exc})") from None
        if keyring.origin != origin:
            raise KeyError_(
                f"the signing key file {path} belongs to the log {keyring.origin!r}, not to this one ({origin!r})"
            )
        if keyring.active not in keyring.private:
            raise KeyError_(f"the signing key file {path} has no private key for its active key {keyring.active!r}")
        return keyring
    published = session.execute(select(func.count()).select_from(Checkpoint)).scalar_one()
    if published or not create:
        raise KeyError_(
            f"the checkpoint signing key file {path} is missing"
            + (f", and this log has {published} signed checkpoints: restore it" if published else "")
            + " (LOOKOUT_SIGNING_KEY_FILE names another)"
        )
    fresh = Ed25519PrivateKey.generate()
    keyring = SigningKeys(
        path, origin, "s1", {"s1": fresh.private_bytes_raw()}, {"s1": _raw_public(fresh.public_key())}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    keyring.save()
    return keyring


# --- notes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedCheckpoint:
    origin: str
    size: int
    root: bytes
    text: str  # the note text the signatures cover
    signatures: tuple[tuple[str, bytes, bytes], ...]  # (key name, key ID, signature)

    def signed_by(self, keys: list[VerifierKey]) -> VerifierKey | None:
        """The trusted key whose signature verifies; None if none does. A known key whose signature
        fails rejects the note (signed-note: clients SHOULD reject the whole note)."""
        good = None
        for name, kid, sig in self.signatures:
            for vk in keys:
                if vk.name == name and vk.id == kid:
                    try:
                        Ed25519PublicKey.from_public_bytes(vk.public).verify(sig, self.text.encode())
                    except InvalidSignature:
                        return None
                    good = vk
        return good


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def parse_note(note: str, source: str = "checkpoint") -> SignedCheckpoint:
    if any(ord(ch) < 0x20 and ch != "\n" for ch in note):
        raise LedgerError(f"{source}: a signed note holds no control characters")
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise LedgerError(f"{source}: not a signed note (no blank line before the signatures)")
    text += "\n"
    lines = text.split("\n")
    if len(lines) < 4:
        raise LedgerError(f"{source}: a checkpoint has an origin, a size and a root hash")
    origin, size_s, root_s = lines[0], lines[1], lines[2]
    if not size_s.isdigit() or (size_s.startswith("0") and size_s != "0"):
        raise LedgerError(f"{source}: line 2 is not a tree size: {size_s!r}")
    try:
        root = base64.b64decode(root_s, validate=True)
    except ValueError:
        raise LedgerError(f"{source}: line 3 is not a base64 root hash") from None
    if len(root) != 32:
        raise LedgerError(f"{source}: the root hash is {len(root)} bytes, not 32")
    signatures = []
    for i, line in enumerate(sigs.rstrip("\n").split("\n"), start=len(lines) + 1):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise LedgerError(f"{source}: line {i} is not a signature line")
        raw = base64.b64decode(parts[2])
        signatures.append((parts[1], raw[:4], raw[4:]))
    return SignedCheckpoint(origin, int(size_s), root, text, tuple(signatures))


# --- writing and checking ------------------------------------------------------------------------


def write_checkpoint(session: Session, keys: SigningKeys, *, at: datetime, by: str) -> Checkpoint:
    """Sign the log as it stands (the caller holds the write lock, so the size is exact)."""
    auditlog.lock_head(session)
    leaves = auditlog.leaf_hashes(session)
    root = merkle.root(leaves)
    note = keys.sign(checkpoint_text(keys.origin, len(leaves), root))
    vk = keys.active_verifier()
    cp = session.get(Checkpoint, (len(leaves), vk.name))
    if cp is None:
        cp = Checkpoint(size=len(leaves), key_name=vk.name, root=root.hex(), note=note, at=at, by=by)
        session.add(cp)
        session.flush()
    return cp


def latest_checkpoint(session: Session) -> Checkpoint | None:
    return session.execute(select(Checkpoint).order_by(Checkpoint.size.desc(), Checkpoint.at.desc()).limit(1)).scalar()


@dataclass
class CheckpointCheck:
    source: str
    ok: bool
    size: int
    message: str
    proof: list[str] | None = None  # the consistency proof to today's tree (hex), when it holds


def check_checkpoint(
    note: str, source: str, leaves: list[bytes], trusted: list[VerifierKey], origin: str | None
) -> CheckpointCheck:
    """Does today's log extend this checkpoint? Signature, origin, size, then the consistency proof."""
    cp = parse_note(note, source)
    if cp.signed_by(trusted) is None:
        names = ", ".join(n for n, _, _ in cp.signatures) or "nobody"
        return CheckpointCheck(
            source, False, cp.size, f"{source}: no trusted key's signature verifies (signed by {names})"
        )
    if origin is not None and cp.origin != origin:
        return CheckpointCheck(
            source, False, cp.size, f"{source} is a checkpoint of {cp.origin}, not of this log ({origin})"
        )
    n = len(leaves)
    if cp.size > n:
        return CheckpointCheck(
            source,
            False,
            cp.size,
            f"{source}: the checkpoint signed {cp.size} entries and the log now holds {n}: "
            f"entries {n + 1}-{cp.size} were cut off the log",
        )
    if cp.size == 0:
        return CheckpointCheck(source, True, 0, f"{source}: an empty log, extended by any")
    if merkle.root(leaves[: cp.size]) != cp.root:
        return CheckpointCheck(
            source,
            False,
            cp.size,
            f"{source}: the log's first {cp.size} entries are not the ones this checkpoint signed: "
            "history was rewritten or the log forked",
        )
    proof = merkle.consistency_proof(leaves, cp.size) if cp.size < n else []
    if not merkle.verify_consistency(cp.size, n, proof, cp.root, merkle.root(leaves)):
        return CheckpointCheck(source, False, cp.size, f"{source}: the consistency proof does not verify")
    return CheckpointCheck(
        source, True, cp.size, f"{source}: today's log ({n} entries) extends it ({cp.size})", [p.hex() for p in proof]
    )
