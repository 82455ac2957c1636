"""State digests: every record a transaction writes is bound into that transaction's log entry.

The audit chain alone proves only that the log was not edited. An insider with the database
file can still relabel a lookout, delete an event or flip a disclosure's `encrypted` flag, and a
log that protects only itself would call the ledger intact. So each record type (a lookout with
its topics and controls, an inspection with its officers, a disclosure with its persons and
approvals, ...) is registered here, every INSERT, UPDATE and DELETE on its tables (ORM flushes,
Core statements, the importer's raw batches) notes the record it touched, and at commit the
record's digest is computed *from the database as it then stands* and written to
`audit_records` under the transaction's last log entry, whose MAC and Merkle leaf cover their
root. `verify_state` recomputes the digest of every current record with the same function and
compares it with the latest logged one, so there is one definition of a record's digest and
nothing to drift.

A digest covers the values as the database returns them (sealed SPII by its ciphertext), so it
needs no key; it is comparable only within one database, which is all verification needs.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    Index,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    column,
    event,
    exists,
    select,
    table,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.dml import Delete, Insert, Update

from lookout_ledger.core import merkle
from lookout_ledger.core.db import Base, table_of

DELETED = "deleted"
# Server-side cursors for the big reads (per statement: `Connection.execution_options` would stick).
STREAM = {"stream_results": True, "yield_per": 10000}
CHUNK = 500
_PENDING = "lookout_ledger.state.pending"


class AuditRecord(Base):
    """One record's digest as a log entry left it (`digest` is "deleted" when the entry removed it)."""

    __tablename__ = "audit_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    record_type: Mapped[str] = mapped_column(String(40), nullable=False)
    record_id: Mapped[str] = mapped_column(String(200), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    parts: Mapped[str | None] = mapped_column(String(400))

    __table_args__ = (Index("ix_audit_records_record", "record_type", "record_id", "seq"),)


@dataclass(frozen=True)
class Part:
    """A child table of a record type: its rows belong to the record whose id is in `parent`."""

    table: Table
    parent: str


@dataclass(frozen=True)
class RecordType:
    name: str
    table: Table
    key: str
    parts: tuple[Part, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(sorted(c.name for c in self.table.columns))


_TYPES: dict[str, RecordType] = {}
_BY_TABLE: dict[str, tuple[RecordType, str]] = {}  # table name -> (record type, column with the record id)


def track(name: str, model: type[Base], key: str = "id", parts: Iterable[tuple[type[Base], str]] = ()) -> None:
    """Register a record type: its main table, key column and child tables (model, parent column).
    Each capability registers its own next to its tables, as it does its sealed columns."""
    rt = RecordType(name, table_of(model), key, tuple(Part(table_of(m), p) for m, p in parts))
    _TYPES[name] = rt
    _BY_TABLE[rt.table.name] = (rt, key)
    for p in rt.parts:
        _BY_TABLE[p.table.name] = (rt, p.parent)


def extend(name: str, parts: Iterable[tuple[type[Base], str]]) -> None:
    """Add child tables a higher capability keeps for a record type registered below it (the
    archive's message, attachments and person links belong to a communication)."""
    rt = _TYPES[name]
    more = tuple(Part(table_of(m), p) for m, p in parts)
    _TYPES[name] = grown = RecordType(rt.name, rt.table, rt.key, rt.parts + more)
    for table_name, (old, col) in list(_BY_TABLE.items()):
        if old is rt:
            _BY_TABLE[table_name] = (grown, col)
    for p in more:
        _BY_TABLE[p.table.name] = (grown, p.parent)


def record_types() -> list[RecordType]:
    return list(_TYPES.values())


def record_type(name: str) -> RecordType | None:
    return _TYPES.get(name)


def tracked_table(name: str) -> RecordType | None:
    hit = _BY_TABLE.get(name)
    return hit[0] if hit else None


# --- noting what a transaction touched -----------------------------------------------------------


class StateError(RuntimeError):
    """A write the state log cannot account for: refused, so nothing changes unrecorded."""


def _pending(conn: Connection) -> dict[str, set[str]]:
    info = conn.info
    found = info.get(_PENDING)
    if found is None:
        found = info[_PENDING] = {}
    return found  # type: ignore[no-any-return]


def touch(conn: Connection, type_name: str, ids: Iterable[Any]) -> None:
    _pending(conn).setdefault(type_name, set()).update(str(i) for i in ids if i is not None)


def touch_rows(conn: Connection, table_name: str, rows: Sequence[dict[str, Any]]) -> None:
    """For writers that bypass Core (the importer's raw batches): note the records of these rows."""
    hit = _BY_TABLE.get(table_name)
    if hit is None or not rows:
        return
    rt, col = hit
    if col not in rows[0]:
        raise StateError(f"rows written to {table_name} without {col}: their record cannot be logged")
    touch(conn, rt.name, (r[col] for r in rows))


def _param_sets(multiparams: Any, params: Any) -> list[dict[str, Any]]:
    sets: list[dict[str, Any]] = []
    for p in multiparams or ():
        if isinstance(p, dict):
            sets.append(p)
        elif isinstance(p, list | tuple):
            sets.extend(x for x in p if isinstance(x, dict))
    if isinstance(params, dict) and params:
        sets.append(params)
    return sets


def _before_execute(conn: Connection, stmt: Any, multiparams: Any, params: Any, _opts: Any) -> None:
    if not getattr(stmt, "is_dml", False):
        return
    target = getattr(stmt, "table", None)
    name = getattr(target, "name", None)
    hit = _BY_TABLE.get(name) if name else None
    if hit is None:
        return
    rt, col = hit
    sets = _param_sets(multiparams, params)
    if isinstance(stmt, Insert):
        if stmt.select is not None:
            raise StateError(f"INSERT ... SELECT into {name}: the records it writes cannot be logged one by one")
        inline = stmt.compile().params if getattr(stmt, "_values", None) or getattr(stmt, "_multi_values", None) else {}
        if not sets:
            sets = [{}]
        ids = []
        for p in sets:
            v = p.get(col, inline.get(col))
            if v is None:
                conn.info.setdefault(_PENDING + ".returning", []).append((rt.name, col))
                continue
            ids.append(v)
        touch(conn, rt.name, ids)
        return
    if isinstance(stmt, Update | Delete):
        key = target.c[col] if col in target.c else None  # type: ignore[union-attr]
        if key is None:
            raise StateError(f"{'UPDATE' if isinstance(stmt, Update) else 'DELETE'} on {name} without {col}")
        query = select(key)
        if stmt.whereclause is not None:
            query = query.where(stmt.whereclause)
        for p in sets or [{}]:
            touch(conn, rt.name, conn.execute(query, p).scalars())


def _after_execute(conn: Connection, stmt: Any, _mp: Any, _p: Any, _opts: Any, result: Any) -> None:
    waiting = conn.info.pop(_PENDING + ".returning", None)
    if not waiting:
        return
    name, col = waiting[0]
    try:
        keys = [row[0] for row in result.inserted_primary_key_rows]
    except Exception as exc:
        raise StateError(f"an INSERT into {stmt.table.name} gave no key: its record cannot be logged") from exc
    touch(conn, name, keys)


event.listen(Engine, "before_execute", _before_execute)
event.listen(Engine, "after_execute", _after_execute)


@event.listens_for(Session, "after_begin")
def _fresh(_session: Session, _tx: Any, conn: Connection) -> None:
    conn.info.pop(_PENDING, None)


# --- digests -------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def _dump(row: dict[str, Any]) -> bytes:
    return orjson.dumps(row, default=_plain, option=orjson.OPT_SORT_KEYS)


def _crc(value: Any) -> str:
    return f"{zlib.crc32(orjson.dumps(value, default=_plain)) & 0xFFFF:04x}"


def digest_of(
    rt: RecordType, rid: str, main: dict[str, Any], children: Sequence[list[dict[str, Any]]]
) -> tuple[str, str]:
    """(digest, parts) of one record. `parts` holds a 16-bit check per column and per child table,
    so verification can say where a record changed, not only that it did."""
    h = hashlib.sha256(f"{rt.name}\x00{rid}\x00".encode())
    h.update(_dump({k: v for k, v in main.items() if v is not None}))
    parts = [_crc(main.get(c)) for c in rt.columns]
    for rows in children:
        blob = b"\n".join(sorted(_dump(r) for r in rows))
        h.update(b"\x00")
        h.update(blob)
        parts.append(f"{zlib.crc32(blob) & 0xFFFF:04x}")
    return h.hexdigest(), "".join(parts)


def _raw(t: Table) -> Any:
    """The table with untyped columns: values exactly as the driver returns them, no processing."""
    return table(t.name, *(column(c.name) for c in t.columns))


def compute(conn: Connection, rt: RecordType, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Digests of the records with these ids as they stand in this transaction (absent: deleted)."""
    main = _raw(rt.table)
    kids = [(_raw(p.table), p.parent) for p in rt.parts]
    out: dict[str, tuple[str, str]] = {}
    key_is_text = _is_text(rt.table, rt.key)
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        params = chunk if key_is_text else [int(i) for i in chunk]
        rows = {
            str(r[rt.key]): dict(r) for r in conn.execute(select(main).where(main.c[rt.key].in_(params))).mappings()
        }
        grouped: list[dict[str, list[dict[str, Any]]]] = []
        for kt, parent in kids:
            g: dict[str, list[dict[str, Any]]] = {}
            for r in conn.execute(select(kt).where(kt.c[parent].in_(params))).mappings():
                g.setdefault(str(r[parent]), []).append(dict(r))
            grouped.append(g)
        for rid, row in rows.items():
            out[rid] = digest_of(rt, rid, row, [g.get(rid, []) for g in grouped])
    return out


def _is_text(t: Table, col: str) -> bool:
    try:
        return t.c[col].type.python_type is str
    except NotImplementedError:
        return True


# --- recording at commit -------------------------------------------------------------------------


def record_leaf(record_type: str, record_id: str, digest: str) -> bytes:
    return merkle.leaf_hash(orjson.dumps([record_type, record_id, digest]))


@dataclass
class Recorded:
    """What a transaction bound into its entry: the rows of `audit_records` and their Merkle root."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def root(self) -> str:
        return merkle.root([record_leaf(r["record_type"], r["record_id"], r["digest"]) for r in self.rows]).hex()


def collect(conn: Connection, seq: int) -> Recorded | None:
    """The digests of every record this transaction touched, as rows under entry `seq`."""
    pending = conn.info.pop(_PENDING, None)
    if not pending:
        return None
    recorded = Recorded()
    n = 0
    for type_name in sorted(pending):
        rt = _TYPES[type_name]
        ids = sorted(pending[type_name])
        digests = compute(conn, rt, ids)
        for rid in ids:
            digest, parts = digests.get(rid, (DELETED, None))
            recorded.rows.append(
                {"seq": seq, "n": n, "record_type": type_name, "record_id": rid, "digest": digest, "parts": parts}
            )
            n += 1
    return recorded


def has_pending(conn: Connection) -> bool:
    return bool(conn.info.get(_PENDING))


_RECORDS = table_of(AuditRecord)


def write(conn: Connection, recorded: Recorded) -> None:
    for start in range(0, len(recorded.rows), 5000):
        conn.execute(_RECORDS.insert(), recorded.rows[start : start + 5000])


# --- verification --------------------------------------------------------------------------------


@dataclass
class StateProblem:
    record_type: str
    record_id: str
    kind: str  # changed | added | removed
    where: list[str]
    message: str


@dataclass
class StateResult:
    records: int = 0
    problems: list[StateProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _binary(conn: Connection, col: Any) -> Any:
    """Order by code point on every engine (PostgreSQL's default collation is not byte order)."""
    return col.collate("C") if conn.dialect.name == "postgresql" else col


def _logged(conn: Connection, rt: RecordType) -> Iterator[tuple[str, str, str | None]]:
    a = _RECORDS.alias("a")
    b = _RECORDS.alias("b")
    newer = exists().where(and_(b.c.record_type == a.c.record_type, b.c.record_id == a.c.record_id, b.c.seq > a.c.seq))
    q = (
        select(a.c.record_id, a.c.digest, a.c.parts)
        .where(a.c.record_type == bindparam("t"), ~newer)
        .order_by(_binary(conn, a.c.record_id))
    )
    for r in conn.execute(q, {"t": rt.name}, execution_options=STREAM):
        yield r[0], r[1], r[2]


def _grouped(conn: Connection, kt: Any, parent: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    q = select(kt).order_by(_binary(conn, kt.c[parent]))
    current: str | None = None
    rows: list[dict[str, Any]] = []
    for r in conn.execute(q, execution_options=STREAM).mappings():
        pid = str(r[parent])
        if pid != current:
            if current is not None:
                yield current, rows
            current, rows = pid, []
        rows.append(dict(r))
    if current is not None:
        yield current, rows


def _current(conn: Connection, rt: RecordType, orphans: list[tuple[str, str]]) -> Iterator[tuple[str, str, str]]:
    """(id, digest, parts) of every current record, in code-point order of id."""
    main = _raw(rt.table)
    kids = [(_raw(p.table), p.parent, p.table.name) for p in rt.parts]
    if not _is_text(rt.table, rt.key):
        ids = [str(r[0]) for r in conn.execute(select(main.c[rt.key]))]
        got = compute(conn, rt, ids)
        for rid in sorted(got):
            yield rid, *got[rid]
        return
    streams = [_grouped(conn, kt, parent) for kt, parent, _ in kids]
    heads: list[tuple[str, list[dict[str, Any]]] | None] = [next(s, None) for s in streams]
    q = select(main).order_by(_binary(conn, main.c[rt.key]))
    for r in conn.execute(q, execution_options=STREAM).mappings():
        rid = r[rt.key]
        children: list[list[dict[str, Any]]] = []
        for i, s in enumerate(streams):
            head = heads[i]
            while head is not None and head[0] < rid:
                orphans.append((kids[i][2], head[0]))
                head = next(s, None)
            if head is not None and head[0] == rid:
                children.append(head[1])
                head = next(s, None)
            else:
                children.append([])
            heads[i] = head
        digest, parts = digest_of(rt, rid, dict(r), children)
        yield rid, digest, parts
    for i, s in enumerate(streams):
        head = heads[i]
        while head is not None:
            orphans.append((kids[i][2], head[0]))
            head = next(s, None)


def _where(rt: RecordType, old: str | None, new: str) -> list[str]:
    """Which columns and child tables differ, from the 16-bit checks (empty when it cannot tell)."""
    names = [f"{rt.table.name}.{c}" for c in rt.columns] + [p.table.name for p in rt.parts]
    if not old or len(old) != len(new) or len(old) != 4 * len(names):
        return []
    return [names[i] for i in range(len(names)) if old[4 * i : 4 * i + 4] != new[4 * i : 4 * i + 4]]


def verify_state(conn: Connection) -> StateResult:
    """Compare every current record with the digest its latest log entry left."""
    result = StateResult()

    def flag(rt: RecordType, rid: str, kind: str, where: list[str], message: str) -> None:
        result.problems.append(StateProblem(rt.name, rid, kind, where, message))

    for rt in record_types():
        orphans: list[tuple[str, str]] = []
        logged = _logged(conn, rt)
        current = _current(conn, rt, orphans)
        lg = next(logged, None)
        cur = next(current, None)
        while lg is not None or cur is not None:
            if cur is not None and (lg is None or cur[0] < lg[0]):
                result.records += 1
                flag(rt, cur[0], "added", [rt.table.name], f"{rt.name} {cur[0]} was added outside the application")
                cur = next(current, None)
            elif lg is not None and (cur is None or lg[0] < cur[0]):
                if lg[1] != DELETED:
                    flag(
                        rt, lg[0], "removed", [rt.table.name], f"{rt.name} {lg[0]} was removed outside the application"
                    )
                lg = next(logged, None)
            else:
                assert lg is not None and cur is not None
                result.records += 1
                if lg[1] == DELETED:
                    flag(
                        rt,
                        cur[0],
                        "added",
                        [rt.table.name],
                        f"{rt.name} {cur[0]} was deleted in the application and re-created outside it",
                    )
                elif lg[1] != cur[1]:
                    where = _where(rt, lg[2], cur[2])
                    at = f" ({', '.join(where)})" if where else ""
                    flag(rt, cur[0], "changed", where, f"{rt.name} {cur[0]} was changed outside the application{at}")
                lg, cur = next(logged, None), next(current, None)
        for tname, parent in orphans:
            flag(rt, parent, "added", [tname], f"{tname} holds rows of {rt.name} {parent}, which does not exist")
    return result
