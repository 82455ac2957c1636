"""Sessions, CSRF tokens and the response headers every page and API answer carries.

Sessions are signed cookies (itsdangerous, HMAC with a key derived from the ledger key) that
carry a session id; the database keeps the id's hash (`web_sessions`), so signing out ends the
session for every copy of the cookie. The cookie is HttpOnly and SameSite=Strict and expires
after SESSION_MAX_AGE. Expiry is measured on the wall clock, not the ledger
clock: `--now` replays *domain* time, but a session must still end in real time.

CSRF uses a synchronizer token bound to the session: a random token stored inside the signed
session, sent back by forms in a hidden field and by htmx in a header. Before sign-in there is
no session, so the sign-in form carries a token bound to a short-lived pre-session cookie
(login CSRF); the JSON sign-in needs `application/json`, which a cross-site form cannot send.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "ll_session"
SIGNIN_COOKIE = "ll_signin"
SESSION_MAX_AGE = 8 * 3600
SESSION_IDLE = 30 * 60  # NIST SP 800-63B AAL2: re-authenticate after 30 minutes unused
SEEN_RESOLUTION = 60  # last_seen_at is written at most once a minute per session
SIGNIN_MAX_AGE = 3600
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
HSTS = "max-age=63072000; includeSubDomains"
SAFE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "permissions-policy": PERMISSIONS_POLICY,
    "cross-origin-opener-policy": "same-origin",
}


@dataclass(frozen=True)
class SessionData:
    username: str
    csrf: str
    sid: str  # the session id: its hash is the `web_sessions` row that sign-out ends


class SessionSigner:
    """Signs and reads the two cookies; a bad, forged or expired cookie reads as no session."""

    def __init__(self, key: bytes) -> None:
        self._session = URLSafeTimedSerializer(key, salt="lookout-ledger.session")
        self._signin = URLSafeTimedSerializer(key, salt="lookout-ledger.signin")

    def new_session(self, username: str) -> tuple[str, SessionData]:
        data = SessionData(username=username, csrf=secrets.token_urlsafe(32), sid=secrets.token_urlsafe(32))
        return self._session.dumps({"u": data.username, "c": data.csrf, "s": data.sid}), data

    def read_session(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            raw: Any = self._session.loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:  # includes SignatureExpired
            return None
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("u", "c", "s")):
            return None
        return SessionData(username=raw["u"], csrf=raw["c"], sid=raw["s"])

    def new_signin_token(self) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return self._signin.dumps(token), token

    def read_signin_token(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            raw: Any = self._signin.loads(cookie, max_age=SIGNIN_MAX_AGE)
        except BadSignature:
            return None
        return raw if isinstance(raw, str) else None


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")


class SafeHeadersMiddleware:
    """Adds the safe headers to every response, and `Cache-Control: no-store` to everything but
    static files: pages and API answers can show personal data and must not sit in a cache.
    A response that sets one of them itself (a download's sandboxing CSP) keeps its own, which
    is stricter. Over HTTPS (directly, or behind a trusted proxy that says so) browsers are told
    to use nothing else (HSTS)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                own = {k.lower() for k, _ in headers}
                for name, value in SAFE_HEADERS.items():
                    if name.encode() not in own:
                        headers.append((name.encode(), value.encode()))
                if https:
                    headers.append((b"strict-transport-security", HSTS.encode()))
                headers.append((b"cache-control", b"public, max-age=3600" if static else b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
