"""Uploads judged by content, and download names that survive every script (issue 16, item 1)."""

from __future__ import annotations

import pytest

from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.filetypes import document_type, safe_filename, sniff
from lookout_ledger.http.downloads import content_disposition


@pytest.mark.parametrize(
    ("data", "media"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0 JFIF", "image/jpeg"),
        (b"II*\x00 scan", "image/tiff"),
        ("Estimado señor: solicitamos…\n".encode(), "text/plain; charset=utf-8"),
        (b"To: <liaison@example.org>\nSubject: request\n", "text/plain; charset=utf-8"),  # an address is not markup
        (b"<html><body>x</body></html>", None),
        (b"  <SCRIPT src=//evil.example></SCRIPT>", None),
        (b"text then <iframe src=x>", None),
        (b"\x00\x01binary", None),
        (b"\xc3\x28 not utf-8", None),
    ],
)
def test_sniff(data: bytes, media: str | None) -> None:
    assert sniff(data) == media


def test_a_refusal_names_the_field_and_what_is_accepted() -> None:
    with pytest.raises(LedgerError, match=r"^document: the file must be a PDF, a PNG, JPEG or TIFF .* HTML or script"):
        document_type(b"<script>x</script>")


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("request.pdf", 'attachment; filename="request.pdf"'),
        ("C:\\Users\\x\\letter.pdf", 'attachment; filename="letter.pdf"'),
        ('a"b;c%.pdf', "attachment; filename=\"a_b_c_.pdf\"; filename*=UTF-8''a%22b%3Bc%25.pdf"),
        ("طلب.pdf", "attachment; filename=\"___.pdf\"; filename*=UTF-8''%D8%B7%D9%84%D8%A8.pdf"),
        ("bad\r\nSet-Cookie: x.pdf", 'attachment; filename="bad  Set-Cookie: x.pdf"'),
        ("", 'attachment; filename="download"'),
    ],
)
def test_content_disposition(name: str, header: str) -> None:
    assert content_disposition(name) == header


def test_safe_filename_default() -> None:
    assert safe_filename("../..", "request") == "request"
