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

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Engine,
    Index,
    Integer,
    String,
    Table,
    column,
    event,
    select,
    table,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.dml import Delete, Insert, Update

from lookout_ledger.core import digests, merkle
from lookout_ledger.core.db import Base, table_of
from lookout_ledger.core.digest_worker import Worker, WorkerError

DELETED = "deleted"
# Server-side cursors for the big reads (per statement: `Connection.execution_options` would stick).
STREAM = {"stream_results": True, "yield_per": 10000}
CHUNK = 2000  # ids per IN (...): under SQLite's and PostgreSQL's bound-parameter limits
_PENDING = "lookout_ledger.state.pending"
_READ = "lookout_ledger.state.read_back"
_MEMO = "lookout_ledger.state.inserted"
_BULK = "lookout_ledger.state.batch"
_WORKER = "lookout_ledger.state.worker"
_KEPT = "lookout_ledger.state.kept"


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


@dataclass(frozen=True, eq=False)
class RecordType:
    name: str
    table: Table
    key: str
    parts: tuple[Part, ...] = ()

    @cached_property
    def columns(self) -> tuple[str, ...]:
        return _columns(self.table)

    @cached_property
    def part_columns(self) -> tuple[tuple[str, ...], ...]:
        return tuple(_columns(p.table) for p in self.parts)

    @cached_property
    def shape(self) -> digests.Shape:
        """The plain description `digests.digest` (and the digest worker) works from."""
        tables = (self.table, *(p.table for p in self.parts))
        return digests.Shape(
            name=self.name,
            tables=tuple(t.name for t in tables),
            columns=tuple(_columns(t) for t in tables),
            keys=(self.key, *(p.parent for p in self.parts)),
            norms=tuple(_norms_of(t) for t in tables),
            sort_keys=tuple(any(isinstance(c.type, JSON) for c in t.columns) for t in tables),
        )


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


def touch(conn: Connection, type_name: str, ids: Iterable[Any], *, read_back: bool = True) -> None:
    """Note records this transaction wrote. `read_back`: its digest must be read from the database
    at commit (any write but a fresh batch insert, whose rows `remember` keeps)."""
    ids = [str(i) for i in ids if i is not None]
    _pending(conn).setdefault(type_name, set()).update(ids)
    if read_back:
        conn.info.setdefault(_READ, {}).setdefault(type_name, set()).update(ids)


WORKER_FROM = 5000  # rows a transaction batch-inserts before a digest worker takes them over


def remember(conn: Connection, table_name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Keep the rows a batch insert stores (values as bound, columns in `columns` order), so the
    digest of a record inserted whole in this transaction is computed from them, not read back:
    the importer's million rows are then not read twice. `digests.digest` normalises the few
    types a driver returns differently from what was bound (booleans, JSON), so both give one
    digest. Past `WORKER_FROM` rows the rows go to a digest worker (core/digest_worker.py),
    which digests them on another core while the write goes on."""
    hit = _BY_TABLE.get(table_name)
    if hit is None or not rows:
        return
    rt, col = hit
    if col not in columns:
        raise StateError(f"rows written to {table_name} without {col}: their record cannot be logged")
    info = conn.info
    worker: Worker | None = info.get(_WORKER)
    if worker is not None:
        key_at = list(columns).index(col)
        worker.rows(table_name, list(columns), list(rows))
        touch(conn, rt.name, [r[key_at] for r in rows], read_back=False)
        return
    memo = info.setdefault(_MEMO, {})
    table = 0 if table_name == rt.table.name else 1 + [p.table.name for p in rt.parts].index(table_name)
    touch(conn, rt.name, digests.keep(memo.setdefault(rt.name, {}), rt.shape, table, columns, rows), read_back=False)
    kept = info[_KEPT] = info.get(_KEPT, 0) + len(rows)
    if kept >= WORKER_FROM:
        worker = info[_WORKER] = Worker(_shapes())
        for type_name, slots in info.pop(_MEMO).items():
            worker.slots(type_name, slots)


def _shapes() -> dict[str, tuple[digests.Shape, int]]:
    """Every tracked table: its record type's shape and the table's place in it (0: main)."""
    return {name: (rt.shape, rt.shape.tables.index(name)) for name, (rt, _col) in _BY_TABLE.items()}


def _drop_worker(conn: Connection) -> None:
    worker = conn.info.pop(_WORKER, None)
    conn.info.pop(_KEPT, None)
    if worker is not None:
        worker.close()


class batch_insert:
    """Around a batch insert `remember` has noted: its Core statement needs no second noting."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.info[_BULK] = True

    def __exit__(self, *exc: object) -> None:
        self.conn.info.pop(_BULK, None)


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
    if not getattr(stmt, "is_dml", False) or conn.info.get(_BULK):
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
        key = target.c.get(col)  # type: ignore[union-attr]
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
    name, _col = waiting[0]
    try:
        keys = [row[0] for row in result.inserted_primary_key_rows]
    except Exception as exc:
        raise StateError(f"an INSERT into {stmt.table.name} gave no key: its record cannot be logged") from exc
    touch(conn, name, keys)


event.listen(Engine, "before_execute", _before_execute)
event.listen(Engine, "after_execute", _after_execute)


@event.listens_for(Session, "after_begin")
def _fresh(_session: Session, _tx: Any, conn: Connection) -> None:
    _drop_worker(conn)
    for key in (_PENDING, _READ, _MEMO, _BULK):
        conn.info.pop(key, None)


@event.listens_for(Engine, "rollback")
def _rolled_back(conn: Connection) -> None:
    """A rolled-back write's worker has nothing left to digest."""
    _drop_worker(conn)


# --- digests -------------------------------------------------------------------------------------


def digest_of(
    rt: RecordType, rid: str, main: Sequence[Any], children: Sequence[Sequence[Sequence[Any]]], parts: bool = True
) -> tuple[str, str]:
    """(digest, column checks) of one record: `digests.digest` for this type."""
    return digests.digest(rt.shape, rid, main, children, parts)


def _norms_of(t: Table) -> digests.Norms:
    """Per sorted column, how a value is made the same whether bound or read back."""
    out: list[tuple[int, str]] = []
    for i, name in enumerate(_columns(t)):
        kind = t.c[name].type
        if isinstance(kind, Boolean):
            out.append((i, digests.INT))
        elif isinstance(kind, JSON):
            out.append((i, digests.JSON))
    return tuple(out)


def _columns(t: Table) -> tuple[str, ...]:
    return _columns_of(t.name, tuple(c.name for c in t.columns))


@lru_cache(maxsize=256)
def _columns_of(_name: str, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(names))


def _raw(t: Table) -> Any:
    """The table with untyped columns in sorted order: values exactly as the driver returns them."""
    return table(t.name, *(column(c) for c in _columns(t)))


def _in_sql(conn: Connection, t: Table, key: str, n: int) -> str:
    """SELECT every column WHERE key IN (n placeholders), in the driver's own paramstyle: the
    read-back runs for every record every write touches, so it skips Core's per-row work. Only
    names from the registry are spliced in; the ids are bound."""
    q = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cols = ", ".join(q(c) for c in _columns(t))
    return f"SELECT {cols} FROM {q(t.name)} WHERE {q(key)} IN ({', '.join([mark] * n)})"  # noqa: S608


def compute(conn: Connection, rt: RecordType, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Digests of the records with these ids as they stand in this transaction (absent: deleted)."""
    out: dict[str, tuple[str, str]] = {}
    key_is_text = _is_text(rt.table, rt.key)
    key_at = rt.columns.index(rt.key)
    parents = [_columns(p.table).index(p.parent) for p in rt.parts]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        params = tuple(chunk) if key_is_text else tuple(int(i) for i in chunk)
        rows = {str(r[key_at]): r for r in conn.exec_driver_sql(_in_sql(conn, rt.table, rt.key, len(params)), params)}
        grouped: list[dict[str, list[Any]]] = []
        for part, at in zip(rt.parts, parents, strict=True):
            g: dict[str, list[Any]] = {}
            for r in conn.exec_driver_sql(_in_sql(conn, part.table, part.parent, len(params)), params):
                g.setdefault(str(r[at]), []).append(r)
            grouped.append(g)
        for rid, row in rows.items():
            out[rid] = digest_of(rt, rid, row, [g.get(rid, ()) for g in grouped])
    return out


def _is_text(t: Table, col: str) -> bool:
    try:
        return t.c[col].type.python_type is str
    except NotImplementedError:
        return True


# --- recording at commit -------------------------------------------------------------------------


record_leaf = digests.record_leaf


RECORD_COLUMNS = ("seq", "n", "record_type", "record_id", "digest", "parts")


@dataclass
class Recorded:
    """What a transaction bound into its entry: the rows of `audit_records` and their Merkle leaves."""

    rows: list[tuple[int, int, str, str, str, str | None]] = field(default_factory=list)  # RECORD_COLUMNS
    leaves: list[bytes] = field(default_factory=list)

    def add(self, seq: int, type_name: str, rid: str, digest: str, parts: str | None, leaf: bytes | None) -> None:
        self.rows.append((seq, len(self.rows), type_name, rid, digest, parts))
        self.leaves.append(leaf or record_leaf(type_name, rid, digest))

    def extend(self, seq: int, type_name: str, got: Sequence[tuple[str, str, str, bytes]]) -> None:
        """Rows the digest worker made, already in id order."""
        n = len(self.rows)
        self.rows.extend((seq, n + i, type_name, rid, d, p) for i, (rid, d, p, _) in enumerate(got))
        self.leaves.extend(leaf for *_, leaf in got)

    @property
    def root(self) -> str:
        return merkle.root(self.leaves).hex()


def collect(conn: Connection, seq: int) -> Recorded | None:
    """The digests of every record this transaction touched, as rows under entry `seq`: from the
    digest worker or the kept rows for records inserted whole, read back for the others."""
    pending = conn.info.pop(_PENDING, None)
    if not pending:
        _drop_worker(conn)
        return None
    memo = conn.info.pop(_MEMO, {})
    read = conn.info.pop(_READ, {})
    from_worker: dict[str, list[tuple[str, str, str, bytes]]] = {}
    worker: Worker | None = conn.info.get(_WORKER)
    try:
        if worker is not None:
            for type_name, got in worker.finish(read):
                from_worker.setdefault(type_name, []).extend(got)
    except WorkerError as exc:
        raise StateError(f"{exc}: the write is not committed") from exc
    finally:
        _drop_worker(conn)
    recorded = Recorded()
    for type_name in sorted(pending):
        rt = _TYPES[type_name]
        ids = sorted(pending[type_name])
        got = from_worker.get(type_name, [])
        if len(got) == len(ids):  # the worker digested every one (an import): its rows, in id order
            recorded.extend(seq, type_name, got)
            continue
        done = {d[0]: d for d in got}
        kept, again = memo.get(type_name, {}), read.get(type_name, set())
        whole = {i for i in ids if i not in again and i not in done and i in kept and kept[i][0] is not None}
        digests_ = compute(conn, rt, [i for i in ids if i not in whole and i not in done])
        for rid in whole:
            main, children = kept[rid]
            digests_[rid] = digest_of(rt, rid, main, children)
        for rid in ids:
            hit = done.get(rid)
            if hit is not None:
                recorded.add(seq, type_name, rid, hit[1], hit[2], hit[3])
            else:
                digest, parts = digests_.get(rid, (DELETED, None))
                recorded.add(seq, type_name, rid, digest, parts, None)
    return recorded


def has_pending(conn: Connection) -> bool:
    return bool(conn.info.get(_PENDING))


_RECORDS = table_of(AuditRecord)


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


def _stream(conn: Connection, sql: str, params: tuple[Any, ...] = ()) -> Iterator[Sequence[Any]]:
    """Rows of one query straight from the driver, in batches: verification reads every row of every
    record table, and Core's per-row result objects cost more than the reading. A server-side
    (named) cursor on PostgreSQL; on SQLite a second cursor of the same connection. Both stay in
    the caller's transaction, so every stream sees one snapshot."""
    raw: Any = conn.connection.dbapi_connection
    assert raw is not None
    named = conn.dialect.name == "postgresql"
    cur = raw.cursor(name=f"ll_verify_{next(_CURSORS)}") if named else raw.cursor()
    try:
        cur.execute(sql, params)
        while batch := cur.fetchmany(20000):
            yield from batch
    finally:
        cur.close()


_CURSORS = itertools.count(1)


def _ordered(conn: Connection, t: Table, key: str) -> str:
    """SELECT every column (sorted) ORDER BY key, in code-point order on every engine (PostgreSQL's
    default collation is not byte order; SQLite's BINARY is). Only registry names are spliced in."""
    q = conn.dialect.identifier_preparer.quote
    collate = ' COLLATE "C"' if conn.dialect.name == "postgresql" else ""
    cols = ", ".join(q(c) for c in _columns(t))
    return f"SELECT {cols} FROM {q(t.name)} ORDER BY {q(key)}{collate}"  # noqa: S608


def _logged(conn: Connection, rt: RecordType) -> Iterator[Sequence[Any]]:
    """(id, digest, seq) of the latest logged digest of every record of a type, in id order (the
    column checks are read only for a record that differs)."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    collate = ' COLLATE "C"' if conn.dialect.name == "postgresql" else ""
    sql = (
        "SELECT a.record_id, a.digest, a.seq FROM audit_records a "  # noqa: S608  (no input in it)
        f"WHERE a.record_type = {mark} AND NOT EXISTS (SELECT 1 FROM audit_records b "
        "WHERE b.record_type = a.record_type AND b.record_id = a.record_id AND b.seq > a.seq) "
        f"ORDER BY a.record_id{collate}"
    )
    return _stream(conn, sql, (rt.name,))


def _grouped(conn: Connection, t: Table, parent: str) -> Iterator[tuple[str, list[Any]]]:
    at = _columns(t).index(parent)
    current: str | None = None
    rows: list[Any] = []
    for r in _stream(conn, _ordered(conn, t, parent)):
        pid = str(r[at])
        if pid != current:
            if current is not None:
                yield current, rows
            current, rows = pid, []
        rows.append(r)
    if current is not None:
        yield current, rows


Current = tuple[str, str, Sequence[Any], list[list[Any]]]  # id, digest, row, child rows


def _current(conn: Connection, rt: RecordType, orphans: list[tuple[str, str]]) -> Iterator[Current]:
    """(id, digest, row, children) of every current record, in code-point order of id."""
    if not _is_text(rt.table, rt.key):
        main = _raw(rt.table)
        ids = [str(r[0]) for r in conn.execute(select(main.c[rt.key]))]
        got = compute(conn, rt, ids)
        for rid in sorted(got):
            yield rid, got[rid][0], (), []
        return
    key_at = rt.columns.index(rt.key)
    names = [p.table.name for p in rt.parts]
    streams = [_grouped(conn, p.table, p.parent) for p in rt.parts]
    heads: list[tuple[str, list[Any]] | None] = [next(s, None) for s in streams]
    for r in _stream(conn, _ordered(conn, rt.table, rt.key)):
        rid = r[key_at]
        children: list[list[Any]] = []
        for i, s in enumerate(streams):
            head = heads[i]
            while head is not None and head[0] < rid:
                orphans.append((names[i], head[0]))
                head = next(s, None)
            if head is not None and head[0] == rid:
                children.append(head[1])
                head = next(s, None)
            else:
                children.append([])
            heads[i] = head
        yield rid, digest_of(rt, rid, r, children, parts=False)[0], r, children
    for i, s in enumerate(streams):
        head = heads[i]
        while head is not None:
            orphans.append((names[i], head[0]))
            head = next(s, None)


def _logged_parts(conn: Connection, rt: RecordType, rid: str, seq: int) -> str | None:
    q = select(_RECORDS.c.parts).where(
        _RECORDS.c.seq == seq, _RECORDS.c.record_type == rt.name, _RECORDS.c.record_id == rid
    )
    return conn.execute(q).scalar()


def _parts_of(conn: Connection, rt: RecordType, cur: Current) -> str:
    rid, _, row, children = cur
    if not row:  # a type keyed by a number: read it again
        return compute(conn, rt, [rid])[rid][1]
    return digest_of(rt, rid, row, children)[1]


def _where(rt: RecordType, old: str | None, new: str) -> list[str]:
    """Which columns and child tables differ, from the 16-bit checks (empty when it cannot tell)."""
    names = [f"{rt.table.name}.{c}" for c in rt.columns] + [p.table.name for p in rt.parts]
    if not old or len(old) != len(new) or len(old) != 4 * len(names):
        return []
    return [names[i] for i in range(len(names)) if old[4 * i : 4 * i + 4] != new[4 * i : 4 * i + 4]]


def verify_state(conn: Connection) -> StateResult:
    """Compare every current record with the digest its latest log entry left."""
    _sort_memory(conn)
    return verify_types(conn, record_types())


def _sizes(conn: Connection) -> dict[str, int]:
    q = conn.dialect.identifier_preparer.quote
    return {
        rt.name: conn.exec_driver_sql(f"SELECT count(*) FROM {q(rt.table.name)}").scalar_one()  # noqa: S608
        for rt in record_types()
    }


_CHILD_ENGINES: dict[str, Engine] = {}


def _verify_in_child(url: str, type_name: str) -> StateResult:
    """One record type, verified in a worker process on its own connection and snapshot. A record
    and its latest digest are committed together, so any snapshot is consistent for the record."""
    from lookout_ledger.core.db import make_engine

    engine = _CHILD_ENGINES.get(url)
    if engine is None:
        engine = _CHILD_ENGINES[url] = make_engine(url)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            _sort_memory(conn)
            return verify_types(conn, [_TYPES[type_name]])


def _sort_memory(conn: Connection) -> None:
    """PostgreSQL sorts every record table by id in byte order (no index has that collation); with
    the default 4 MB of sort memory a million-row table sorts on disk."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")


PARALLEL_FROM = 200_000  # records: below this, worker processes cost more than they save


def verify_state_parallel(conn: Connection, url: str, workers: int) -> StateResult:
    """`verify_state` over worker processes, largest record types first (digests are CPU-bound
    Python; the 60 s for a million lookouts needs both cores). Small ledgers stay in process."""
    sizes = _sizes(conn)
    if workers < 2 or sum(sizes.values()) < PARALLEL_FROM or url.endswith(":memory:"):
        return verify_state(conn)
    names = sorted(sizes, key=lambda n: -sizes[n])
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        parts = dict(zip(names, pool.map(_verify_in_child, [url] * len(names), names), strict=True))
    result = StateResult()
    for rt in record_types():
        result.records += parts[rt.name].records
        result.problems.extend(parts[rt.name].problems)
    return result


def verify_types(conn: Connection, types: Iterable[RecordType]) -> StateResult:
    result = StateResult()

    def flag(rt: RecordType, rid: str, kind: str, where: list[str], message: str) -> None:
        result.problems.append(StateProblem(rt.name, rid, kind, where, message))

    for rt in types:
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
                    where = _where(rt, _logged_parts(conn, rt, lg[0], lg[2]), _parts_of(conn, rt, cur))
                    at = f" ({', '.join(where)})" if where else ""
                    flag(rt, cur[0], "changed", where, f"{rt.name} {cur[0]} was changed outside the application{at}")
                lg, cur = next(logged, None), next(current, None)
        for tname, parent in orphans:
            flag(rt, parent, "added", [tname], f"{tname} holds rows of {rt.name} {parent}, which does not exist")
    return result
