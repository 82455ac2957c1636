"""Taking messages in: a file becomes communications, all or nothing, never twice.

Use case `import_file`: the original bytes are kept (sealed, content-addressed, with their
digest), a working copy is parsed, and every message becomes a LIF `communication` row plus
its archive facts (source file and line, owner, classification, schedule, 44 U.S.C. 2911
deadline) and its search-index entry, in one transaction with one audit-log entry. A file with
any unreadable line is refused with the line numbers and nothing is stored. The same file
again is recognised by its digest; a message already archived from another file (an overlapping
chat export, an .eml also present in an mbox) is recognised by its content id and skipped.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lookout_ledger.core import bulk, usecase
from lookout_ledger.core.db import serialize, table_of
from lookout_ledger.core.errors import LedgerError, NotFound
from lookout_ledger.core.ids import new_id
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.communications import Communication, seal_text
from lookout_ledger.org.models import Official
from lookout_ledger.records.archive_models import RecordAttachment, RecordImport, RecordMessage
from lookout_ledger.records.ingest import blobs
from lookout_ledger.records.ingest.email_reader import split_mbox
from lookout_ledger.records.ingest.mail_rows import Row, content_id, default_workers, read_all, read_chunk, zone
from lookout_ledger.records.ingest.whatsapp import ChatMessage, parse_chat
from lookout_ledger.records.keeping import retention
from lookout_ledger.records.search import textnorm
from lookout_ledger.records.search.index import insert_documents

CHANNELS = ("email", "whatsapp", "sms", "other")
MAX_UPLOAD = 512 * 1024 * 1024  # the largest export a page or API upload may carry
BATCH = 5000


@dataclass
class ImportOptions:
    channel: str
    account: str
    owner_id: str
    timezone: str | None = None
    case_label: str | None = None
    position: str = "official"
    date_order: str | None = None
    phone_region: str | None = None
    forwarded_at: datetime | None = None
    workers: int | None = None  # processes reading a large mbox; None: by its size and the cores (mail_rows)


@dataclass
class ImportReport:
    import_id: str
    file_name: str
    digest: str
    format: str
    stored: int
    duplicates: int
    already_imported: bool
    timezone: str | None
    detail: dict[str, object] = field(default_factory=dict)


def _offset_minutes(at: datetime) -> int:
    off = at.utcoffset()
    assert off is not None
    return int(off.total_seconds() // 60)


def detect_format(file_name: str, head: bytes) -> str:
    suffix = PurePosixPath(file_name.lower()).suffix
    if suffix == ".zip" or head.startswith(b"PK\x03\x04"):
        return "whatsapp_zip"
    if suffix == ".eml":
        return "eml"
    if suffix in (".mbox", ".mbx") or head.startswith(b"From "):
        return "mbox"
    return "whatsapp_txt"


def _chat_rows(text: str, opts: ImportOptions, media: dict[str, bytes]) -> list[Row]:
    tz = zone(opts.timezone)
    if tz is None:
        raise LedgerError("--timezone is required: a chat export carries no time zone (e.g. America/Tijuana)")
    parsed = parse_chat(text, opts.date_order)
    rows = []
    seen: dict[str, int] = {}
    for m in parsed.messages:
        rows.append(_chat_row(m, opts, tz, media, seen))
    return rows


def _chat_row(
    m: ChatMessage, opts: ImportOptions, zone: ZoneInfo, media: dict[str, bytes], seen: dict[str, int]
) -> Row:
    at = m.at.replace(tzinfo=zone)
    sender = m.sender if m.sender is not None else "(system)"
    key = content_id("wa", opts.owner_id, opts.channel, at.isoformat(), sender, m.body)
    seen[key] = seen.get(key, 0) + 1  # the same text twice in one minute is two messages
    rid = key if seen[key] == 1 else content_id("wa", key, seen[key])
    attachments = [(name, media.get(name)) for name in m.attachments]
    return Row(rid, m.line, at, sender, [], None, m.body, m.kind, attachments)


def _mail_rows(items: Iterator[Row | str], bad: list[str]) -> Iterator[Row]:
    for item in items:
        if isinstance(item, str):
            bad.append(item)
        else:
            yield item


def _read_zip(data: bytes) -> tuple[str, str, dict[str, bytes]]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise LedgerError("the .zip file is damaged and cannot be opened") from None
    names = [n for n in zf.namelist() if n.lower().endswith(".txt") and not n.startswith("__MACOSX")]
    chat = next((n for n in names if PurePosixPath(n).name == "_chat.txt"), names[0] if len(names) == 1 else None)
    if chat is None:
        raise LedgerError("the .zip holds no chat text (_chat.txt or one 'WhatsApp Chat with ….txt')")
    media = {PurePosixPath(n).name: zf.read(n) for n in zf.namelist() if n != chat and not n.endswith("/")}
    return chat, _decode(zf.read(chat), chat), media


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LedgerError(f"{name}: line {line} is not UTF-8 text (byte {exc.start}); the file is refused") from None


def _check(session: Session, opts: ImportOptions) -> None:
    if opts.channel not in CHANNELS:
        raise LedgerError(f"--channel: {opts.channel!r} is not one of {', '.join(CHANNELS)}")
    if opts.account not in ("official", "personal"):
        raise LedgerError(f"--account: {opts.account!r} is not official or personal")
    if session.get(Official, opts.owner_id) is None:
        raise NotFound(f"--owner: no official {opts.owner_id!r}")
    if opts.position not in retention.POSITIONS:
        raise LedgerError(f"--position: {opts.position!r} is not one of {', '.join(retention.POSITIONS)}")


def _lif_channel(opts: ImportOptions) -> str:
    if opts.channel == "email":
        return "official_email" if opts.account == "official" else "personal_email"
    return opts.channel


def _classify(kind: str, file_name: str) -> tuple[str, str]:
    if kind == "system":
        return "non_record", "notice generated by the messaging app; documents no agency business"
    if kind in ("deleted", "media_omitted"):
        return "record", f"marker of a {kind.replace('_', ' ')} message: evidence that a record existed ({file_name})"
    return "record", f"operational message captured from {file_name} (NARA Bulletin 2015-02)"


IMPORT_CACHE_KIB = 256 * 1024


@contextlib.contextmanager
def _import_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache of 256 MB for the import's transaction, then the usual size again.

    A message's row is found by its content id, a hash, so every insert lands on a random page
    of two primary-key indexes (communications, record_messages) that reach some 60 MB each at
    a million messages. With the usual 64 MB cache, dirty pages are spilled to the WAL over and
    over inside the one transaction. The cache only takes memory for pages actually used, so a
    small import costs nothing more.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    raw = session.connection().connection.dbapi_connection  # restored below even after a failed statement
    assert raw is not None
    before = int(raw.execute("PRAGMA cache_size").fetchone()[0])
    raw.execute(f"PRAGMA cache_size=-{int(IMPORT_CACHE_KIB)}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size={before}")


def import_file(ledger: Ledger, stream: BinaryIO, file_name: str, opts: ImportOptions, actor: str) -> ImportReport:
    """Archive every message of a file, or nothing (see the module docstring)."""
    digest, size = blobs.digest_stream(stream)
    head = stream.read(8)
    stream.seek(0)
    fmt = detect_format(file_name, head)
    with (
        usecase.unit(ledger, usecase.audited_refusal(ledger, actor, "records.import")) as session,
        _import_cache(session),
    ):
        serialize(session, "records-import")
        _check(session, opts)
        prior = session.execute(select(RecordImport).where(RecordImport.digest == digest)).scalar_one_or_none()
        if prior is not None:
            return ImportReport(prior.id, file_name, digest, prior.format, 0, 0, True, prior.timezone)
        import_id = new_id("ri")
        bad: list[str] = []
        rows: Iterator[Row]
        source = file_name
        if fmt == "mbox":
            workers = default_workers(size) if opts.workers is None else opts.workers
            rows = _mail_rows(read_all(split_mbox(stream), opts.timezone, opts.phone_region, workers), bad)
        elif fmt == "eml":
            rows = _mail_rows(iter(read_chunk([(1, stream.read())], opts.timezone, opts.phone_region, mbox=False)), bad)
        elif fmt == "whatsapp_zip":
            chat, text, media = _read_zip(stream.read())
            source = f"{file_name}!{chat}"
            rows = iter(_chat_rows(text, opts, media))
        else:
            rows = iter(_chat_rows(_decode(stream.read(), file_name), opts, {}))
        stored, duplicates = _store(ledger, session, rows, opts, import_id, source, bad)
        if bad:
            raise LedgerError(f"{file_name} is refused, nothing was stored:\n" + "\n".join(bad[:100]))
        if stored + duplicates == 0:
            raise LedgerError(f"{file_name} is refused: it holds no message")
        stream.seek(0)
        blobs.put_stream(session, ledger.keyring, stream, digest)
        detail: dict[str, object] = {"size": size, "source": source}
        flagged = session.scalar(
            select(func.count())
            .select_from(RecordMessage)
            .where(RecordMessage.import_id == import_id, RecordMessage.defects.is_not(None))
        )
        if flagged:
            detail["flagged"] = int(flagged)  # kept as they arrived, with what could not be read
        session.add(
            RecordImport(
                id=import_id,
                digest=digest,
                file_name=file_name,
                format=fmt,
                channel=_lif_channel(opts),
                account=opts.account,
                owner_id=opts.owner_id,
                timezone=opts.timezone,
                case_label=opts.case_label,
                imported_at=ledger.now(),
                imported_by=actor,
                stored=stored,
                duplicates=duplicates,
                detail=detail,
            )
        )
        ledger.audit(
            session,
            actor,
            "records.import",
            "record_import",
            import_id,
            {"file": file_name, "format": fmt, "stored": stored, "duplicates": duplicates, "timezone": opts.timezone},
            change_digest=digest,
        )
    return ImportReport(import_id, file_name, digest, fmt, stored, duplicates, False, opts.timezone, detail)


def _store(
    ledger: Ledger,
    session: Session,
    rows: Iterator[Row],
    opts: ImportOptions,
    import_id: str,
    source: str,
    bad: list[str],
) -> tuple[int, int]:
    stored = duplicates = 0
    batch: list[Row] = []

    def flush() -> None:
        nonlocal stored, duplicates
        if bad or not batch:  # once the file is known to be refused, only its problems are collected
            batch.clear()
            return
        unique = {r.id: r for r in batch}
        existing = set(session.execute(select(Communication.id).where(Communication.id.in_(list(unique)))).scalars())
        fresh = [r for r in unique.values() if r.id not in existing]
        duplicates += len(batch) - len(fresh)
        _insert(ledger, session, fresh, opts, import_id, source)
        stored += len(fresh)
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    flush()
    return stored, duplicates


def _no_nul(text: str) -> str:
    """A NUL byte in a clear-text field becomes U+FFFD, by rule, on both engines (#15: PostgreSQL
    refuses NUL in text and the import died with a DataError; SQLite stored it). The subject and the
    body keep it: they are sealed, and the original file is kept byte for byte."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _insert(
    ledger: Ledger, session: Session, rows: list[Row], opts: ImportOptions, import_id: str, source: str
) -> None:
    if not rows:
        return
    channel = _lif_channel(opts)
    forward = retention.forward_days(ledger.policy)
    comms, metas, atts = [], [], []
    for r in rows:
        names = [_no_nul(name) for name, _ in r.attachments]
        comms.append(
            {
                "id": r.id,
                "channel": channel,
                "account": opts.account,
                "sent_at": r.sent_at,
                "sent_at_offset": _offset_minutes(r.sent_at),
                "sender": _no_nul(r.sender),
                "recipients": [_no_nul(x) for x in r.recipients],
                **seal_text(ledger.keyring, r.id, r.subject, r.body),
                "attachments": names,
                "forwarded_to_official_at": opts.forwarded_at,
                "forwarded_to_official_at_offset": None
                if opts.forwarded_at is None
                else _offset_minutes(opts.forwarded_at),
                "retained": True,
                "disclosure_id": None,
            }
        )
        classification, reason = _classify(r.kind, source)
        due = r.sent_at + timedelta(days=forward) if opts.account == "personal" and opts.forwarded_at is None else None
        metas.append(
            {
                "communication_id": r.id,
                "import_id": import_id,
                "source_file": source,
                "source_line": r.line,
                "kind": r.kind,
                "owner_id": opts.owner_id,
                "case_label": opts.case_label,
                "classification": classification,
                "classification_reason": reason,
                "schedule": retention.schedule_for(classification, opts.position),
                "forward_due_at": due,
                "reminded_at": None,
                "defects": list(r.defects) or None,
            }
        )
        for pos, (name, data) in enumerate(r.attachments):
            digest = blobs.put(session, ledger.keyring, data) if data is not None else None
            atts.append(
                {
                    "communication_id": r.id,
                    "position": pos,
                    "name": _no_nul(name),
                    "digest": digest,
                    "size": None if data is None else len(data),
                }
            )
    # Core batches (on SQLite straight to the DBAPI cursor of the session's connection, with each
    # column type's bind processor): the ORM's per-row bookkeeping cost more than SQLite's storing.
    conn = session.connection()
    # In key order: the primary keys are content hashes, so a batch in file order lands on random
    # index pages; sorted, neighbouring keys share pages (the index entry is the same either way).
    comms.sort(key=lambda c: str(c["id"]))
    metas.sort(key=lambda m: str(m["communication_id"]))
    bulk.insert_rows(conn, table_of(Communication), comms)
    bulk.insert_rows(conn, table_of(RecordMessage), metas)
    bulk.insert_rows(conn, table_of(RecordAttachment), atts)
    insert_documents(
        session,
        ledger.keyring,
        [
            (
                r.id,
                r.doc
                or textnorm.document(
                    r.sender, *r.recipients, r.subject, r.body, *(n for n, _ in r.attachments), region=opts.phone_region
                ),
                r.sent_at,
            )
            for r in rows
        ],
    )
