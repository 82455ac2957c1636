"""Uploaded files read as the spooled file the server already wrote, never copied whole into memory.

An archive upload of 100 MB read with `await file.read()` and wrapped in a BytesIO held the file
twice in the server's memory (issue 15, item 6: a 20,000-message import grew the server's RSS
from 189 to 360 MB). Starlette spools an upload to a temporary file past 1 MB; the importer needs
only a seekable binary stream, so it reads that file in place.
"""

from __future__ import annotations

import os
from typing import BinaryIO

from fastapi import UploadFile

from lookout_ledger.core.errors import LedgerError


def spooled(upload: UploadFile, limit: int, field: str, hint: str = "") -> BinaryIO:
    """The upload's own seekable file, at its start, after checking its size against `limit`."""
    stream = upload.file
    size = upload.size
    if size is None:
        size = stream.seek(0, os.SEEK_END)
    if size > limit:
        raise LedgerError(f"{field}: larger than {limit // (1024 * 1024)} MB{hint}")
    stream.seek(0)
    return stream  # type: ignore[return-value]
