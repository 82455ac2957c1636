"""The Merkle functions against RFC 9162's own recursive definitions, and against tampered proofs."""

from __future__ import annotations

import hashlib

import pytest

from lookout_ledger.core import merkle


def _mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) exactly as RFC 9162 §2.1.1 defines it (recursive, split at the largest power of 2 < n)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


LEAVES = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(70)]


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


@pytest.mark.parametrize("n", range(0, 70))
def test_root_is_the_rfc_tree_head(n: int) -> None:
    assert merkle.root(LEAVES[:n]) == _mth(LEAVES[:n])


def test_every_inclusion_proof_verifies_and_a_tampered_one_does_not() -> None:
    for n in range(1, 34):
        r = merkle.root(LEAVES[:n])
        for i in range(n):
            path = merkle.inclusion_proof(LEAVES[:n], i)
            assert merkle.verify_inclusion(LEAVES[i], i, n, path, r)
            assert not merkle.verify_inclusion(LEAVES[i + 36], i, n, path, r)  # a leaf not in the tree
            if path:
                bad = [bytes([path[0][0] ^ 1]) + path[0][1:], *path[1:]]
                assert not merkle.verify_inclusion(LEAVES[i], i, n, bad, r)
                assert not merkle.verify_inclusion(LEAVES[i], i, n, path[:-1], r)
            assert not merkle.verify_inclusion(LEAVES[i], i + n, n, path, r)


def test_every_consistency_proof_verifies_and_a_tampered_one_does_not() -> None:
    for n in range(1, 34):
        new_root = merkle.root(LEAVES[:n])
        for m in range(1, n + 1):
            old_root = merkle.root(LEAVES[:m])
            proof = merkle.consistency_proof(LEAVES[:n], m)
            assert merkle.verify_consistency(m, n, proof, old_root, new_root)
            forked = merkle.root([*LEAVES[: m - 1], merkle.leaf_hash(b"forged")])
            assert not merkle.verify_consistency(m, n, proof, forked, new_root)
            if proof:
                bad = [*proof[:-1], bytes([proof[-1][0] ^ 1]) + proof[-1][1:]]
                assert not merkle.verify_consistency(m, n, bad, old_root, new_root)
    assert not merkle.verify_consistency(5, 4, [], merkle.root(LEAVES[:5]), merkle.root(LEAVES[:4]))
