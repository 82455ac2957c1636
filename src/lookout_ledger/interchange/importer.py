"""Import a LIF file: all or nothing, idempotent, streaming, recorded in the audit log.

The file is read line by line and validated; valid records are inserted in batches with
executemany inside ONE transaction, so a million-line file needs memory for one batch, not
for the file. Every line's (type, id, line number) also goes into a temporary table, which is
what lets the importer, without holding ids in memory and without reading the file twice
(it may be a pipe):

- name both lines of a duplicate id (a GROUP BY over the temporary table),
- name the line of a dangling reference (an anti-join per reference column, joined back to
  the temporary table for the line number), checked once the whole file is in, so lines may
  come in any order and may refer to records already in the database,
- tell a record stored by an earlier import from one stored by an earlier line of this file.

A line whose id is already stored is compared with the stored record through the exporter's
canonical form: equal is "unchanged", different is a conflict unless `update` is set, in which
case the record and its child rows are replaced. Any error rolls the whole transaction back.
"""

from __future__ import annotations

import hashlib
import io
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Column, Connection, Index, Integer, MetaData, String, Table, and_, bindparam, func, select, text

from lookout_ledger.core.bulk import insert_rows
from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.db import serialize
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.interchange.canonical import canonical_records
from lookout_ledger.interchange.provenance import record_provenance
from lookout_ledger.interchange.rows import ROW_BUILDERS
from lookout_ledger.interchange.schema import (
    RECORD_TYPES,
    LineError,
    describe,
    to_lif,
    validate_header,
    validate_record,
)
from lookout_ledger.interchange.tables import REFERENCES, TABLES
from lookout_ledger.screening.changes import mark_imported

ERROR_LIMIT = 200
BATCH = 5000  # records buffered (all types) before they are written
PROGRESS_EVERY = 5000  # lines

Progress = Callable[[int, int | None], None]  # (bytes read, total bytes or None for a pipe)

_seen_meta = MetaData()
SEEN = Table(
    "lif_seen",
    _seen_meta,
    Column("type", String(20), nullable=False),
    Column("id", String(200), nullable=False),
    Column("line", Integer, nullable=False),
    Index("ix_lif_seen_type_id", "type", "id"),
    prefixes=["TEMPORARY"],
)

HEADER_EXAMPLE = '{"type": "header", "format": "lif", "version": 1, "source": "...", "exported_at": "..."}'


@dataclass
class ImportReport:
    source: str
    sha256: str
    lines: int
    records: int
    counts: dict[str, dict[str, int]]


class ImportFailed(LedgerError):
    """The file was not imported; `errors` names every bad line (up to the limit)."""

    def __init__(self, source: str, errors: list[LineError], more: int) -> None:
        self.source = source
        self.errors = errors
        self.more = more
        super().__init__(str(self))

    def __str__(self) -> str:
        total = len(self.errors) + self.more
        lines = [f"{self.source}: nothing was imported; {total} problem{'s' if total != 1 else ''} found"]
        lines += [f"  line {e.line}: {e.field}: expected {e.expected}; found {e.found}" for e in self.errors[:20]]
        hidden = total - min(20, len(self.errors))
        if hidden:
            lines.append(f"  ... and {hidden} more")
        return "\n".join(lines)


class _Errors:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: list[LineError] = []
        self.more = 0

    def add(self, line: int, field_: str, expected: str, found: str) -> None:
        if len(self.items) < self.limit:
            self.items.append(LineError(line, field_, expected, found))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.items) or self.more > 0


@dataclass
class _Loader:
    """Buffers validated records and writes them a batch at a time, in dependency order."""

    conn: Connection
    keyring: Keyring
    update: bool
    errors: _Errors
    counts: dict[str, dict[str, int]]
    pending: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    invalid: list[dict[str, Any]] = field(default_factory=list)
    size: int = 0

    def add(self, rtype: str, record: dict[str, Any], line: int) -> None:
        self.pending.setdefault(rtype, []).append((line, record))
        self.size += 1
        if self.size >= BATCH:
            self.flush()

    def note_invalid(self, rtype: str, rid: Any, line: int) -> None:
        """An invalid line still declares its id: it counts for duplicates, and references to
        it are not reported a second time as dangling."""
        if type(rid) is str and rid:
            self.invalid.append({"type": rtype, "id": rid[:200], "line": line})

    def flush(self) -> None:
        for rtype in RECORD_TYPES:  # parents before children keeps SQLite's deferred FK counter at zero
            items = self.pending.get(rtype)
            if items:
                self._flush_type(rtype, items)
        if self.invalid:
            insert_rows(self.conn, SEEN, self.invalid)
        self.pending.clear()
        self.invalid = []
        self.size = 0

    def _flush_type(self, rtype: str, items: list[tuple[int, dict[str, Any]]]) -> None:
        conn = self.conn
        first: dict[str, tuple[int, dict[str, Any]]] = {}
        for line, record in items:
            first.setdefault(record["id"], (line, record))
        main = TABLES[rtype].main
        existing = set(conn.execute(select(main.c.id).where(main.c.id.in_(list(first)))).scalars())
        repeated: set[str] = set()
        if existing:  # stored before this import, or by an earlier line of this file?
            query = select(SEEN.c.id).where(SEEN.c.type == rtype, SEEN.c.id.in_(list(existing)))
            repeated = set(conn.execute(query).scalars())
        insert_rows(conn, SEEN, [{"type": rtype, "id": r["id"], "line": line} for line, r in items])
        counts = self.counts[rtype]
        stored = [rid for rid in first if rid in existing and rid not in repeated]
        if stored:
            current = canonical_records(conn, self.keyring, rtype, stored)
            changed = []
            for rid in stored:
                line, record = first[rid]
                incoming = to_lif(rtype, record)
                if incoming == current[rid]:
                    counts["unchanged"] += 1
                elif self.update:
                    changed.append(record)
                    counts["updated"] += 1
                else:
                    diff = [k for k in incoming if incoming[k] != current[rid].get(k)]
                    self.errors.add(
                        line,
                        "id",
                        f"the same content as the stored {rtype} {rid!r}, or --update to replace it",
                        "different " + ", ".join(diff),
                    )
            if changed:
                self._replace(rtype, changed)
        new = [record for rid, (_line, record) in first.items() if rid not in existing]
        if new:
            self._insert(rtype, new)
            counts["inserted"] += len(new)

    def _rows(
        self, rtype: str, records: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
        build = ROW_BUILDERS[rtype]
        mains: list[dict[str, Any]] = []
        kids: list[list[dict[str, Any]]] = [[] for _ in TABLES[rtype].children]
        for record in records:
            main, children = build(record, self.keyring)
            mains.append(main)
            for bucket, rows in zip(kids, children, strict=True):
                bucket.extend(rows)
        return mains, kids

    def _insert(self, rtype: str, records: list[dict[str, Any]]) -> None:
        tables = TABLES[rtype]
        mains, kids = self._rows(rtype, records)
        insert_rows(self.conn, tables.main, mains)
        for child, rows in zip(tables.children, kids, strict=True):
            insert_rows(self.conn, child.table, rows)

    def _replace(self, rtype: str, records: list[dict[str, Any]]) -> None:
        """--update: rewrite the main row in place (its id stays, so nothing referring to it
        is disturbed) and replace its child rows."""
        tables = TABLES[rtype]
        mains, kids = self._rows(rtype, records)
        ids = [m["id"] for m in mains]
        params = [{"match_id": m["id"], **{k: v for k, v in m.items() if k != "id"}} for m in mains]
        self.conn.execute(tables.main.update().where(tables.main.c.id == bindparam("match_id")), params)
        for child, rows in zip(tables.children, kids, strict=True):
            self.conn.execute(child.table.delete().where(child.table.c[child.parent].in_(ids)))
            insert_rows(self.conn, child.table, rows)


def _check_duplicates(conn: Connection, errors: _Errors) -> None:
    dup = select(SEEN.c.type, SEEN.c.id).group_by(SEEN.c.type, SEEN.c.id).having(func.count() > 1).subquery("dup")
    query = (
        select(SEEN.c.type, SEEN.c.id, SEEN.c.line)
        .join(dup, and_(dup.c.type == SEEN.c.type, dup.c.id == SEEN.c.id))
        .order_by(SEEN.c.type, SEEN.c.id, SEEN.c.line)
    )
    for (rtype, rid), group in itertools.groupby(conn.execute(query), key=lambda r: (r.type, r.id)):
        lines = [r.line for r in group]
        for line in lines[1:]:
            errors.add(line, "id", f"an id used by one {rtype} only", f"{rid!r}, already used on line {lines[0]}")


def _check_references(conn: Connection, errors: _Errors) -> None:
    declared = SEEN.alias("declared")
    for rtype, refs in REFERENCES.items():
        target_of = {ref.target: TABLES[ref.target].main for ref in refs}
        for ref in refs:
            col = ref.table.c[ref.column]
            target = target_of[ref.target]
            cols = [SEEN.c.line, col] + ([ref.table.c.position] if ref.listed else [])
            query = (
                select(*cols)
                .select_from(SEEN.join(ref.table, ref.table.c[ref.key] == SEEN.c.id))
                .where(
                    SEEN.c.type == rtype,
                    col.is_not(None),
                    ~select(target.c.id).where(target.c.id == col).exists(),
                    ~select(declared.c.id).where(declared.c.type == ref.target, declared.c.id == col).exists(),
                )
                .order_by(SEEN.c.line)
            )
            for row in conn.execute(query):
                field_ = ref.field.format(row[2]) if ref.listed else ref.field
                errors.add(
                    row[0],
                    field_,
                    f"the id of {_article(ref.target)} {ref.target} in this file or already in the database",
                    f"{row[1]!r}, which is neither",
                )


@contextmanager
def _open(source: str | Path | IO[Any]) -> Iterator[tuple[str, IO[bytes], int | None]]:
    if isinstance(source, str | Path):
        path = Path(source)
        with path.open("rb") as fh:
            yield str(path), fh, path.stat().st_size
        return
    name = str(getattr(source, "name", "<stream>"))
    if isinstance(source, io.TextIOBase):
        buffer = getattr(source, "buffer", None)
        stream: IO[bytes] = buffer if buffer is not None else io.BytesIO(source.read().encode())
        yield name, stream, None
        return
    yield name, source, None


# Record types whose rows decide who screening refers.
SCREENING_TYPES = ("person", "lookout", "lookout_event", "inspection")


def import_lif(
    ledger: Ledger,
    path_or_stream: str | Path | IO[Any],
    actor: str,
    update: bool = False,
    progress: Progress | None = None,
    error_limit: int = ERROR_LIMIT,
) -> ImportReport:
    """Import one LIF file in one transaction; raise ImportFailed (nothing written) on any bad line."""
    errors = _Errors(error_limit)
    counts = {t: {"inserted": 0, "unchanged": 0, "updated": 0} for t in RECORD_TYPES}
    sha = hashlib.sha256()
    with _open(path_or_stream) as (name, stream, total), ledger.transaction() as session:
        conn = session.connection()
        serialize(conn, "lif-import")
        conn.execute(text("DROP TABLE IF EXISTS lif_seen"))
        SEEN.create(conn)
        loader = _Loader(conn, ledger.keyring, update, errors, counts)
        header_seen = False
        lineno = records = done = 0
        for lineno, raw in enumerate(stream, 1):
            sha.update(raw)
            done += len(raw)
            if progress is not None and lineno % PROGRESS_EVERY == 0:
                progress(done, total)
            if not raw.strip():
                continue
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                # The parser's own "line 1 column 9" is about the one line it was given: say the
                # column only, beside the file's line (#15 item 6).
                where = f" at column {exc.colno}" if getattr(exc, "colno", None) else ""
                errors.add(lineno, "(line)", "one JSON object (UTF-8)", f"invalid JSON{where}: {exc.msg}")
                continue
            if type(obj) is not dict:
                errors.add(lineno, "(line)", "one JSON object", describe(obj))
                continue
            if not header_seen:
                header_seen = True
                if obj.get("type") == "header":
                    header_errors = validate_header(obj)
                    for f, expected, found in header_errors:
                        errors.add(lineno, f, expected, found)
                    if header_errors:  # another format or version: the lines below cannot be read
                        raise ImportFailed(name, errors.items, errors.more)
                    continue
                errors.add(lineno, "type", f"the header line first: {HEADER_EXAMPLE}", describe(obj.get("type")))
            elif obj.get("type") == "header":
                errors.add(lineno, "type", "one header, on the first line", '"header" again')
                continue
            records += 1
            rtype, record, field_errors = validate_record(obj)
            if record is None:
                for f, expected, found in field_errors:
                    errors.add(lineno, f, expected, found)
                if rtype is not None:
                    loader.note_invalid(rtype, obj.get("id"), lineno)
                continue
            loader.add(rtype, record, lineno)  # type: ignore[arg-type]
        if not header_seen:
            errors.add(1, "type", f"the header line: {HEADER_EXAMPLE}", "an empty file")
        loader.flush()
        _check_duplicates(conn, errors)
        _check_references(conn, errors)
        if errors:
            raise ImportFailed(name, sorted(errors.items, key=lambda e: e.line), errors.more)
        if any(counts[t]["inserted"] or counts[t]["updated"] for t in SCREENING_TYPES if t in counts):
            mark_imported(conn, SEEN)  # bulk rows bypass the ORM's change feed
        digest = sha.hexdigest()
        record_provenance(conn, SEEN, digest, ledger.now(), actor)
        conn.execute(text("DROP TABLE lif_seen"))
        ledger.audit(
            session,
            actor,
            "lif.import",
            target_type="lif_file",
            target_id=name,
            detail={"file": name, "lines": lineno, "records": records, "update": update, "counts": counts},
            change_digest=digest,
        )
        if progress is not None:
            progress(done, total)
    return ImportReport(source=name, sha256=digest, lines=lineno, records=records, counts=counts)


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"
