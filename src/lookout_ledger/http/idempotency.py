"""`Idempotency-Key` on API writes: a retry after a lost answer never acts twice.

Each server kill in the tester's run left one to three lookouts committed whose client never got
the answer (issue 15, item 8); a client that retried placed them twice. A client that sends
`Idempotency-Key: <its own unique value>` with a POST, PUT, PATCH or DELETE under `/api/` gets,
for a day, the stored answer of the first request with that key (marked `Idempotent-Replayed:
true`) instead of a second action. The same key with a different request (method, path, query or
body) is refused with 422; a key whose first request is still running, with 409. A 5xx is not
kept, so the retry runs. Keys are per user (the signed session), kept as a hash, and never used
for signing in. Without the header nothing changes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lookout_ledger.core.db import Base
from lookout_ledger.core.types import Instant
from lookout_ledger.http.security import CSRF_HEADER, SESSION_COOKIE, tokens_match

HEADER = b"idempotency-key"
KEEP = timedelta(days=1)
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY = 200


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(Instant, nullable=False, index=True)
    status: Mapped[int | None] = mapped_column(Integer)  # None while the first request runs
    content_type: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)


def _json(status: int, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"error": message}).encode()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        key = headers.get(HEADER)
        if key is None or scope["path"] == "/api/session":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        replay_receive = _replaying(body, receive)
        user = self._user(scope, headers)
        if not 0 < len(key) <= MAX_KEY or not key.isascii():
            await _answer(send, *_json(400, f"Idempotency-Key: 1 to {MAX_KEY} ASCII characters"))
            return
        if user is None:  # not signed in, or no CSRF token: the app refuses it as it would anyway
            await self.app(scope, replay_receive, send)
            return
        state = scope["app"].state
        ledger, now = state.ledger, getattr(state, "wall_clock", lambda: datetime.now(UTC))()
        key_hash = hashlib.sha256(user.encode() + b"\x00" + key).hexdigest()
        fingerprint = hashlib.sha256(
            b"\x00".join([scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        found = _reserve(ledger, key_hash, user, fingerprint, now)
        if found is not None:
            if found.fingerprint != fingerprint:
                await _answer(send, *_json(422, "Idempotency-Key: already used for a different request"))
            elif found.status is None:
                await _answer(send, *_json(409, "Idempotency-Key: the first request with this key is still running"))
            else:
                extra = [(b"idempotent-replayed", b"true")]
                await _answer(send, found.status, found.body or b"", found.content_type, extra)
            return
        captured: dict[str, Any] = {"status": 500, "type": None, "body": []}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["type"] = dict(message.get("headers", [])).get(b"content-type")
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            _settle(ledger, key_hash, captured)

    @staticmethod
    def _user(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
        from http.cookies import SimpleCookie

        cookies = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
        morsel = cookies.get(SESSION_COOKIE)
        data = scope["app"].state.signer.read_session(morsel.value if morsel else None)
        given = headers.get(CSRF_HEADER.lower().encode())
        if data is None or not tokens_match(data.csrf, given.decode("latin-1") if given else None):
            return None
        return str(data.username)


def _reserve(ledger: Any, key_hash: str, user: str, fingerprint: str, now: datetime) -> IdempotencyRecord | None:
    """Claim the key for this request; the earlier claim when there is one (None: go ahead)."""
    for _ in range(2):
        try:
            with ledger.transaction() as s:
                s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - KEEP))
                existing = s.get(IdempotencyRecord, key_hash)
                if existing is not None:
                    s.expunge(existing)
                    return existing
                s.add(IdempotencyRecord(key_hash=key_hash, username=user, fingerprint=fingerprint, created_at=now))
            return None
        except IntegrityError:  # claimed at the same instant by a concurrent request: read it
            continue
    with ledger.reading() as s:
        row = s.execute(select(IdempotencyRecord).where(IdempotencyRecord.key_hash == key_hash)).scalar_one()
        s.expunge(row)
        return row


def _settle(ledger: Any, key_hash: str, captured: dict[str, Any]) -> None:
    """Keep the answer; or, for a 5xx (or a crash), free the key so the retry runs."""
    with ledger.transaction() as s:
        row = s.get(IdempotencyRecord, key_hash)
        if row is None:
            return
        if captured["status"] >= 500:
            s.delete(row)
            return
        row.status = captured["status"]
        row.content_type = captured["type"].decode("latin-1") if captured["type"] else None
        row.body = b"".join(captured["body"])


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replaying(body: bytes, original: Receive) -> Receive:
    """The body already read, then whatever the client sends next (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


async def _answer(
    send: Send, status: int, body: bytes, content_type: str | None = "application/json", extra: list | None = None
) -> None:
    headers = [(b"content-type", (content_type or "application/json").encode("latin-1"))]
    headers += [(b"content-length", str(len(body)).encode())] + (extra or [])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
