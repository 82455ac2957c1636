"""Content-addressed, sealed storage of original files and attachments.

The original export is the evidence; the parsed rows are a reading of it. Bytes are stored
once per sha256 digest (re-importing the same file or the same photo stores nothing new) and
sealed with the ledger key, because chats and attachments carry the same personal data as the
people table. Large files are sealed in chunks so an archive of a million e-mails is never
held in memory whole.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.errors import NotFound
from lookout_ledger.records.archive_models import RecordBlob

CONTEXT = "records.blob"
CHUNK = 4 * 1024 * 1024


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_stream(stream: BinaryIO) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    for block in iter(lambda: stream.read(CHUNK), b""):
        h.update(block)
        size += len(block)
    stream.seek(0)
    return h.hexdigest(), size


def exists(session: Session, digest: str) -> bool:
    return session.execute(select(RecordBlob.digest).where(RecordBlob.digest == digest).limit(1)).first() is not None


def _seal(keyring: Keyring, digest: str, seq: int, block: bytes) -> str:
    sealed = keyring.encrypt(base64.b64encode(block).decode("ascii"), f"{CONTEXT}:{digest}:{seq}")
    assert sealed is not None
    return sealed


def put_chunks(session: Session, keyring: Keyring, digest: str, blocks: Iterable[bytes]) -> str:
    """Store the blocks of a file whose digest is already known, unless it is stored."""
    if not exists(session, digest):
        for seq, block in enumerate(blocks):
            session.execute(
                insert(RecordBlob).values(
                    digest=digest, seq=seq, size=len(block), content_enc=_seal(keyring, digest, seq, block)
                )
            )
    return digest


def put(session: Session, keyring: Keyring, data: bytes) -> str:
    """Store bytes unless already stored; returns their digest."""
    digest = digest_of(data)
    blocks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    return put_chunks(session, keyring, digest, blocks)


def put_stream(session: Session, keyring: Keyring, stream: BinaryIO, digest: str) -> str:
    def blocks() -> Iterator[bytes]:
        first = True
        for block in iter(lambda: stream.read(CHUNK), b""):
            first = False
            yield block
        if first:
            yield b""

    put_chunks(session, keyring, digest, blocks())
    stream.seek(0)
    return digest


def get(session: Session, keyring: Keyring, digest: str) -> bytes:
    """The original bytes, checked against their digest."""
    rows = session.execute(select(RecordBlob).where(RecordBlob.digest == digest).order_by(RecordBlob.seq)).scalars()
    parts = []
    for row in rows:
        text = keyring.decrypt(row.content_enc, f"{CONTEXT}:{digest}:{row.seq}")
        assert text is not None
        parts.append(base64.b64decode(text))
    if not parts:
        raise NotFound(f"no stored file with digest {digest}")
    data = b"".join(parts)
    if digest_of(data) != digest:
        raise NotFound(f"stored file {digest} does not match its digest")
    return data


def remove(session: Session, digest: str) -> None:
    session.execute(delete(RecordBlob).where(RecordBlob.digest == digest))
