"""Searching the archive: words, people through their aliases, filters, highlighted snippets.

A query is matched as words (all of them, any order, any case, with or without accents). When
the query also names a person (by name, phone, e-mail or chat name), messages that use any of
that person's aliases are found too, so searching "Ramirez Lucia" finds the chat where she is
"+52 664 555 0142". Snippets are cut and highlighted here, from the stored text, so they show
the original accents and look the same on SQLite and PostgreSQL.

What a searcher may read depends on their roles: message text names people, so readers without
a role that needs personal data get dates, channels and ids only (content withheld).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from lookout_ledger.core import usecase
from lookout_ledger.core.auth import Role, User
from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.errors import AuthError, LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.history.communications import Communication, body_of, subject_of
from lookout_ledger.history.disclosures import Disclosure
from lookout_ledger.org.models import Official
from lookout_ledger.records.archive_models import RecordMessage
from lookout_ledger.records.search import textnorm
from lookout_ledger.records.search.aliases import aliases_of, find_people
from lookout_ledger.records.search.index import match_count, match_query, newest_matches, rowid_bounds, sync

_WORD = re.compile(r"\w+", re.UNICODE)
SNIPPET_WORDS = 24


@dataclass
class SearchFilters:
    channel: str | None = None
    account: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    owner_id: str | None = None
    classification: str | None = None
    disclosure_id: str | None = None
    # Need-to-know (#16 item 6): only messages whose record owner works in this unit, or that
    # document a disclosure of this unit. None: the whole archive (records officer, auditor).
    unit_id: str | None = None


# Who searches the whole archive: the records officer who keeps it and the auditor who checks
# it. Everyone else sees the messages of the unit they work in; every search is logged.
ARCHIVE_WIDE = (Role.RECORDS_OFFICER, Role.AUDITOR)
NO_UNIT = ""  # matches no unit (every unit has an id): a user acting as no official sees no message


def unit_scope(session: Session, username: str) -> str | None:
    """The unit whose messages `username` may see, or None for the whole archive."""
    user = session.get(User, username)
    if user is None or not user.active:
        raise AuthError(f"unknown or inactive user {username!r}")
    if user.has_role(*ARCHIVE_WIDE):
        return None
    official = session.get(Official, user.official_id) if user.official_id else None
    return official.unit_id if official is not None else NO_UNIT


@dataclass
class Hit:
    id: str
    sent_at: str
    channel: str
    account: str
    sender: str | None
    subject: str | None
    snippet: str | None  # HTML: escaped text with <mark> around matched words
    classification: str | None
    source: str | None
    disclosure_id: str | None

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    people: list[str] = field(default_factory=list)  # ids of people the query names
    aliases_used: list[str] = field(default_factory=list)
    content_withheld: bool = False


def snippet(text: str, words: set[str], width: int = SNIPPET_WORDS) -> str:
    """An HTML excerpt around the first matched word, every matched word in <mark>."""
    matches = list(_WORD.finditer(text))
    first = next((i for i, m in enumerate(matches) if textnorm.fold(m.group()) in words), None)
    if not matches:
        return html.escape(text[:200])
    start_word = 0 if first is None else max(0, first - width // 3)
    end_word = min(len(matches), start_word + width)
    lo = 0 if start_word == 0 else matches[start_word].start()
    hi = len(text) if end_word == len(matches) else matches[end_word - 1].end()
    out = ["…" if lo > 0 else ""]
    pos = lo
    for m in matches[start_word:end_word]:
        out.append(html.escape(text[pos : m.start()]))
        w = m.group()
        out.append(f"<mark>{html.escape(w)}</mark>" if textnorm.fold(w) in words else html.escape(w))
        pos = m.end()
    out.append(html.escape(text[pos:hi]))
    out.append("…" if hi < len(text) else "")
    return "".join(out)


def _best_text(c: Communication, subject: str | None, body: str | None, words: set[str]) -> str:
    """The body, unless only the subject or sender matched: then those lead the snippet."""
    body = body or ""
    if any(textnorm.fold(m.group()) in words for m in _WORD.finditer(body)):
        return body
    head = " — ".join(x for x in (c.sender, subject) if x)
    return f"{head} — {body}" if head and body else head or body


def _filtered(
    session: Session, keyring: Keyring, groups: list[list[str]], f: SearchFilters
) -> Select[Communication, RecordMessage]:
    q = select(Communication, RecordMessage).outerjoin(
        RecordMessage, RecordMessage.communication_id == Communication.id
    )
    if groups:
        sub = match_query(session.get_bind().dialect.name, keyring, groups)
        assert sub is not None
        q = q.where(Communication.id.in_(sub.columns(communication_id=Communication.id.type)))
    if f.channel:
        q = q.where(Communication.channel == f.channel)
    if f.account:
        q = q.where(Communication.account == f.account)
    if f.date_from:
        q = q.where(Communication.sent_at >= f.date_from)
    if f.date_to:
        q = q.where(Communication.sent_at <= f.date_to)
    if f.owner_id:
        q = q.where(RecordMessage.owner_id == f.owner_id)
    if f.classification:
        q = q.where(RecordMessage.classification == f.classification)
    if f.disclosure_id:
        q = q.where(Communication.disclosure_id == f.disclosure_id)
    if f.unit_id is not None:
        officials = select(Official.id).where(Official.unit_id == f.unit_id)
        disclosures = select(Disclosure.id).where(Disclosure.unit_id == f.unit_id)
        q = q.where(or_(RecordMessage.owner_id.in_(officials), Communication.disclosure_id.in_(disclosures)))
    return q


MAX_PAGE = 200
MAX_OFFSET = 1_000_000  # make fuzz found a 500 on an offset of 10**23 (SQLite's integers are 64-bit)


def search(
    session: Session,
    keyring: Keyring,
    query: str,
    filters: SearchFilters | None = None,
    *,
    may_read_content: bool = True,
    limit: int = 50,
    offset: int = 0,
    region: str | None = None,
    index_sync: bool = True,
) -> SearchResult:
    filters = filters or SearchFilters()
    if not 1 <= limit <= MAX_PAGE:
        raise LedgerError(f"limit: between 1 and {MAX_PAGE} results a page")
    if not 0 <= offset <= MAX_OFFSET:
        raise LedgerError(f"offset: between 0 and {MAX_OFFSET:,}; narrow the search instead of paging that far")
    if index_sync:
        sync(session, keyring)
    words = textnorm.tokens(query)
    groups: list[list[str]] = [words] if words else []
    people: list[str] = []
    aliases_used: list[str] = []
    if query.strip() and may_read_content:
        tok = textnorm.phone_token(query, region) if sum(c.isdigit() for c in query) >= 7 else None
        if tok:
            groups.append([tok])
        people = find_people(session, keyring, query, region)
        for pid in people:
            for a in aliases_of(session, keyring, pid):
                groups.append(list(a.tokens))
                aliases_used.append(a.value)
    f = filters
    only_dates = not any((f.channel, f.account, f.owner_id, f.classification, f.disclosure_id)) and f.unit_id is None
    if groups and only_dates and session.get_bind().dialect.name == "sqlite":
        # Newest first straight from the index (its rowids encode the time): a page of 50 costs
        # the same whether the words are rare or in every message.
        lo, hi = rowid_bounds(f.date_from, f.date_to)
        ids, total = newest_matches(session, keyring, groups, lo, hi, limit, offset)
        found = {
            c.id: (c, m)
            for c, m in session.execute(
                select(Communication, RecordMessage)
                .outerjoin(RecordMessage, RecordMessage.communication_id == Communication.id)
                .where(Communication.id.in_(ids))
            ).all()
        }
        rows = [found[i] for i in ids if i in found]
    else:
        q = _filtered(session, keyring, groups, f)
        unfiltered = not any(getattr(f, k) is not None for k in f.__dataclass_fields__)
        if groups and unfiltered:  # every index entry is a communication: the index counts alone
            total = match_count(session, keyring, groups)
        else:
            total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        order = (Communication.sent_at.desc(), Communication.id)
        rows = [(c, m) for c, m in session.execute(q.order_by(*order).limit(limit).offset(offset)).all()]
    marked = {t for g in groups for t in g}
    hits = []
    for c, m in rows:
        # Opened only for a reader who may see content: the others never cause a decryption.
        subject, body = (subject_of(keyring, c), body_of(keyring, c)) if may_read_content else (None, None)
        text_ = _best_text(c, subject, body, marked)
        hits.append(
            Hit(
                id=c.id,
                sent_at=format_rfc3339(c.sent_at, c.sent_at_offset),
                channel=c.channel,
                account=c.account,
                sender=c.sender if may_read_content else None,
                subject=subject,
                snippet=snippet(text_, marked) if may_read_content else None,
                classification=m.classification if m else None,
                source=f"{m.source_file}:{m.source_line}" if m and m.source_file else None,
                disclosure_id=c.disclosure_id,
            )
        )
    return SearchResult(query, int(total), hits, people, aliases_used, not may_read_content)


def logged_search(
    ledger: Ledger,
    actor: str,
    query: str,
    filters: SearchFilters,
    *,
    may_read_content: bool,
    limit: int = 50,
    offset: int = 0,
) -> SearchResult:
    """A search of the archive, logged as a read: the one use case the API, the pages and the CLI run
    (the index is brought up to date first, hence a write transaction)."""
    with usecase.unit(ledger, usecase.audited_refusal(ledger, actor, "records.search")) as s:
        filters = replace(filters, unit_id=unit_scope(s, actor))
        result = search(
            s, ledger.keyring, query, filters, may_read_content=may_read_content, limit=limit, offset=offset
        )
        # The query is often a person's name, so the log keeps a keyed digest of its normal form
        # (#16 item 4): an auditor who suspects a search for someone can test it, nobody reads it.
        digest = ledger.keyring.blind_index(textnorm.fold(query), "audit.search_query")
        scope = {"unit": filters.unit_id} if filters.unit_id is not None else {"scope": "archive"}
        detail = {"query_digest": digest, "total": result.total, **scope}
        ledger.audit(s, actor, "records.search", None, None, detail)
    return result
