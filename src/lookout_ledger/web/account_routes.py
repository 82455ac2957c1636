"""One's own account (password, sessions) and the administrators' user list, as pages and API.

Issue 16, item 5: there was no way to change a password, to see or end one's sessions, or to
deactivate a user or withdraw a role except SQL. The use cases are `core.accounts`' (the command
line calls the same ones); the routes only say who may call them: anyone signed in for their own
account, an administrator for the user list. Changing a password needs the current one, is
throttled like a sign-in (a stolen session must not become a password oracle) and ends every
other session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core import accounts
from lookout_ledger.core.auth import Role, User, parse_roles, session_hash
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.passwords import MIN_LENGTH
from lookout_ledger.http.deps import Principal, current_principal, ledger_of, requires
from lookout_ledger.http.security import SESSION_COOKIE, SESSION_IDLE, clear_cookie
from lookout_ledger.web.auth_routes import SIGNIN_THROTTLED, client_address, throttle_of
from lookout_ledger.web.render import page

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["account"])
ADMIN = requires(Role.ADMIN)
WRONG_CURRENT = "current password: it is not your current password"


def _status(exc: LedgerError) -> int:
    return 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, AuthError) else 400


def _sessions(s: Session, p: Principal, now: datetime) -> list[dict[str, Any]]:
    mine = session_hash(p.sid)
    return [
        {
            "handle": ws.id_hash[: accounts.SESSION_HANDLE],
            "via": ws.via,
            "started_at": ws.started_at.isoformat(),
            "last_seen_at": ws.last_seen_at.isoformat() if ws.last_seen_at else None,
            "expires_at": ws.expires_at.isoformat() if ws.expires_at else None,
            "current": ws.id_hash == mine,
        }
        for ws in accounts.list_sessions(s, p.username, at=now)
    ]


def _change_password(request: Request, p: Principal, current: str, new: str) -> int:
    """The use case behind the page and the API, throttled per account like a sign-in."""
    throttle = throttle_of(request)
    address = client_address(request)
    wait = throttle.retry_after(p.username, address)
    if wait is not None:
        raise LedgerError(f"{SIGNIN_THROTTLED} Try again in {wait} seconds.")
    ledger = ledger_of(request)
    try:
        with throttle.argon2_slot(), ledger.transaction() as s:
            return accounts.change_own_password(ledger, s, p.username, current, new, keep_sid_hash=session_hash(p.sid))
    except AuthError:
        throttle.failed(p.username, address)
        raise LedgerError(WRONG_CURRENT) from None


def _account_page(request: Request, p: Principal, status: int = 200, **extra: Any) -> Response:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        sessions = _sessions(s, p, ledger.now())
    ctx = {
        "title": "Your account",
        "sessions": sessions,
        "min_length": MIN_LENGTH,
        "idle_minutes": SESSION_IDLE // 60,
        "error": None,
        "notice": None,
    }
    return page(request, "account.html", {**ctx, **extra}, status_code=status)


@router.get("/account")
def account_page(request: Request, p: Principal = Depends(current_principal)) -> Response:
    return _account_page(request, p)


@router.post("/account/password")
def account_password(
    request: Request,
    current_password: str = Form(""),
    new_password: str = Form(""),
    confirm_password: str = Form(""),
    p: Principal = Depends(current_principal),
) -> Response:
    if new_password != confirm_password:
        return _account_page(request, p, 400, error="confirm password: the two new passwords differ")
    try:
        ended = _change_password(request, p, current_password, new_password)
    except LedgerError as exc:
        return _account_page(request, p, 400, error=str(exc))
    return _account_page(request, p, notice=f"Password changed. {ended} other session(s) ended.")


@router.post("/account/sessions/{handle}/end")
def account_end_session(request: Request, handle: str, p: Principal = Depends(current_principal)) -> Response:
    ledger = ledger_of(request)
    try:
        with ledger.transaction() as s:
            accounts.end_own_session(ledger, s, p.username, handle)
    except LedgerError as exc:
        return _account_page(request, p, _status(exc), error=str(exc))
    if session_hash(p.sid).startswith(handle):
        response = RedirectResponse("/signin", status_code=303)
        clear_cookie(response, request, SESSION_COOKIE)
        return response
    return _account_page(request, p, notice=f"Session {handle} ended.")


def _users(s: Session) -> list[dict[str, Any]]:
    users = s.execute(select(User).order_by(User.username)).scalars()
    return [
        {
            "username": u.username,
            "display_name": u.display_name,
            "official_id": u.official_id,
            "active": u.active,
            "roles": sorted(u.role_names),
        }
        for u in users
    ]


def _admin_page(request: Request, status: int = 200, **extra: Any) -> Response:
    with ledger_of(request).reading() as s:
        users = _users(s)
    ctx = {"title": "Users", "users": users, "error": None, "notice": None}
    return page(request, "admin_users.html", {**ctx, **extra}, status_code=status)


def _admin_act(request: Request, what: str, act: Any) -> Response:
    ledger = ledger_of(request)
    try:
        with ledger.transaction() as s:
            act(ledger, s)
    except LedgerError as exc:
        return _admin_page(request, _status(exc), error=str(exc))
    return _admin_page(request, notice=what)


@router.get("/admin/users")
def admin_users(request: Request, p: Principal = Depends(ADMIN)) -> Response:
    return _admin_page(request)


@router.post("/admin/users/{username}/deactivate")
def admin_deactivate(request: Request, username: str, p: Principal = Depends(ADMIN)) -> Response:
    return _admin_act(
        request,
        f"{username} deactivated; every session and token of theirs has ended.",
        lambda ledger, s: accounts.deactivate_user(ledger, s, p.username, username),
    )


@router.post("/admin/users/{username}/roles/{role}/withdraw")
def admin_withdraw(request: Request, username: str, role: str, p: Principal = Depends(ADMIN)) -> Response:
    def act(ledger: Ledger, s: Session) -> None:
        (r,) = parse_roles([role])
        accounts.revoke(ledger, s, p.username, username, r)

    return _admin_act(request, f"{role} withdrawn from {username}, effective at their next request.", act)


# --- the same over the API ------------------------------------------------------------------------


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000, description=f"At least {MIN_LENGTH} characters, not a common password")


@api_router.post("/account/password", summary="Change your password; your other sessions end")
def api_password(request: Request, body: PasswordChange, p: Principal = Depends(current_principal)) -> dict[str, int]:
    return {"sessions_ended": _change_password(request, p, body.current_password, body.new_password)}


@api_router.get("/account/sessions", summary="Your sessions and command-line tokens that have not ended")
def api_sessions(request: Request, p: Principal = Depends(current_principal)) -> list[dict[str, Any]]:
    ledger = ledger_of(request)
    with ledger.reading() as s:
        return _sessions(s, p, ledger.now())


@api_router.delete("/account/sessions/{handle}", status_code=204, summary="End one of your sessions")
def api_end_session(request: Request, handle: str, p: Principal = Depends(current_principal)) -> Response:
    ledger = ledger_of(request)
    with ledger.transaction() as s:
        accounts.end_own_session(ledger, s, p.username, handle)
    return Response(status_code=204)


@api_router.get("/admin/users", summary="Every user, their roles and whether they are active (admin)")
def api_users(request: Request, p: Principal = Depends(ADMIN)) -> list[dict[str, Any]]:
    with ledger_of(request).reading() as s:
        return _users(s)


@api_router.post("/admin/users/{username}/deactivate", summary="Deactivate a user; their sessions end (admin)")
def api_deactivate(request: Request, username: str, p: Principal = Depends(ADMIN)) -> dict[str, str]:
    ledger = ledger_of(request)
    with ledger.transaction() as s:
        accounts.deactivate_user(ledger, s, p.username, username)
    return {"username": username, "status": "deactivated"}


@api_router.post("/admin/users/{username}/roles/{role}/withdraw", summary="Withdraw a role (admin)")
def api_withdraw(request: Request, username: str, role: str, p: Principal = Depends(ADMIN)) -> dict[str, str]:
    ledger = ledger_of(request)
    (r,) = parse_roles([role])
    with ledger.transaction() as s:
        accounts.revoke(ledger, s, p.username, username, r)
    return {"username": username, "withdrawn": str(r)}
