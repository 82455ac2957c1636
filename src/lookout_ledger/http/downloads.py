"""Files handed to a browser: always as a download, never rendered from our origin.

An uploaded document served inline with the uploader's Content-Type ran as script on our
origin and recorded an approval in the approver's name (issue 16, item 1). Every file a page or
the API returns therefore goes through `attachment`: `Content-Disposition: attachment` with an
RFC 6266 / RFC 5987 file name (any script, no HTTP 500 on a non-Latin-1 name), a fixed type,
`nosniff`, and a sandboxing CSP in case a browser renders it anyway.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from lookout_ledger.core.filetypes import safe_filename

SANDBOX_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"
OCTET_STREAM = "application/octet-stream"


def content_disposition(name: str | None) -> str:
    """`attachment; filename="ascii"` plus `filename*=UTF-8''…` when the name is not plain ASCII."""
    full = safe_filename(name)
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%;' else "_" for ch in full)
    value = f'attachment; filename="{fallback}"'
    if fallback != full:
        value += f"; filename*=UTF-8''{quote(full, safe='')}"
    return value


def attachment(data: bytes, name: str | None, media_type: str = OCTET_STREAM) -> Response:
    """A download. `media_type` is for files the ledger generated itself (a PDF package); an
    uploaded file keeps the fixed `application/octet-stream`."""
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(name),
            "Content-Security-Policy": SANDBOX_CSP,
            "X-Content-Type-Options": "nosniff",
        },
    )
