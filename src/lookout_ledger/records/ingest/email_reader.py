"""E-mail read into messages: single `.eml` files and `mbox` archives, attachments included.

Parsing uses the standard library's `email` package with the modern policy (RFC 5322 headers,
decoded display names, `get_body`, `iter_attachments`). The mbox is split here rather than by
`mailbox.mbox` so every message remembers the line of the archive it starts on (the "source
file and line" a records officer cites) and so a million-message archive is streamed, not
indexed in memory first. Both mboxo and mboxrd quoting (">From ") are undone.
"""

from __future__ import annotations

import contextlib
import email
import email.header
import email.message
import email.parser
import email.utils
import functools
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from typing import BinaryIO, cast

from lookout_ledger.core.timefmt import RANGE, in_range

_QUOTED_FROM = re.compile(rb"^>(>*From )")
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class MailAttachment:
    name: str
    data: bytes


@dataclass
class MailMessage:
    line: int
    message_id: str | None
    sent_at: datetime | None  # aware when the Date header has an offset; naive for "-0000"
    sender: str
    recipients: list[str]
    subject: str | None
    body: str
    attachments: list[MailAttachment] = field(default_factory=list)
    # What could not be read as sent (#15 item 5): kept anyway, as it arrived, and flagged, so a
    # lossy or empty body is never silent. The original bytes are in the sealed original file.
    defects: list[str] = field(default_factory=list)


@dataclass
class MailProblem:
    line: int
    reason: str


def split_mbox(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(first line number of the message, its bytes) for each message of an mbox."""
    start = 0
    chunk: list[bytes] = []
    for no, raw in enumerate(stream, start=1):
        if raw.startswith(b"From "):
            if chunk:
                yield start, b"".join(chunk)
            start, chunk = no + 1, []
            continue
        if start == 0:
            if raw.strip():
                yield no, b""  # text before the first "From " line: the caller refuses the file
                return
            continue
        if raw.startswith(b">") and _QUOTED_FROM.match(raw):
            raw = raw[1:]
        chunk.append(raw)
    if chunk:
        yield start, b"".join(chunk)


def _text_of(msg: EmailMessage) -> tuple[str, list[str]]:
    """The message's text, and what could not be read of it (the text then as it arrived)."""
    defects = sorted({_DEFECTS.get(type(d).__name__, type(d).__name__) for d in msg.defects})
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        raw = msg.get_payload()
        if isinstance(raw, str) and raw.strip():
            return raw.replace("\r\n", "\n").strip("\n"), [*defects, "no readable text part: kept as it arrived"]
        return "", defects
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError):
        charset = part.get_content_charset() or "unknown"
        data = part.get_payload(decode=True)
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(part.get_payload())
        return text.replace("\r\n", "\n").strip("\n"), [
            *defects,
            f"text in charset {charset!r} could not be decoded: kept as UTF-8 with replacement characters",
        ]
    if not isinstance(content, str):
        return "", defects
    if part.get_content_subtype() == "html":
        content = html.unescape(_TAGS.sub(" ", content))
    return content.replace("\r\n", "\n").strip("\n"), defects


_DEFECTS = {
    "StartBoundaryNotFoundDefect": "multipart without its boundary",
    "MultipartInvariantViolationDefect": "declared multipart but has no parts",
    "CloseBoundaryNotFoundDefect": "multipart not closed",
    "InvalidBase64PaddingDefect": "broken base64 (padding)",
    "InvalidBase64CharactersDefect": "broken base64 (characters)",
    "InvalidBase64LengthDefect": "broken base64 (length)",
    "NoBoundaryInMultipartDefect": "multipart without a boundary parameter",
}


def _addresses(msg: EmailMessage, *names: str) -> list[str]:
    out = []
    for name in names:
        header = msg.get(name)
        if header is None:
            continue
        for addr in getattr(header, "addresses", ()):
            out.append(str(addr))
    return out


_SPECIALS = set('()<>@,:;."[]')
_compat = email.parser.BytesParser(policy=policy.compat32)
_HEADER_NAME = re.compile(r"[\041-\071\073-\176]+:")


def split_simple(data: bytes) -> email.message.Message | None:
    """The legacy parser's message for a simple message, built without the feed parser; None if not simple.

    The feed parser handles every malformation there is, one line at a time through a generator
    and a buffered pseudo-file, which is most of a plain message's reading. For a message whose
    headers are well-formed lines ended by a blank line, the result is a list of (name, value)
    pairs made by the policy's own `header_source_parse` and the rest of the text as the payload,
    so the same `Message` methods then read it. Anything else (a lone CR, a header line that is
    neither "Name:" nor a continuation, an envelope line, no blank line, a multipart or message/*
    type, whose payload the feed parser would parse into parts) returns None and goes to the feed
    parser. `tests/records/test_email_reader_fast.py` checks the two agree on every test message
    and on thousands of mutated ones.
    """
    text = data.decode("ascii", "surrogateescape")  # exactly what BytesParser feeds its parser
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    headers: list[tuple[str, str]] = []
    current: list[str] | None = None
    pos = 0
    while True:
        nl = text.find("\n", pos)
        if nl < 0:
            return None
        line = text[pos : nl + 1]
        pos = nl + 1
        if line == "\n" or line == "\r\n":
            break
        if line[0] in " \t":
            if current is None:
                return None
            current.append(line)
            continue
        if _HEADER_NAME.match(line) is None:
            return None
        if current is not None:
            headers.append(policy.compat32.header_source_parse(current))
        current = [line]
    if current is not None:
        headers.append(policy.compat32.header_source_parse(current))
    msg = email.message.Message(policy=policy.compat32)
    msg._headers = headers  # type: ignore[attr-defined]  # what FeedParser's set_raw builds, in order
    if msg.get_content_maintype() in ("multipart", "message"):
        return None
    msg.set_payload(text[pos:])
    return msg


def _decoded(value: str | email.header.Header | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _decoded_text(value)
    return str(email.header.make_header(email.header.decode_header(value)))


# Pure functions of a header's text, cached: an archive's senders and recipients repeat, and
# decoding an address list costs more than the rest of a plain message's reading.
@functools.lru_cache(maxsize=65536)
def _decoded_text(value: str) -> str:
    return str(email.header.make_header(email.header.decode_header(value)))


@functools.lru_cache(maxsize=65536)
def _shown_addresses(value: str) -> tuple[str, ...]:
    return tuple(_shown(name, addr) for name, addr in email.utils.getaddresses([value]) if addr)


def _shown(name: str, addr: str) -> str:
    """An address as the modern policy's `str(Address)` shows it."""
    if not name:
        return addr
    if _SPECIALS & set(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def _read_plain(data: bytes, line: int) -> MailMessage | MailProblem | None:
    """Fast path for the common single-part text/plain message; None means "use the full parser".

    The modern policy builds a parsed header object for every header it is asked for, which
    costs most of an import's time; a plain message needs only its addresses, date, subject and
    text, which the legacy parser plus RFC 2047 decoding give identically. Anything else
    (multipart, attachments, non-text, unknown charset) goes through the modern policy.
    """
    msg = split_simple(data) or _compat.parsebytes(data)
    ctype = msg.get_content_type()
    if msg.is_multipart() or ctype != "text/plain" or msg.get("Content-Disposition"):
        return None
    sender = _decoded(msg.get("From"))
    if not sender:
        return MailProblem(line, "no From header")
    raw_date = msg.get("Date")
    if raw_date is None:
        return MailProblem(line, "no Date header")
    try:
        sent_at = email.utils.parsedate_to_datetime(raw_date)
    except (TypeError, ValueError):
        return MailProblem(line, f"Date header {raw_date!r} is not an RFC 5322 date")
    if (far := _out_of_range(sent_at, raw_date, line)) is not None:
        return far
    payload = msg.get_payload(decode=True)
    charset = msg.get_content_charset() or "us-ascii"
    try:
        body = cast(bytes, payload or b"").decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None
    recipients: list[str] = []
    for header in ("To", "Cc", "Bcc"):
        for value in msg.get_all(header, []):
            recipients.extend(_shown_addresses(_decoded(value) or ""))
    mid = msg.get("Message-ID")
    return MailMessage(
        line=line,
        message_id=mid.strip() or None if mid else None,
        sent_at=sent_at,
        sender=sender,
        recipients=recipients,
        subject=_decoded(msg.get("Subject")),
        body=body.replace("\r\n", "\n").strip("\n"),
    )


def _out_of_range(sent_at: datetime, raw: str, line: int) -> MailProblem | None:
    """A Date the ledger cannot store and re-export identically (#15 item 1) is the message's problem."""
    try:
        in_range(sent_at if sent_at.tzinfo is not None else sent_at.replace(tzinfo=UTC))
    except ValueError:
        return MailProblem(line, f"Date header {raw!r}: {RANGE}")
    return None


def read_message(data: bytes, line: int) -> MailMessage | MailProblem:
    """One message, or the reason it cannot be kept as a record."""
    fast: MailMessage | MailProblem | None = None
    with contextlib.suppress(Exception):  # the full parser below reports what is wrong with the message
        fast = _read_plain(data, line)
    if fast is not None:
        return fast
    try:
        msg = email.message_from_bytes(data, policy=policy.default)  # type: ignore[arg-type]
        assert isinstance(msg, EmailMessage)
        sender = msg.get("From")
        if not sender:
            return MailProblem(line, "no From header")
        date = msg.get("Date")
        if date is None:
            return MailProblem(line, "no Date header")
        sent_at = getattr(date, "datetime", None)
        if sent_at is None:
            return MailProblem(line, f"Date header {str(date)!r} is not an RFC 5322 date")
        if (far := _out_of_range(sent_at, str(date), line)) is not None:
            return far
        attachments = []
        for part in msg.iter_attachments():
            payload = part.get_content()
            data_ = payload if isinstance(payload, bytes) else str(payload).encode("utf-8")
            attachments.append(MailAttachment(part.get_filename() or "attachment", data_))
        subject = msg.get("Subject")
        body, defects = _text_of(msg)
        return MailMessage(
            line=line,
            message_id=(str(msg.get("Message-ID")).strip() or None) if msg.get("Message-ID") else None,
            sent_at=sent_at,
            sender=str(sender),
            recipients=_addresses(msg, "To", "Cc", "Bcc"),
            subject=None if subject is None else str(subject),
            body=body,
            attachments=attachments,
            defects=defects,
        )
    except Exception as exc:  # a defective message must be reported with its line, never crash the import
        return MailProblem(line, f"cannot be parsed as e-mail ({exc.__class__.__name__}: {exc})")


def read_mbox(stream: BinaryIO) -> Iterator[MailMessage | MailProblem]:
    for line, data in split_mbox(stream):
        if not data:
            yield MailProblem(line, "text before the first 'From ' separator line: not an mbox file")
            continue
        yield read_message(data, line)
