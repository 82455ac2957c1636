"""Batch inserts for the importer, without SQLAlchemy's per-row parameter bookkeeping on SQLite.

Core's executemany builds and processes a parameter dict per row per statement; at a million
lines that is a fifth of the import's time, more than SQLite spends storing the rows. On SQLite
the rows go instead to the DBAPI cursor of the SAME connection (so the same transaction), as
positional tuples for the `?`-parameterised INSERT Core compiles, once per (table, columns). Values still
pass through each column type's own bind processor (JSON lists, booleans, instants), so what is
stored is exactly what Core would have stored. Other engines, and any row set that would leave a
column to a Python-side default, keep Core's executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam

from lookout_ledger.core import state

_Plan = tuple[str, tuple[str, ...], tuple[tuple[int, Callable[[Any], Any]], ...]]
_plans: dict[tuple[str, str, tuple[str, ...]], _Plan | None] = {}


def _plan(conn: Connection, table: Table, columns: tuple[str, ...]) -> _Plan | None:
    """The INSERT text and the bind processors for these columns, or None if Core must do it."""
    key = (conn.dialect.name, table.name, columns)
    if key in _plans:
        return _plans[key]
    plan: _Plan | None = None
    if set(columns) <= set(table.c.keys()) and not any(c.default is not None for c in table.c if c.key not in columns):
        dialect = conn.dialect
        compiled = table.insert().values({c: bindparam(c) for c in columns}).compile(dialect=dialect)
        sql = compiled.string  # `?` placeholders, SQLite's paramstyle
        columns = tuple(compiled.positiontup or ())
        plan = (sql, columns, tuple(_processors(conn, table, columns)))
    _plans[key] = plan
    return plan


def _whole(table: Table, columns: tuple[str, ...]) -> bool:
    """Do these columns say everything stored? Not when the database fills in a default."""
    return not any(c.default is not None or c.server_default is not None for c in table.c if c.key not in columns)


def _processors(conn: Connection, table: Table, columns: Sequence[str]) -> list[tuple[int, Callable[[Any], Any]]]:
    out: list[tuple[int, Callable[[Any], Any]]] = []
    for i, c in enumerate(columns):
        bind = table.c[c].type._cached_bind_processor(conn.dialect)
        if bind is not None:
            out.append((i, bind))
    return out


def _bind(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], processors: Sequence[tuple[int, Callable[[Any], Any]]]
) -> list[list[Any]]:
    """The rows' values in `columns` order, as they are bound (each column type's processor applied)."""
    if not processors:
        return [[row[c] for c in columns] for row in rows]
    out = []
    for row in rows:
        values = [row[c] for c in columns]
        for i, proc in processors:
            values[i] = proc(values[i])
        out.append(values)
    return out


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys (one row builder made them), in one executemany.
    The stored values are handed to the state log (core/state.py), which digests a record inserted
    whole from them instead of reading it back."""
    if not rows:
        return
    plan = _plan(conn, table, tuple(rows[0])) if conn.dialect.name == "sqlite" else None
    whole = _whole(table, tuple(rows[0]))
    if plan is None:
        if not whole or state.tracked_table(table.name) is None:
            conn.execute(table.insert(), list(rows))  # the Core event notes the records (read back)
            return
        columns = list(rows[0])
        state.remember(conn, table.name, columns, _bind(rows, columns, _processors(conn, table, columns)))
        with state.batch_insert(conn):
            conn.execute(table.insert(), list(rows))
        return
    sql, positional, processors = plan
    params = _bind(rows, positional, processors)
    if whole:
        state.remember(conn, table.name, positional, params)  # the raw cursor passes no Core event
    else:
        state.touch_rows(conn, table.name, rows)
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


def insert_tuples(conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows given as tuples in `columns` order, of a table the state log does not track
    (the log's own records): no dict per row on SQLite."""
    if not rows:
        return
    assert state.tracked_table(table.name) is None
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, rows)
        return
    plan = _plan(conn, table, columns) if conn.dialect.name == "sqlite" else None
    if plan is None or plan[1] != columns:
        conn.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in rows])
        return
    sql, _, processors = plan
    params: Sequence[Sequence[Any]] = rows
    if processors:
        params = _bind([dict(zip(columns, r, strict=True)) for r in rows], columns, processors)
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


def _copy(conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]) -> None:
    """PostgreSQL's COPY on the same connection (so the same transaction): a tenth of the time
    of an executemany. Only registry names are spliced in; the values travel as COPY data."""
    q = conn.dialect.identifier_preparer.quote
    raw: Any = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(f"COPY {q(table.name)} ({', '.join(q(c) for c in columns)}) FROM STDIN") as out:
        for r in rows:
            out.write_row(r)
