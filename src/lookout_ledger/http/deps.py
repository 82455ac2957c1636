"""Who is asking, and may they: the dependencies every page and API route declares.

A route states the roles it needs (`Depends(requires(Role.AUDITOR, Role.ADMIN))`); the
exception handlers in `app.py` turn a missing session into a sign-in redirect (pages) or a
401 (API), and a missing role into a 403 that names the role needed. The CSRF guard is an
application-wide dependency, so a new state-changing route cannot forget it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Depends, Request
from sqlalchemy import and_, select, update

from lookout_ledger.core.auth import SPII_ROLES, Role, User, UserRole, WebSession, session_hash
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.http.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    SEEN_RESOLUTION,
    SESSION_COOKIE,
    SESSION_IDLE,
    SIGNIN_COOKIE,
    SessionSigner,
    tokens_match,
)

OVERSIGHT_ROLES = (Role.AUDITOR, Role.ADMIN)
SIGNIN_PATH = "/signin"
API_SIGNIN_PATH = "/api/session"


class NotSignedIn(Exception):
    """No valid session (none, forged, expired, or the user was deactivated)."""


class Forbidden(Exception):
    def __init__(self, username: str, roles: tuple[str, ...]) -> None:
        super().__init__(f"{username} needs the role {' or '.join(roles)}")
        self.username = username
        self.roles = roles


class CsrfRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    """The signed-in user as pages need them: no ORM object outlives its session."""

    username: str
    display_name: str
    roles: frozenset[str]
    official_id: str | None
    csrf: str
    sid: str

    def has_role(self, *roles: Role | str) -> bool:
        return bool(self.roles & {str(r) for r in roles})

    @property
    def personal(self) -> bool:
        """Whether this user's work needs personal data (names, free text about people)."""
        return self.has_role(*SPII_ROLES)


def ledger_of(request: Request) -> Ledger:
    return request.app.state.ledger


def signer_of(request: Request) -> SessionSigner:
    return request.app.state.signer


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def optional_principal(request: Request) -> Principal | None:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    data = signer_of(request).read_session(request.cookies.get(SESSION_COOKIE))
    if data is None:
        return None
    # Re-read on every request, so a deactivated user, a withdrawn role or a signed-out session
    # takes effect at once; one Core query (not the ORM's user plus roles) keeps that cheap.
    ledger = ledger_of(request)
    with ledger.reading() as s:
        rows = s.execute(
            select(User.display_name, User.official_id, User.active, UserRole.role, WebSession.last_seen_at)
            .join(
                WebSession,
                and_(
                    WebSession.username == User.username,
                    WebSession.id_hash == session_hash(data.sid),
                    WebSession.ended_at.is_(None),
                ),
            )
            .outerjoin(UserRole, UserRole.username == User.username)
            .where(User.username == data.username)
        ).all()
    if not rows or not rows[0].active:
        return None
    if not _still_in_use(request, ledger, data.sid, data.username, rows[0].last_seen_at):
        return None
    principal = Principal(
        username=data.username,
        display_name=rows[0].display_name,
        roles=frozenset(r.role for r in rows if r.role),
        official_id=rows[0].official_id,
        csrf=data.csrf,
        sid=data.sid,
    )
    request.state.principal = principal
    return principal


def wall_clock(request: Request) -> datetime:
    """Sessions run on real time, whatever clock the ledger states (`security.py`); tests set it."""
    clock = getattr(request.app.state, "wall_clock", None)
    return clock() if clock is not None else datetime.now(UTC)


def _still_in_use(request: Request, ledger: Ledger, sid: str, username: str, last_seen: datetime | None) -> bool:
    """The idle timeout (#16 item 5): a session unused for SESSION_IDLE ends, and says so in the
    log; otherwise its last use is noted, at most once a minute, so a busy page costs no write."""
    now = wall_clock(request)
    if last_seen is not None and (now - last_seen).total_seconds() > SESSION_IDLE:
        with ledger.transaction() as s:
            s.execute(
                update(WebSession)
                .where(WebSession.id_hash == session_hash(sid), WebSession.ended_at.is_(None))
                .values(ended_at=ledger.now())
            )
            ledger.audit(s, username, "session.idle_timeout", "user", username, {"idle_seconds": SESSION_IDLE})
        return False
    if last_seen is None or (now - last_seen).total_seconds() >= SEEN_RESOLUTION:
        with ledger.transaction() as s:
            s.execute(update(WebSession).where(WebSession.id_hash == session_hash(sid)).values(last_seen_at=now))
    return True


def current_principal(request: Request) -> Principal:
    principal = optional_principal(request)
    if principal is None:
        raise NotSignedIn()
    return principal


def requires(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that yields the principal when they hold one of `roles`, else 403."""
    names = tuple(str(r) for r in roles)

    # async: it does no I/O, and a sync dependency costs a trip through the thread pool
    async def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.has_role(*names):
            raise Forbidden(principal.username, names)
        return principal

    dependency.roles = names  # type: ignore[attr-defined]  # read by the access matrix (docs, tests)
    return dependency


async def csrf_guard(request: Request) -> None:
    """Reject a state-changing request unless it proves it came from our own page or client."""
    if request.method in SAFE_METHODS:
        return
    path = request.url.path
    if path == API_SIGNIN_PATH and request.method == "POST":
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise CsrfRejected("sign in through the API with a JSON body (Content-Type: application/json)")
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None and _is_form(request):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if path == SIGNIN_PATH:
        expected = signer_of(request).read_signin_token(request.cookies.get(SIGNIN_COOKIE))
        if not tokens_match(expected, given):
            raise CsrfRejected("the sign-in form has expired or did not come from this site; reload it and try again")
        return
    data = signer_of(request).read_session(request.cookies.get(SESSION_COOKIE))
    if data is None:
        raise CsrfRejected("no valid session: sign in again")
    if not tokens_match(data.csrf, given):
        raise CsrfRejected("missing or wrong CSRF token: reload the page and try again")


def _is_form(request: Request) -> bool:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return ctype in ("application/x-www-form-urlencoded", "multipart/form-data")
