"""Accounts: the first administrators, role grants under two-person control, and the
short-lived tokens the command line signs in with.

The review's officials could act under any name the tool accepted. Here every interface
resolves a token or a session to a user whose roles are re-read on each use, a role takes
effect only when a second administrator approves it, and the bootstrap that creates the
first administrators works once, on a database with no users.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lookout_ledger.core import passwords, state
from lookout_ledger.core.auth import (
    Role,
    User,
    UserRole,
    WebSession,
    add_user,
    authenticate,
    hash_password,
    session_hash,
)
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.db import Base
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.types import Instant

if TYPE_CHECKING:
    from lookout_ledger.core.ledger import Ledger

CLI_TOKEN_HOURS = 12
SESSION_HANDLE = 16  # hex digits of a session's hash that name it on the sessions page
TOKEN_PREFIX = "llt_"  # noqa: S105  (a prefix that makes leaked tokens findable, not a secret)


class RoleGrant(Base):
    """A role asked for one user by one administrator, and the second administrator's decision."""

    __tablename__ = "role_grants"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    username: Mapped[str] = mapped_column(
        String(100), ForeignKey("users.username", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(50), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(100), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")  # pending|approved|refused
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(Instant)


def _new_id() -> str:
    return f"rg-{secrets.token_hex(8)}"


def user_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(User)).scalar_one())


def bootstrap(
    session: Session,
    admins: list[tuple[str, str]],
    *,
    at: datetime,
    simulated: bool,
    extra_roles: list[Role] | None = None,
) -> list[User]:
    """Create the first administrators (name, password) of a database with no users.

    Two-person control starts here: a system of record needs two administrators, since every
    later grant needs a second one. A simulation may start with one operator, who may also hold
    the roles the trial needs (`extra_roles`): nothing in a simulation is a record.
    """
    if extra_roles and not simulated:
        raise refuse(
            "SYS-TWO-PERSON-GRANT",
            "in a system of record the first administrators hold the admin role only",
            "add the users who do the work with `lookout users add`, approved by the second administrator",
        )
    if user_count(session):
        raise refuse(
            "SYS-BOOTSTRAP-ONCE",
            "this database already has users; the bootstrap runs once",
            "ask an administrator to add the account (lookout users add), and a second one to approve its roles",
        )
    names = [n for n, _ in admins]
    if len(set(names)) != len(names):
        raise LedgerError("--admin: each administrator is a different person")
    if len(names) < (1 if simulated else 2):
        raise refuse(
            "SYS-TWO-PERSON-GRANT",
            "a system of record starts with two administrators, because every role grant needs a second one",
            "name two: lookout init --admin NAME --admin OTHER (or create a simulation with --simulation)",
        )
    for n, p in admins:
        passwords.check(p, username=n, field=f"password for {n}")
    roles = [Role.ADMIN, *(extra_roles or [])]
    return [add_user(session, username=n, password=p, roles=roles, at=at) for n, p in admins]


def add_account(
    session: Session,
    admin: str,
    *,
    username: str,
    password: str,
    roles: list[Role],
    at: datetime,
    display_name: str | None = None,
    official_id: str | None = None,
    simulated: bool = False,
) -> list[RoleGrant]:
    """A new user with no role yet, and one pending grant per role asked for."""
    require_admin(session, admin)
    if not roles:
        raise LedgerError("--role: a user needs at least one role")
    passwords.check(password, username=username, display_name=display_name or "")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        official_id=official_id,
        active=True,
        created_at=at,
    )
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise LedgerError("a username is letters, digits, '.', '_' or '-'")
    if session.get(User, username) is not None:
        raise LedgerError(f"user {username!r} already exists")
    user.roles = []
    session.add(user)
    session.flush()
    return [request_grant(session, admin, username, r, at=at, simulated=simulated) for r in dict.fromkeys(roles)]


def require_admin(session: Session, username: str) -> User:
    user = session.get(User, username)
    if user is None or not user.active or not user.has_role(Role.ADMIN):
        raise refuse(
            "SYS-ROLE-REQUIRED",
            f"{username} does not hold the admin role",
            "sign in as an administrator (lookout login)",
        )
    return user


def request_grant(
    session: Session, admin: str, username: str, role: Role, *, at: datetime, simulated: bool = False
) -> RoleGrant:
    require_admin(session, admin)
    user = session.get(User, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    if admin == username:
        raise refuse(
            "SYS-TWO-PERSON-GRANT",
            "nobody grants themselves a role",
            "ask another administrator to request it",
        )
    if user.has_role(role):
        raise LedgerError(f"{username} already holds the role {role}")
    grant = RoleGrant(id=_new_id(), username=username, role=str(role), requested_by=admin, requested_at=at)
    session.add(grant)
    session.flush()
    if simulated and _admins(session) == {admin}:
        # A simulation with a single administrator: nobody else could ever approve, and its
        # records are not evidence; the grant takes effect and says why.
        _apply(session, grant, admin, at, status="approved-sole-admin-simulation")
    return grant


def _admins(session: Session) -> set[str]:
    q = (
        select(User.username)
        .join(UserRole, UserRole.username == User.username)
        .where(UserRole.role == str(Role.ADMIN), User.active.is_(True))
    )
    return set(session.execute(q).scalars())


def pending_grants(session: Session) -> list[RoleGrant]:
    q = select(RoleGrant).where(RoleGrant.status == "pending").order_by(RoleGrant.requested_at, RoleGrant.id)
    return list(session.execute(q).scalars())


def decide_grant(session: Session, admin: str, grant_id: str, *, approve: bool, at: datetime) -> RoleGrant:
    require_admin(session, admin)
    grant = session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound(f"no role grant {grant_id!r}")
    if grant.status != "pending":
        raise LedgerError(f"role grant {grant_id} is already {grant.status}")
    if admin in (grant.requested_by, grant.username):
        raise refuse(
            "SYS-TWO-PERSON-GRANT",
            "a role grant is decided by a second administrator: neither the one who asked for it nor its recipient",
            "ask another administrator to approve it (lookout users approve GRANT)",
            grant=grant_id,
        )
    if not approve:
        grant.status, grant.decided_by, grant.decided_at = "refused", admin, at
        session.flush()
        return grant
    _apply(session, grant, admin, at, status="approved")
    return grant


def _apply(session: Session, grant: RoleGrant, admin: str, at: datetime, *, status: str) -> None:
    grant.status, grant.decided_by, grant.decided_at = status, admin, at
    if session.get(UserRole, (grant.username, grant.role)) is None:
        session.add(UserRole(username=grant.username, role=grant.role))
    session.flush()
    session.expire_all()


def withdraw_role(session: Session, admin: str, username: str, role: Role) -> None:
    """Taking a role away needs one administrator (it only narrows access), but not oneself's admin role:
    the last administrator cannot lock everyone out."""
    require_admin(session, admin)
    row = session.get(UserRole, (username, str(role)))
    if row is None:
        raise LedgerError(f"{username} does not hold the role {role}")
    if role == Role.ADMIN and _admins(session) <= {username}:
        raise LedgerError("this is the last administrator; grant the role to another first")
    session.delete(row)
    session.flush()
    session.expire_all()


def deactivate(session: Session, admin: str, username: str, *, at: datetime) -> None:
    require_admin(session, admin)
    if admin == username:
        raise LedgerError("ask another administrator to deactivate your own account")
    user = session.get(User, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    user.active = False
    for ws in session.execute(select(WebSession).where(WebSession.username == username, WebSession.ended_at.is_(None))):
        ws[0].ended_at = at
    session.flush()


def change_password(
    session: Session, username: str, current: str, new: str, *, at: datetime, keep_sid_hash: str | None = None
) -> int:
    """A user changes their own password, proving the current one; every other session and token
    of theirs ends (a thief who had the old password is signed out). Returns how many ended."""
    user = authenticate(session, username, current)
    if new == current:
        raise LedgerError("new password: it is the same as the current one")
    passwords.check(new, username=username, display_name=user.display_name, field="new password")
    user.password_hash = hash_password(new)
    ended = 0
    rows = session.execute(select(WebSession).where(WebSession.username == username, WebSession.ended_at.is_(None)))
    for (ws,) in rows:
        if ws.id_hash != keep_sid_hash:
            ws.ended_at = at
            ended += 1
    session.flush()
    return ended


def list_sessions(session: Session, username: str, *, at: datetime) -> list[WebSession]:
    """The user's sessions that have not ended (a command-line token until it expires), newest first."""
    q = (
        select(WebSession)
        .where(WebSession.username == username, WebSession.ended_at.is_(None))
        .order_by(WebSession.started_at.desc())
    )
    return [ws for ws in session.execute(q).scalars() if ws.expires_at is None or ws.expires_at > at]


def end_session(session: Session, username: str, handle: str, *, at: datetime) -> WebSession:
    """End one of one's own sessions by its handle (the first 16 hex digits of its hash)."""
    if len(handle) != SESSION_HANDLE or not all(c in "0123456789abcdef" for c in handle):
        raise LedgerError(f"session: a handle is {SESSION_HANDLE} hexadecimal digits")
    for ws in list_sessions(session, username, at=at):
        if ws.id_hash.startswith(handle):
            ws.ended_at = at
            session.flush()
            return ws
    raise NotFound(f"session: you have no open session {handle}")


# --- the use cases, logged: one definition for the command line, the pages and the API ---------


def revoke(ledger: Ledger, session: Session, admin: str, username: str, role: Role) -> None:
    withdraw_role(session, admin, username, role)
    ledger.audit(session, admin, "role.withdraw", "user", username, {"role": str(role)})


def deactivate_user(ledger: Ledger, session: Session, admin: str, username: str) -> None:
    deactivate(session, admin, username, at=ledger.now())
    ledger.audit(session, admin, "user.deactivate", "user", username)


def change_own_password(
    ledger: Ledger, session: Session, username: str, current: str, new: str, *, keep_sid_hash: str | None = None
) -> int:
    ended = change_password(session, username, current, new, at=ledger.now(), keep_sid_hash=keep_sid_hash)
    ledger.audit(session, username, "account.password_change", "user", username, {"sessions_ended": ended})
    return ended


def end_own_session(ledger: Ledger, session: Session, username: str, handle: str) -> None:
    end_session(session, username, handle, at=ledger.now())
    ledger.audit(session, username, "session.end", "user", username, {"session": handle})


# --- tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenPrincipal:
    username: str
    roles: frozenset[str]
    official_id: str | None

    def has_role(self, *roles: Role | str) -> bool:
        return bool(self.roles & {str(r) for r in roles})


def issue_token(
    session: Session, username: str, *, at: datetime, hours: float = CLI_TOKEN_HOURS, via: str = "cli"
) -> str:
    """A random token whose SHA-256 the database keeps (as a web session's), valid for `hours`."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=session_hash(token),
            username=username,
            started_at=at,
            ended_at=None,
            expires_at=at + timedelta(hours=hours),
            via=via,
        )
    )
    session.flush()
    return token


def principal_for_token(session: Session, token: str, *, at: datetime) -> TokenPrincipal:
    """The user a token stands for, with their roles as they are now; AuthError when the token is
    unknown, ended, expired, or its user deactivated."""
    row = session.get(WebSession, session_hash(token))
    if row is None or row.ended_at is not None or row.via not in ("cli", "service"):
        raise AuthError("not signed in: the token is unknown or was signed out (lookout login)")
    if row.expires_at is None or row.expires_at <= at:
        raise AuthError("the sign-in has expired: sign in again (lookout login)")
    user = session.get(User, row.username)
    if user is None or not user.active:
        raise AuthError(f"user {row.username} is deactivated")
    return TokenPrincipal(user.username, frozenset(user.role_names), user.official_id)


def end_token(session: Session, token: str, *, at: datetime) -> bool:
    row = session.get(WebSession, session_hash(token))
    if row is None or row.ended_at is not None:
        return False
    row.ended_at = at
    session.flush()
    return True


# What `lookout verify` checks record by record (core/state.py).
state.track("role_grant", RoleGrant)
