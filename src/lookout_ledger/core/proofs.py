"""Proof bundles an overseer checks with the stand-alone verifier, trusting none of our code.

`record_proof`: every log entry that wrote a record, each with the record's digest, its
inclusion in the entry's records tree (whose root is in the entry's leaf) and the entry's
inclusion in the log tree of a signed checkpoint. `consistency_bundle`: an older checkpoint, a
newer one, and the RFC 9162 consistency proof between them. Both are JSON; hashes are hex and
leaves base64, so the verifier needs no knowledge of our schema beyond the leaf layouts in
docs/integrity.md.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core import auditlog, checkpoints, merkle, state
from lookout_ledger.core.errors import LedgerError, NotFound

FORMAT = "lookout-ledger-proof/1"


def _hex(path: list[bytes]) -> list[str]:
    return [p.hex() for p in path]


def record_proof(session: Session, record_type: str, record_id: str) -> dict[str, Any]:
    if state.record_type(record_type) is None:
        known = ", ".join(sorted(rt.name for rt in state.record_types()))
        raise LedgerError(f"{record_type!r} is not a record type the log tracks (one of: {known})")
    rows = (
        session.execute(
            select(state.AuditRecord)
            .where(state.AuditRecord.record_type == record_type, state.AuditRecord.record_id == record_id)
            .order_by(state.AuditRecord.seq)
        )
        .scalars()
        .all()
    )
    if not rows:
        raise NotFound(f"no log entry wrote {record_type} {record_id}")
    cp = checkpoints.latest_checkpoint(session)
    leaves = auditlog.leaf_hashes(session)
    entries = []
    for row in rows:
        entry = session.get(auditlog.AuditEntry, row.seq)
        if entry is None:
            raise LedgerError(f"entry {row.seq}, which wrote {record_type} {record_id}, is missing from the log")
        siblings = session.execute(
            select(state.AuditRecord.record_type, state.AuditRecord.record_id, state.AuditRecord.digest)
            .where(state.AuditRecord.seq == row.seq)
            .order_by(state.AuditRecord.n)
        ).all()
        record_leaves = [state.record_leaf(t, i, d) for t, i, d in siblings]
        covered = cp is not None and row.seq <= cp.size
        size = cp.size if covered and cp is not None else len(leaves)
        entries.append(
            {
                "seq": row.seq,
                "action": entry.action,
                "leaf": base64.b64encode(auditlog.leaf_data(entry)).decode(),
                "log_index": row.seq - 1,
                "tree_size": size,
                "log_proof": _hex(merkle.inclusion_proof(leaves[:size], row.seq - 1)),
                "signed": covered,
                "record_digest": row.digest,
                "records_index": row.n,
                "records_count": len(record_leaves),
                "records_proof": _hex(merkle.inclusion_proof(record_leaves, row.n)),
            }
        )
    return {
        "format": FORMAT,
        "record": {"type": record_type, "id": record_id},
        "checkpoint": cp.note if cp is not None else None,
        "current_root": merkle.root(leaves).hex(),
        "current_size": len(leaves),
        "entries": entries,
    }


def consistency_bundle(session: Session, old_note: str, new_note: str) -> dict[str, Any]:
    old = checkpoints.parse_note(old_note, "the older checkpoint")
    new = checkpoints.parse_note(new_note, "the newer checkpoint")
    if old.size > new.size:
        raise LedgerError(f"the older checkpoint ({old.size} entries) is larger than the newer ({new.size})")
    leaves = auditlog.leaf_hashes(session, new.size)
    proof = merkle.consistency_proof(leaves, old.size) if 0 < old.size < new.size else []
    return {"format": FORMAT, "old": old_note, "new": new_note, "consistency_proof": _hex(proof)}
