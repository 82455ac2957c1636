"""The append-only, hash-chained audit log.

Every write use case appends one entry in its own transaction: who, what, when, a digest of
the change and the hash of the previous entry. Hashes are keyed (HMAC with a key derived from
the ledger key), so someone who can write to the database but does not hold the key cannot
rebuild a consistent chain after editing it. `verify` walks the chain and names the first
entry that was modified, deleted, inserted or reordered.

At commit the transaction's last entry also takes the Merkle root of the digests of every
record the transaction wrote (core/state.py), so the chain covers the records, not only
itself; and each entry is a leaf of the log's RFC 9162 tree (`leaf_data`), whose signed
checkpoints (core/checkpoints.py) hold even against someone with the HMAC key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Integer, String, Text, bindparam, column, event, select, table
from sqlalchemy.orm import Mapped, Session, mapped_column

from lookout_ledger.core import bulk, merkle, state
from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.db import Base, table_of
from lookout_ledger.core.header import database_kind
from lookout_ledger.core.timefmt import format_rfc3339, to_micros
from lookout_ledger.core.types import Instant

GENESIS = "0" * 64
STREAM = {"stream_results": True, "yield_per": 20000}


class AuditEntry(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    action: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    target_type: Mapped[str | None] = mapped_column(String(50))
    target_id: Mapped[str | None] = mapped_column(String(200), index=True)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    change_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # The Merkle root and number of the record digests this entry's transaction left (none: NULL).
    records_root: Mapped[str | None] = mapped_column(String(64))
    records: Mapped[int | None] = mapped_column(Integer)


class AuditHead(Base):
    """One row: the newest entry. Locking it serialises appends on PostgreSQL, and it lets
    `verify` notice entries cut off the end of the log."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


def canonical(obj: Any) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def _fields(e: AuditEntry | dict[str, Any], names: tuple[str, ...]) -> list[Any]:
    get = e.get if isinstance(e, dict) else lambda k: getattr(e, k)
    values = [get(n) for n in names]
    return [to_micros(v) if isinstance(v, datetime) else v for v in values]


_MAC_FIELDS = ("at", "actor", "action", "target_type", "target_id", "detail", "change_digest", "prev_hash")


def _entry_mac(keyring: Keyring, e: AuditEntry | dict[str, Any]) -> str:
    body = _fields(e, _MAC_FIELDS)
    records = _fields(e, ("records_root", "records"))
    if records[0] is not None:  # entries written before state digests keep their MAC
        body += records
    return keyring.chain_mac(canonical(body))


def leaf_data(e: AuditEntry | dict[str, Any]) -> bytes:
    """The entry as a leaf of the log's Merkle tree: everything it says, no key needed to hash it
    (an overseer's verifier holds no key of ours)."""
    return canonical(_fields(e, _LEAF_COLUMNS))


_LEAF_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "detail",
    "change_digest",
    "records_root",
    "records",
)


def leaf_hashes(session: Session, size: int | None = None) -> list[bytes]:
    """The leaf hashes of the log in sequence order, recomputed from the entries (never stored, so
    an edited entry cannot keep an old leaf). Columns are read untyped: `at` as the stored
    microseconds, exactly what `leaf_data` writes."""
    raw = table("audit_log", *(column(c) for c in _LEAF_COLUMNS))
    q = select(*raw.c).order_by(raw.c.seq)
    if size is not None:
        q = q.limit(size)
    dumps, leaf = orjson.dumps, merkle.leaf_hash
    rows = session.connection().execute(q, execution_options=STREAM)
    return [leaf(dumps(list(r), option=orjson.OPT_SORT_KEYS)) for r in rows]


def append(
    session: Session,
    keyring: Keyring,
    *,
    at: datetime,
    actor: str,
    action: str,
    target_type: str | None = None,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
    change_digest: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (the write and its record commit together)."""
    # Prepared Core statements on the connection, not the ORM's unit of work: every write use
    # case pays for this, and a live screening must answer in milliseconds.
    conn = session.connection()
    row = conn.execute(_HEAD).one_or_none()
    if row is None:
        conn.execute(_HEADS.insert(), {"id": 1, "seq": None, "hash": GENESIS})
        head_seq, head_hash = None, GENESIS
    else:
        head_seq, head_hash = row
    detail_text = canonical(detail or {}).decode()
    entry = AuditEntry(
        seq=(head_seq or 0) + 1,
        at=at,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail_text,
        change_digest=change_digest or hashlib.sha256(detail_text.encode()).hexdigest(),
        prev_hash=head_hash,
    )
    entry.hash = _entry_mac(keyring, entry)
    conn.execute(_INSERT, {c: getattr(entry, c) for c in _ENTRY_COLUMNS})
    conn.execute(_ADVANCE, {"new_seq": entry.seq, "new_hash": entry.hash})
    session.info[_LAST] = (entry, keyring)
    return entry


def lock_head(session: Session) -> None:
    """Hold the head (PostgreSQL: row lock) so nothing is appended while the caller reads the log."""
    session.connection().execute(_HEAD).one_or_none()


_LAST = "lookout_ledger.audit.last"
AUTO_ACTOR = "system"


@event.listens_for(Session, "before_commit")
def _bind_records(session: Session) -> None:
    """Bind the digests of every record the transaction wrote into its last entry, in the same
    transaction: the entry's MAC (and so the chain) and its Merkle leaf now cover them."""
    session.flush()
    last = session.info.pop(_LAST, None)
    if not session.in_transaction():
        return
    conn = session.connection()
    if not state.has_pending(conn):
        return
    if last is None:
        # A write with no entry of its own (a status a worker updates, a login's bookkeeping):
        # recorded under an entry that says so, never left unrecorded.
        ledger = session.info.get("lookout_ledger.ledger")
        if ledger is None:
            raise state.StateError("records were written outside a ledger transaction; nothing would log them")
        append(session, ledger.keyring, at=ledger.now(), actor=AUTO_ACTOR, action="records.write")
        last = session.info.pop(_LAST)
    entry, keyring = last
    recorded = state.collect(conn, entry.seq)
    assert recorded is not None
    bulk.insert_tuples(conn, table_of(state.AuditRecord), state.RECORD_COLUMNS, recorded.rows)
    entry.records_root = recorded.root
    entry.records = len(recorded.rows)
    entry.hash = _entry_mac(keyring, entry)
    conn.execute(_SEAL, {"s": entry.seq, "root": entry.records_root, "count": entry.records, "new_hash": entry.hash})
    conn.execute(_ADVANCE, {"new_seq": entry.seq, "new_hash": entry.hash})


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_LAST, None)


_HEADS = table_of(AuditHead)
_HEAD = select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.id == 1).with_for_update()
_ADVANCE = _HEADS.update().where(_HEADS.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
_INSERT = table_of(AuditEntry).insert()
_ENTRY_COLUMNS = tuple(c.key for c in table_of(AuditEntry).columns)
_LOG = table_of(AuditEntry)
_SEAL = (
    _LOG.update()
    .where(_LOG.c.seq == bindparam("s"))
    .values(records_root=bindparam("root"), records=bindparam("count"), hash=bindparam("new_hash"))
)


@dataclass
class Problem:
    seq: int | None
    kind: str  # modified | deleted | inserted | reordered | truncated
    message: str


@dataclass
class VerifyResult:
    entries: int
    problems: list[Problem] = field(default_factory=list)
    # Out-of-time-order entries in a simulation, where times may be set by hand: shown, not failed.
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def verify(session: Session, keyring: Keyring) -> VerifyResult:
    """Walk the chain in sequence order and classify every break.

    A row whose MAC fails was written or edited without the key: *modified* when the chain
    still runs through its stored hash, *inserted* when the next entry links past it. A row
    whose MAC holds but whose link does not is *reordered* when the entry it links to exists
    elsewhere, and follows a *deleted* entry when that entry is nowhere. A head that points
    past the last row means entries were cut off the end.
    """
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    head = session.get(AuditHead, 1)
    by_hash = {r.hash: r for r in rows}
    result = VerifyResult(entries=len(rows))

    def flag(seq: int | None, kind: str, message: str) -> None:
        result.problems.append(Problem(seq, kind, message))

    prev_hash = GENESIS
    prev_seq = 0
    latest: AuditEntry | None = None
    simulated = database_kind(session).simulated
    for i, row in enumerate(rows):
        if latest is not None and row.at < latest.at:
            # Entries are appended under the head's lock at the system's time, so each is at or after
            # the one before; an earlier time means a stated clock or an entry written outside the ledger.
            problem = Problem(
                row.seq,
                "out_of_time_order",
                f"entry {row.seq} is dated {format_rfc3339(row.at)}, earlier than entry {latest.seq} "
                f"({format_rfc3339(latest.at)}) before it",
            )
            (result.warnings if simulated else result.problems).append(problem)
        if latest is None or row.at >= latest.at:
            latest = row
        mac_ok = _entry_mac(keyring, row) == row.hash
        link_ok = row.prev_hash == prev_hash
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if not mac_ok:
            if nxt is not None and nxt.prev_hash == prev_hash:
                flag(row.seq, "inserted", f"entry {row.seq} was inserted: entry {nxt.seq} links past it")
                continue  # the chain runs past the forged row
            if nxt is None and head is not None and head.hash == prev_hash:
                flag(row.seq, "inserted", f"entry {row.seq} was inserted after the last recorded entry")
                continue
            flag(row.seq, "modified", f"entry {row.seq} was modified after it was written (content and hash differ)")
        elif not link_ok:
            linked = by_hash.get(row.prev_hash)
            if linked is not None and linked.seq != prev_seq:
                flag(row.seq, "reordered", f"entry {row.seq} is out of order: it follows {linked.seq}, not {prev_seq}")
            elif row.seq != prev_seq + 1:
                flag(prev_seq + 1, "deleted", f"entry {prev_seq + 1} was deleted (entry {row.seq} follows {prev_seq})")
            else:
                flag(
                    row.seq, "deleted", f"an entry before {row.seq} was deleted or replaced (broken link to {prev_seq})"
                )
        elif row.seq != prev_seq + 1:
            flag(row.seq, "reordered", f"entry {row.seq} was renumbered (expected {prev_seq + 1})")
        prev_hash, prev_seq = row.hash, row.seq
    if head is not None and rows:
        if head.hash not in by_hash:
            flag(head.seq, "deleted", f"entry {head.seq}, the newest recorded, was deleted (the log was truncated)")
        elif head.hash != prev_hash and not result.problems:
            flag(rows[-1].seq, "inserted", f"entries after {head.seq} were appended outside the ledger")
    elif head is not None and head.seq and not rows:
        flag(head.seq, "deleted", "every entry of the log was deleted")
    return result


def describe(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": format_rfc3339(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "detail": orjson.loads(entry.detail),
        "change_digest": entry.change_digest,
        "hash": entry.hash,
    }
