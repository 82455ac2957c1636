"""A record's digest: the one definition, in plain Python with orjson and hashlib only.

It is used in three places that must agree to the bit: at commit (core/state.py), by
verification, and in the digest worker a large write hands its rows to (core/digest_worker.py),
which imports nothing else so that it starts in a few milliseconds. A record type is described
to it by a `Shape`, plain data that pickles; state.py builds one per registered type.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import orjson

from lookout_ledger.core import merkle

INT, JSON = "int", "json"  # the column kinds a driver returns differently from what was bound


def _as_int(v: Any) -> Any:
    return v if v is None else int(v)


def _as_json(v: Any) -> Any:
    if isinstance(v, str | bytes):
        return orjson.loads(v)
    return getattr(v, "obj", v)  # psycopg binds JSON as a `Json` wrapper around the value


_NORMALISERS: dict[str, Callable[[Any], Any]] = {INT: _as_int, JSON: _as_json}

Norms = tuple[tuple[int, str], ...]  # (column index, kind) of each column needing a normaliser


@dataclass(frozen=True)
class Shape:
    """What a digest needs of a record type: its name, each table's sorted columns and the column
    holding the record id, and which columns need normalising (booleans as 0/1: SQLite stores
    integers, PostgreSQL returns booleans; JSON parsed: a string when bound or read from SQLite,
    an object from PostgreSQL). Table 0 is the main table; the others are its child tables."""

    name: str
    tables: tuple[str, ...]
    columns: tuple[tuple[str, ...], ...]
    keys: tuple[str, ...]  # per table: the column holding the record's id (main: its key)
    norms: tuple[Norms, ...]
    sort_keys: tuple[bool, ...]  # per table: has JSON columns, whose keys orjson must sort

    @cached_property
    def _plan(self) -> tuple[tuple[tuple[tuple[int, Callable[[Any], Any]], ...], ...], tuple[int, ...]]:
        fns = tuple(tuple((i, _NORMALISERS[k]) for i, k in n) for n in self.norms)
        return fns, tuple(orjson.OPT_SORT_KEYS if s else 0 for s in self.sort_keys)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def _dump(names: Sequence[str], row: Sequence[Any], option: int) -> bytes:
    """A row as JSON with its NULL columns left out (a nullable column added later changes no digest)."""
    return orjson.dumps({n: v for n, v in zip(names, row, strict=True) if v is not None}, default=_plain, option=option)


def _normal(row: Sequence[Any], fns: Iterable[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    out = list(row)
    for i, fn in fns:
        out[i] = fn(out[i])
    return out


def digest(
    shape: Shape, rid: str, main: Sequence[Any], children: Sequence[Sequence[Sequence[Any]]], parts: bool = True
) -> tuple[str, str]:
    """(digest, parts) of one record, from its row (columns in `shape.columns[0]` order) and its
    child rows (each child table's columns in its sorted order): sha256 over the type and id, the
    row as JSON and each child table's rows as sorted JSON lines. `parts` holds a 16-bit check per
    column and per child table, so verification can say where a record changed, not only that it
    did; verification asks for them only of a record whose digest differs."""
    fns, options = shape._plan
    if fns[0]:
        main = _normal(main, fns[0])
    h = hashlib.sha256(f"{shape.name}\x00{rid}\x00".encode())
    h.update(_dump(shape.columns[0], main, options[0]))
    blobs = []
    for i, rows in enumerate(children, 1):
        if not rows:
            blob = b""
        else:
            names, child_fns, option = shape.columns[i], fns[i], options[i]
            if child_fns:
                rows = [_normal(r, child_fns) for r in rows]
            if len(rows) == 1:
                blob = _dump(names, rows[0], option)
            else:
                blob = b"\n".join(sorted([_dump(names, r, option) for r in rows]))
        h.update(b"\x00")
        h.update(blob)
        blobs.append(blob)
    if not parts:
        return h.hexdigest(), ""
    crc = zlib.crc32
    checks = [crc(str(v).encode()) & 0xFFFF for v in main] + [crc(b) & 0xFFFF for b in blobs]
    return h.hexdigest(), struct.pack(f">{len(checks)}H", *checks).hex()


def record_leaf(record_type: str, record_id: str, record_digest: str) -> bytes:
    """A leaf of an entry's records tree: type, id and digest joined by NUL bytes (UTF-8)."""
    return merkle.leaf_hash(f"{record_type}\x00{record_id}\x00{record_digest}".encode())


# A record inserted whole in the transaction, kept as bound: [main row or None, [rows per child]].
Slot = list[Any]


def keep(
    memo: dict[str, Slot], shape: Shape, table: int, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[str]:
    """File a batch insert's rows (values as bound, in `columns` order) under their records in
    `memo`, reordered to the shape's column order; returns the record ids, in the rows' order."""
    at = {c: i for i, c in enumerate(columns)}
    key_at = at[shape.keys[table]]
    order = [at.get(c, -1) for c in shape.columns[table]]
    empty = len(shape.tables) - 1
    ids = []
    for r in rows:
        rid = str(r[key_at])
        ids.append(rid)
        slot = memo.get(rid)
        if slot is None:
            slot = memo[rid] = [None, [[] for _ in range(empty)]]
        values = tuple(r[i] if i >= 0 else None for i in order)
        if table == 0:
            slot[0] = values
        else:
            slot[1][table - 1].append(values)
    return ids
