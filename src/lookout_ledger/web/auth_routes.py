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
from lookout_ledger.web.render import page

router = APIRouter()
api_router = APIRouter(prefix="/api", tags=["session"])

SIGNIN_FAILED = "Unknown user or wrong password."
MAX_USERNAME = 100


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect after sign-in would be a phishing aid."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _sign_in(request: Request, username: str, password: str) -> tuple[str, SessionData] | None:
    ledger = ledger_of(request)
    username = username.strip()[:MAX_USERNAME]
    with ledger.transaction() as s:
        try:
            user = authenticate(s, username, password)
        except AuthError:
            ledger.audit(s, "anonymous", "session.sign_in_failed", "user", None, {"username": username})
            return None
        ledger.audit(s, user.username, "session.sign_in", "user", user.username, {"via": _via(request)})
        cookie, data = signer_of(request).new_session(user.username)
        s.add(
            WebSession(
                id_hash=session_hash(data.sid), username=user.username, started_at=ledger.now(), via=_via(request)
            )
        )
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
    signed = _sign_in(request, username, password)
    if signed is None:
        return _signin_form(request, error=SIGNIN_FAILED, next_path=next, status=401)
    cookie, _ = signed
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
    responses={401: {"description": "unknown user or wrong password"}},
    summary="Sign in; the response sets the session cookie",
)
def api_signin(request: Request, credentials: Credentials) -> Response:
    signed = _sign_in(request, credentials.username, credentials.password)
    if signed is None:
        return JSONResponse({"error": SIGNIN_FAILED}, status_code=401)
    cookie, data = signed
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
