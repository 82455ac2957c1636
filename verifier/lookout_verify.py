#!/usr/bin/env python3
"""Check Lookout Ledger checkpoints and proofs without trusting Lookout Ledger.

Standard library plus `cryptography` (Ed25519) only; nothing here imports the ledger, so an
inspector general can read this one file and run it on what the ledger handed over:

    lookout_verify.py checkpoint  --vkey VKEY CHECKPOINT
    lookout_verify.py consistency --vkey VKEY BUNDLE.json     (from `lookout checkpoint --since`)
    lookout_verify.py inclusion   --vkey VKEY BUNDLE.json     (from `lookout prove TYPE ID`)

VKEY is `name+keyid+base64key` (`lookout checkpoint-key show`), obtained from the ledger's
operator out of band and kept. Formats: c2sp.org/tlog-checkpoint, c2sp.org/signed-note,
RFC 9162 §2.1 (Merkle tree hashing, inclusion and consistency verification). Exit 0 when
everything verifies, 1 when anything does not, 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

DASH = "\u2014"


class Invalid(Exception):
    """Input that verifies to false, with the reason."""


# --- RFC 9162 §2.1 -------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, proof: list[bytes], first_root: bytes, second_root: bytes) -> bool:
    if first == 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# --- signed notes --------------------------------------------------------------------------------


@dataclass
class Key:
    name: str
    id: bytes
    public: bytes


def parse_vkey(text: str) -> Key:
    try:
        name, kid, b64 = text.strip().split("+", 2)
        raw = base64.b64decode(b64, validate=True)
    except ValueError:
        raise Invalid(f"not a verifier key: {text[:60]!r}") from None
    if raw[:1] != b"\x01" or len(raw) != 33:
        raise Invalid(f"verifier key {name!r} is not Ed25519")
    computed = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if computed.hex() != kid.lower():
        raise Invalid(f"verifier key {name!r}: key ID {kid} does not match the key")
    return Key(name, computed, raw[1:])


@dataclass
class Checkpoint:
    origin: str
    size: int
    root: bytes


def open_checkpoint(note: str, keys: list[Key]) -> Checkpoint:
    """The checkpoint, if a trusted key's signature verifies over its text (else Invalid)."""
    if any(ord(ch) < 0x20 and ch != "\n" for ch in note):
        raise Invalid("control characters in the note")
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise Invalid("not a signed note")
    text += "\n"
    verified = False
    for line in sigs.rstrip("\n").split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise Invalid(f"bad signature line {line[:40]!r}")
        raw = base64.b64decode(parts[2])
        for k in keys:
            if k.name == parts[1] and k.id == raw[:4]:
                try:
                    Ed25519PublicKey.from_public_bytes(k.public).verify(raw[4:], text.encode())
                except InvalidSignature:
                    raise Invalid(f"the signature of {k.name} does not verify") from None
                verified = True
    if not verified:
        raise Invalid("no trusted key signed this checkpoint")
    lines = text.split("\n")
    if len(lines) < 4 or not lines[1].isdigit():
        raise Invalid("not a checkpoint (origin, size, root)")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise Invalid("the root hash is not 32 bytes")
    return Checkpoint(lines[0], int(lines[1]), root)


# --- commands ------------------------------------------------------------------------------------


def _hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def check_consistency(bundle: dict, keys: list[Key]) -> str:
    old = open_checkpoint(bundle["old"], keys)
    new = open_checkpoint(bundle["new"], keys)
    if old.origin != new.origin:
        raise Invalid(f"the checkpoints are of different logs ({old.origin}, {new.origin})")
    if old.size > new.size:
        raise Invalid(f"the newer checkpoint ({new.size}) is smaller than the older ({old.size}): the log shrank")
    if old.size == 0:
        return f"an empty log is extended by any ({new.size} entries)"
    if not verify_consistency(old.size, new.size, _hexes(bundle["consistency_proof"]), old.root, new.root):
        raise Invalid(f"the log of {new.size} entries does not extend the checkpoint of {old.size}")
    return f"the log of {new.size} entries extends the checkpoint of {old.size} ({old.origin})"


def check_inclusion(bundle: dict, keys: list[Key]) -> str:
    if not bundle.get("checkpoint"):
        raise Invalid("the bundle holds no signed checkpoint")
    cp = open_checkpoint(bundle["checkpoint"], keys)
    record = bundle["record"]
    signed = 0
    for e in bundle["entries"]:
        leaf = base64.b64decode(e["leaf"])
        fields = json.loads(leaf)
        if fields[0] != e["seq"] or e["log_index"] != e["seq"] - 1:
            raise Invalid(f"entry {e['seq']}: the leaf is of entry {fields[0]}")
        records_root, records_count = fields[8], fields[9]
        # A records-tree leaf: type, id and digest joined by NUL bytes (docs/integrity.md).
        digest_leaf = leaf_hash(f"{record['type']}\x00{record['id']}\x00{e['record_digest']}".encode())
        if records_root is None or records_count != e["records_count"]:
            raise Invalid(f"entry {e['seq']} binds no records tree of {e['records_count']}")
        if not verify_inclusion(
            digest_leaf, e["records_index"], records_count, _hexes(e["records_proof"]), bytes.fromhex(records_root)
        ):
            raise Invalid(f"entry {e['seq']}: {record['type']} {record['id']} is not in the records it wrote")
        if not e["signed"]:
            continue  # written after the checkpoint: proven against an unsigned root only
        if e["tree_size"] != cp.size:
            raise Invalid(f"entry {e['seq']}: proven against {e['tree_size']} entries, the checkpoint has {cp.size}")
        if not verify_inclusion(leaf_hash(leaf), e["log_index"], cp.size, _hexes(e["log_proof"]), cp.root):
            raise Invalid(f"entry {e['seq']} is not in the signed log")
        signed += 1
    later = len(bundle["entries"]) - signed
    tail = f"; {later} written after it (check them against a later checkpoint)" if later else ""
    return f"{record['type']} {record['id']}: {signed} entries proven in the signed log of {cp.size}{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["checkpoint", "consistency", "inclusion"])
    ap.add_argument("file")
    ap.add_argument("--vkey", action="append", required=True, help="a trusted verifier key (repeatable)")
    args = ap.parse_args(argv)
    try:
        keys = [parse_vkey(v) for v in args.vkey]
        with open(args.file, encoding="utf-8") as fh:
            text = fh.read()
        if args.what == "checkpoint":
            cp = open_checkpoint(text, keys)
            message = f"signed checkpoint of {cp.origin}: {cp.size} entries, root {cp.root.hex()}"
        else:
            bundle = json.loads(text)
            message = (check_consistency if args.what == "consistency" else check_inclusion)(bundle, keys)
    except Invalid as exc:
        print(f"FAILED: {exc}")
        return 1
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        print(f"unreadable input: {exc!r}")
        return 2
    print(f"OK: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
