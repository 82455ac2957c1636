"""E-mail read into messages: single `.eml` files and `mbox` archives, attachments included.

Parsing uses the standard library's `email` package with the modern policy (RFC 5322 headers,
decoded display names, `get_body`, `iter_attachments`). The mbox is split here rather than by
`mailbox.mbox` so every message remembers the line of the archive it starts on (the "source
file and line" a records officer cites) and so a million-message archive is streamed, not
indexed in memory first. Both mboxo and mboxrd quoting (">From ") are undone.
"""

from __future__ import annotations

import email
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from typing import BinaryIO

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


def _text_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html.unescape(_TAGS.sub(" ", content))
    return content.replace("\r\n", "\n").strip("\n")


def _addresses(msg: EmailMessage, *names: str) -> list[str]:
    out = []
    for name in names:
        header = msg.get(name)
        if header is None:
            continue
        for addr in getattr(header, "addresses", ()):
            out.append(str(addr))
    return out


def read_message(data: bytes, line: int) -> MailMessage | MailProblem:
    """One message, or the reason it cannot be kept as a record."""
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
        attachments = []
        for part in msg.iter_attachments():
            payload = part.get_content()
            data_ = payload if isinstance(payload, bytes) else str(payload).encode("utf-8")
            attachments.append(MailAttachment(part.get_filename() or "attachment", data_))
        subject = msg.get("Subject")
        return MailMessage(
            line=line,
            message_id=(str(msg.get("Message-ID")).strip() or None) if msg.get("Message-ID") else None,
            sent_at=sent_at,
            sender=str(sender),
            recipients=_addresses(msg, "To", "Cc", "Bcc"),
            subject=None if subject is None else str(subject),
            body=_text_of(msg),
            attachments=attachments,
        )
    except Exception as exc:  # a defective message must be reported with its line, never crash the import
        return MailProblem(line, f"cannot be parsed as e-mail ({exc.__class__.__name__}: {exc})")


def read_mbox(stream: BinaryIO) -> Iterator[MailMessage | MailProblem]:
    for line, data in split_mbox(stream):
        if not data:
            yield MailProblem(line, "text before the first 'From ' separator line: not an mbox file")
            continue
        yield read_message(data, line)
