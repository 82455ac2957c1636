"""Signing in and out, for pages and for API clients.

Both outcomes of a sign-in go to the audit log (who signed in, and that someone failed to),
in the same transaction as nothing else: there is no other write. A failed sign-in gives the
same answer whether the user exists or not.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import update

from lookout_ledger.core.auth import User, WebSession, authenticate, session_hash
from lookout_ledger.core.errors import AuthError
from lookout_ledger.http.deps import (
    OVERSIGHT_ROLES,
    Principal,
    current_principal,
    ledger_of,
    optional_principal,
    signer_of,
    wall_clock,
)
from lookout_ledger.http.security import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    SIGNIN_COOKIE,
    SIGNIN_MAX_AGE,
    SessionData,
    clear_cookie,
    set_cookie,
)
from lookout_ledger.http.throttle import Busy, SigninThrottle
from lookout_ledger.web.render import page

router = APIRouter()
api_router = APIRouter(prefix="/api", tags=["session"])

SIGNIN_FAILED = "Unknown user or wrong password."
SIGNIN_THROTTLED = "Too many failed sign-ins for this user name or from this address."
SIGNIN_BUSY = "Sign-in is busy; try again in a few seconds."
MAX_USERNAME = 100


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect after sign-in would be a phishing aid."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


class SigninRefused(Exception):
    """A sign-in that did not happen: wrong credentials (401), throttled (429) or busy (503)."""

    def __init__(self, message: str, status: int, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


def throttle_of(request: Request) -> SigninThrottle:
    return request.app.state.signin_throttle


def client_address(request: Request) -> str | None:
    """The caller's address as the server sees it (the proxy's client when it is trusted)."""
    return request.client.host if request.client else None


def _sign_in(request: Request, username: str, password: str) -> tuple[str, SessionData]:
    """A new session, or SigninRefused. A throttled attempt costs no Argon2 and no log entry."""
    ledger = ledger_of(request)
    throttle = throttle_of(request)
    username = username.strip()[:MAX_USERNAME]
    address = client_address(request)
    wait = throttle.retry_after(username, address)
    if wait is not None:
        raise SigninRefused(f"{SIGNIN_THROTTLED} Try again in {wait} seconds.", 429, wait)
    # Who failed is kept as a keyed digest: a typed user name is sometimes a password (#16 item 4).
    digest = ledger.keyring.blind_index(username.lower(), "audit.sign_in_username")
    try:
        with throttle.argon2_slot(), ledger.transaction() as s:
            user = authenticate(s, username, password)
            ledger.audit(s, user.username, "session.sign_in", "user", user.username, {"via": _via(request)})
            cookie, data = signer_of(request).new_session(user.username)
            now = ledger.now()
            s.add(
                WebSession(
                    id_hash=session_hash(data.sid),
                    username=user.username,
                    started_at=now,
                    via=_via(request),
                    last_seen_at=wall_clock(request),
                )
            )
    except Busy:
        raise SigninRefused(SIGNIN_BUSY, 503, 5) from None
    except AuthError:
        locked = throttle.failed(username, address)
        with ledger.transaction() as s:
            detail = {"username_digest": digest, "via": _via(request)}
            if locked is None:
                ledger.audit(s, "anonymous", "session.sign_in_failed", "user", None, detail)
            else:
                ledger.audit(s, "anonymous", "session.sign_in_throttled", "user", None, {**detail, "seconds": locked})
        raise SigninRefused(SIGNIN_FAILED, 401) from None
    throttle.succeeded(username)
    return cookie, data


def _sign_out(request: Request, principal: Principal) -> None:
    ledger = ledger_of(request)
    with ledger.transaction() as s:
        s.execute(
            update(WebSession)
            .where(WebSession.id_hash == session_hash(principal.sid), WebSession.ended_at.is_(None))
            .values(ended_at=ledger.now())
        )
        ledger.audit(s, principal.username, "session.sign_out", "user", principal.username, {"via": _via(request)})


def _via(request: Request) -> str:
    return "api" if request.url.path.startswith("/api/") else "web"


def _signin_form(request: Request, *, error: str | None = None, next_path: str = "/", status: int = 200) -> Response:
    cookie, token = signer_of(request).new_signin_token()
    response = page(
        request,
        "signin.html",
        {"title": "Sign in", "error": error, "signin_token": token, "next": safe_next(next_path)},
        status_code=status,
    )
    set_cookie(response, request, SIGNIN_COOKIE, cookie, SIGNIN_MAX_AGE)
    return response


@router.get("/signin", include_in_schema=False)
def signin_page(request: Request, next: str = "/") -> Response:
    if optional_principal(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _signin_form(request, next_path=next)


@router.post("/signin", include_in_schema=False)
def signin_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    try:
        cookie, _ = _sign_in(request, username, password)
    except SigninRefused as exc:
        response = _signin_form(request, error=exc.message, next_path=next, status=exc.status)
        response.headers.update(exc.headers)
        return response
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, cookie, SESSION_MAX_AGE)
    clear_cookie(response, request, SIGNIN_COOKIE)
    return response


@router.post("/signout", include_in_schema=False)
def signout(request: Request, principal: Principal = Depends(current_principal)) -> Response:
    _sign_out(request, principal)
    response = RedirectResponse("/signin", status_code=303)
    clear_cookie(response, request, SESSION_COOKIE)
    return response


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    principal = optional_principal(request)
    if principal is None:
        return RedirectResponse("/signin", status_code=303)
    if principal.has_role(*OVERSIGHT_ROLES):
        return RedirectResponse("/dashboard", status_code=303)
    return page(request, "home.html", {"title": "Lookout Ledger"})


class Credentials(BaseModel):
    username: str = Field(max_length=MAX_USERNAME)
    password: str = Field(max_length=1000)


class SessionInfo(BaseModel):
    username: str
    roles: list[str]
    csrf_token: str = Field(description="Send it back in the X-CSRF-Token header of every state-changing request.")


@api_router.post(
    "/session",
    response_model=SessionInfo,
    responses={
        401: {"description": "unknown user or wrong password"},
        429: {"description": "too many failures for this user name or address; see Retry-After"},
        503: {"description": "sign-in busy; see Retry-After"},
    },
    summary="Sign in; the response sets the session cookie",
)
def api_signin(request: Request, credentials: Credentials) -> Response:
    try:
        cookie, data = _sign_in(request, credentials.username, credentials.password)
    except SigninRefused as exc:
        body: dict[str, object] = {"error": exc.message}
        if exc.retry_after:
            body["retry_after"] = exc.retry_after
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)
    with ledger_of(request).reading() as s:
        user = s.get(User, data.username)
        roles = sorted(user.role_names) if user else []
    response = JSONResponse(SessionInfo(username=data.username, roles=roles, csrf_token=data.csrf).model_dump())
    set_cookie(response, request, SESSION_COOKIE, cookie, SESSION_MAX_AGE)
    return response


@api_router.delete("/session", status_code=204, summary="Sign out")
def api_signout(request: Request, principal: Principal = Depends(current_principal)) -> Response:
    _sign_out(request, principal)
    response = Response(status_code=204)
    clear_cookie(response, request, SESSION_COOKIE)
    return response
