"""What an uploaded document is, judged by its bytes rather than by what the uploader said.

A foreign request arrives as a letter (PDF, a scan as PNG, JPEG or TIFF) or as the text of an
e-mail. Anything else, HTML, SVG, script, an office file with macros, is refused at upload: the
approvers must open the document before they approve, so a document that can run code in a
browser is the attack (issue 16, item 1). The type stored is the one found here; the uploader's
Content-Type is a claim and is ignored.
"""

from __future__ import annotations

import re
import unicodedata

from lookout_ledger.core.errors import LedgerError

ACCEPTED = "a PDF, a PNG, JPEG or TIFF image, or plain text (UTF-8)"

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
# Text has no control characters but layout ones (a zip, an office file, a binary has them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Markup a browser would render or run, wherever it appears in a text document.
_ACTIVE_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|meta|link|style|img|a\s|form|\?xml)"
    rb"|javascript:",
    re.IGNORECASE,
)


def sniff(data: bytes) -> str | None:
    """The media type of `data` when it is one we accept, else None."""
    for magic, media in _MAGIC:
        if data.startswith(magic):
            return media
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(text) or _ACTIVE_MARKUP.search(data):
        return None
    return "text/plain; charset=utf-8"


def document_type(data: bytes, field: str = "document") -> str:
    """The accepted media type of an upload, or a refusal that says what is accepted."""
    media = sniff(data)
    if media is None:
        head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        looks = "HTML or script" if head.startswith(b"<") or b"script" in head else "not one of them"
        raise LedgerError(f"{field}: the file must be {ACCEPTED}; its content is {looks}")
    return media


def safe_filename(name: str | None, default: str = "download") -> str:
    """The name without path parts or control characters (what a download may be saved as)."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    text = text.replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".")
    return text or default
