"""The full-text index over communications, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

The application writes the normalised text (see `textnorm`), so matching is accent- and
case-insensitive on both engines and a query means the same thing on either. Each word is
stored as a keyed token (`Keyring.search_tokens`, an HMAC), never as itself (#16 item 4: the
index named people in clear); queries are keyed the same way, so exact-word search, the
"newest first" order and the counts work as before, and the index reads as noise without the key. Communications
that arrived another way (a LIF import, the demo) are indexed on first search by `sync`, which
also drops entries whose communication is gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import TextClause, bindparam, func, select, text
from sqlalchemy.orm import Session

from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.timefmt import to_micros
from lookout_ledger.history.communications import Communication, body_of, subject_of
from lookout_ledger.records.archive_models import RecordSearch
from lookout_ledger.records.search import textnorm

_INSERT = text("INSERT INTO record_search (communication_id, doc) VALUES (:id, :doc)")
_INSERT_ROWID_SQLITE = "INSERT INTO record_search (rowid, communication_id, doc) VALUES (?, ?, ?)"
FTS5_DDL = (
    "CREATE VIRTUAL TABLE record_search USING fts5("
    "communication_id UNINDEXED, doc, tokenize = 'unicode61 remove_diacritics 2')"
)
_FTS5_SHADOWS = ("record_search_data", "record_search_idx", "record_search_content", "record_search_docsize")


def ensure_index(session: Session) -> bool:
    """On SQLite, check the FTS5 table and its shadow tables are whole; rebuild it empty if not.

    A schema tool that does not know FTS5 sees its shadow tables as strays and may drop them,
    which leaves an index that fails every query. An empty index is refilled by `sync`, so
    rebuilding loses nothing. Returns whether it rebuilt.
    """
    if session.get_bind().dialect.name != "sqlite":
        return False
    names = set(session.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'record_search%'")).scalars())
    if "record_search" in names and all(n in names for n in _FTS5_SHADOWS):
        return False
    if "record_search" in names:
        session.execute(text("DROP TABLE record_search"))
    for shadow in sorted(names - {"record_search"}):
        if shadow in (*_FTS5_SHADOWS, "record_search_config"):
            session.execute(text(f'DROP TABLE IF EXISTS "{shadow}"'))  # names from the fixed list above
    session.execute(text(FTS5_DDL))
    return True


SLOTS = 1024  # SQLite index rowid = sent_at microseconds * SLOTS + slot: newest-first order is rowid order


def _free_rowids(session: Session, wanted: list[int]) -> list[int]:
    """A distinct free rowid at or after each wanted one (messages sent in the same instant)."""
    lo, hi = min(wanted), max(wanted) + SLOTS
    taken = set(
        session.execute(
            text("SELECT rowid FROM record_search WHERE rowid BETWEEN :lo AND :hi"), {"lo": lo, "hi": hi}
        ).scalars()
    )
    out = []
    for w in wanted:
        while w in taken:
            w += 1
        taken.add(w)
        out.append(w)
    return out


def insert_documents(session: Session, keyring: Keyring, docs: Sequence[tuple[str, str, datetime]]) -> None:
    """Index (communication id, normalised text, sent at) triples, as keyed tokens.

    On SQLite the FTS5 rowid encodes the time, so "newest first" is the index's own order and a
    first page never reads more than a page of matches, however common the words.
    """
    if not docs:
        return
    docs = [(i, keyring.search_document(d), at) for i, d, at in docs]
    if session.get_bind().dialect.name != "sqlite":
        session.execute(_INSERT, [{"id": i, "doc": d} for i, d, _ in docs])
        return
    ensure_index(session)
    rowids = _free_rowids(session, [to_micros(at) * SLOTS for _, _, at in docs])
    # The DBAPI cursor of the session's own connection (same transaction), positional parameters:
    # a million index entries through text() bookkeeping cost more than FTS5 spends on them.
    cursor = session.connection().connection.cursor()
    try:
        cursor.executemany(_INSERT_ROWID_SQLITE, [(r, i, d) for r, (i, d, _) in zip(rowids, docs, strict=True)])
    finally:
        cursor.close()


def rowid_bounds(date_from: datetime | None, date_to: datetime | None) -> tuple[int | None, int | None]:
    lo = None if date_from is None else to_micros(date_from) * SLOTS
    hi = None if date_to is None else to_micros(date_to) * SLOTS + SLOTS - 1
    return lo, hi


_NEWEST_WHERE = " FROM record_search WHERE record_search MATCH :fts_q AND rowid >= :lo AND rowid <= :hi"
_NEWEST_PAGE = text("SELECT communication_id" + _NEWEST_WHERE + " ORDER BY rowid DESC LIMIT :n OFFSET :o")
_NEWEST_COUNT = text("SELECT count(*)" + _NEWEST_WHERE)


def newest_matches(
    session: Session,
    keyring: Keyring,
    groups: Sequence[Sequence[str]],
    lo: int | None,
    hi: int | None,
    limit: int,
    offset: int,
) -> tuple[list[str], int]:
    """SQLite: one page of matching ids, newest first, and the number of matches, from the index alone."""
    q = match_query("sqlite", keyring, groups)
    assert q is not None
    expr = q.compile().params["fts_q"]
    params = {"fts_q": expr, "lo": -(2**63) if lo is None else lo, "hi": 2**63 - 1 if hi is None else hi}
    ids = list(
        session.execute(
            _NEWEST_PAGE,
            {**params, "n": limit, "o": offset},
        ).scalars()
    )
    total = session.execute(_NEWEST_COUNT, params).scalar_one()
    return ids, int(total)


def delete_documents(session: Session, ids: Sequence[str]) -> None:
    if ids:
        stmt = text("DELETE FROM record_search WHERE communication_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        session.execute(stmt, {"ids": list(ids)})


def document_of(keyring: Keyring, c: Communication) -> str:
    subject, body = subject_of(keyring, c), body_of(keyring, c)
    return textnorm.document(c.sender, *(c.recipients or []), subject, body, *(c.attachments or []))


def sync(session: Session, keyring: Keyring) -> int:
    """Index every communication not yet indexed, drop orphans; returns entries added."""
    ensure_index(session)
    indexed = session.execute(select(func.count()).select_from(RecordSearch)).scalar_one()
    total = session.execute(select(func.count()).select_from(Communication)).scalar_one()
    if indexed == total and _orphans(session) == 0:
        return 0
    session.execute(text("DELETE FROM record_search WHERE communication_id NOT IN (SELECT id FROM communications)"))
    have = set(session.execute(text("SELECT communication_id FROM record_search")).scalars())
    missing = [c for c in session.execute(select(Communication)).scalars() if c.id not in have]
    insert_documents(session, keyring, [(c.id, document_of(keyring, c), c.sent_at) for c in missing])
    return len(missing)


def _orphans(session: Session) -> int:
    q = text(
        "SELECT count(*) FROM record_search s WHERE NOT EXISTS "
        "(SELECT 1 FROM communications c WHERE c.id = s.communication_id)"
    )
    return int(session.execute(q).scalar_one())


def query_tokens(query: str) -> list[str]:
    return textnorm.tokens(query)


def match_count(session: Session, keyring: Keyring, groups: Sequence[Sequence[str]]) -> int:
    """How many communications match, counted by the index alone (no join)."""
    q = match_query(session.get_bind().dialect.name, keyring, groups, count=True)
    return 0 if q is None else int(session.execute(q).scalar_one())


_MATCH = {
    ("sqlite", False): "SELECT communication_id FROM record_search WHERE record_search MATCH :fts_q",
    ("sqlite", True): "SELECT count(*) FROM record_search WHERE record_search MATCH :fts_q",
    ("postgresql", False): "SELECT communication_id FROM record_search WHERE tsv @@ to_tsquery('simple', :fts_q)",
    ("postgresql", True): "SELECT count(*) FROM record_search WHERE tsv @@ to_tsquery('simple', :fts_q)",
}


def match_query(
    dialect: str, keyring: Keyring, groups: Sequence[Sequence[str]], count: bool = False
) -> TextClause | None:
    """A SELECT of the ids of communications matching any group (tokens of a group ANDed), the
    tokens keyed as the index holds them.

    Each group is one alias or one query; groups are ORed. Tokens are already normalised
    (alphanumeric), so they are passed as quoted phrases (FTS5) or quoted lexemes (tsquery),
    never as query syntax, and bound as one parameter.
    """
    groups = [keyring.search_tokens(g) for g in groups if g]
    if not groups:
        return None
    if dialect == "sqlite":
        expr = " OR ".join("(" + " AND ".join(f'"{t}"' for t in g) + ")" for g in groups)
        sql = _MATCH["sqlite", count]
    else:
        expr = " | ".join("(" + " & ".join(_lexeme(t) for t in g) + ")" for g in groups)
        sql = _MATCH["postgresql", count]
    return text(sql).bindparams(fts_q=expr)


def match_ids(session: Session, keyring: Keyring, groups: Sequence[Sequence[str]]) -> list[str]:
    q = match_query(session.get_bind().dialect.name, keyring, groups)
    return [] if q is None else list(session.execute(q).scalars())


def _lexeme(token: str) -> str:
    # Tokens are alphanumeric after folding; quoting keeps to_tsquery from reading them as operators.
    return "'" + token.replace("'", "") + "'"
