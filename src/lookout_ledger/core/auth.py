"""Users, roles and passwords.

Roles follow the design: separation of duties is enforced by the use cases (nobody approves
their own request); here we only know who someone is and what they may do. Passwords are
hashed with Argon2id.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, String, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from lookout_ledger.core import state
from lookout_ledger.core.db import Base, table_of
from lookout_ledger.core.errors import AuthError, LedgerError
from lookout_ledger.core.passwords import MAX_LENGTH, MIN_LENGTH
from lookout_ledger.core.types import Instant


class Role(StrEnum):
    LOOKOUT_OWNER = "lookout_owner"
    SUPERVISOR = "supervisor"
    COUNSEL = "counsel"
    PORT_OFFICER = "port_officer"
    LIAISON_OFFICER = "liaison_officer"
    RECORDS_OFFICER = "records_officer"
    AUDITOR = "auditor"
    ADMIN = "admin"


ROLE_DESCRIPTIONS = {
    Role.LOOKOUT_OWNER: "places and maintains lookouts",
    Role.SUPERVISOR: "approves lookouts, device searches and disclosures",
    Role.COUNSEL: "approves sensitive lookouts and disclosures",
    Role.PORT_OFFICER: "screens travelers and conducts secondary inspections",
    Role.LIAISON_OFFICER: "handles foreign requests and disclosures",
    Role.RECORDS_OFFICER: "keeps communications as records; answers records requests",
    Role.AUDITOR: "privacy and oversight review of all records",
    Role.ADMIN: "manages users and configuration",
}

# Roles whose work needs people's identifying data (names, dates of birth, documents).
SPII_ROLES = frozenset(
    {
        Role.LOOKOUT_OWNER,
        Role.SUPERVISOR,
        Role.COUNSEL,
        Role.PORT_OFFICER,
        Role.LIAISON_OFFICER,
        Role.RECORDS_OFFICER,
        Role.AUDITOR,
    }
)

_hasher = PasswordHasher()


class User(Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    official_id: Mapped[str | None] = mapped_column(
        String(200), ForeignKey("officials.id", deferrable=True, initially="DEFERRED")
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    roles: Mapped[list[UserRole]] = relationship(back_populates="user", cascade="all, delete-orphan", lazy="selectin")

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    def has_role(self, *roles: Role | str) -> bool:
        return bool(self.role_names & {str(r) for r in roles})


class UserRole(Base):
    __tablename__ = "user_roles"

    username: Mapped[str] = mapped_column(
        String(100), ForeignKey("users.username", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(50), primary_key=True)
    user: Mapped[User] = relationship(back_populates="roles")


def parse_roles(names: list[str]) -> list[Role]:
    out = []
    for n in names:
        try:
            out.append(Role(n))
        except ValueError:
            valid = ", ".join(r.value for r in Role)
            raise LedgerError(f"unknown role {n!r}; roles are: {valid}") from None
    return out


def hash_password(password: str) -> str:
    """The Argon2id hash. Only the length is checked here (every password, the demo's and the
    tests' too); the accounts a person sets go through the whole policy (`core/passwords.py`)."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise LedgerError(f"password: between {MIN_LENGTH} and {MAX_LENGTH} characters")
    return _hasher.hash(password)


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    roles: list[Role],
    at: datetime,
    display_name: str | None = None,
    official_id: str | None = None,
) -> User:
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise LedgerError("a username is letters, digits, '.', '_' or '-'")
    if session.get(User, username) is not None:
        raise LedgerError(f"user {username!r} already exists")
    if not roles:
        raise LedgerError("a user needs at least one role")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        official_id=official_id,
        active=True,
        created_at=at,
    )
    user.roles = [UserRole(role=str(r)) for r in dict.fromkeys(roles)]
    session.add(user)
    session.flush()
    return user


class WebSession(Base):
    """A signed-in session, so signing out ends it for every copy of the cookie (a signed
    cookie alone stays valid until it expires, wherever it was copied to). The cookie holds
    the session id; the table holds only its SHA-256."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(
        String(100), ForeignKey("users.username", ondelete="CASCADE"), nullable=False, index=True
    )
    started_at: Mapped[datetime] = mapped_column(Instant, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(Instant)
    # Only command-line and service tokens carry their own end; a web session ends with its cookie.
    expires_at: Mapped[datetime | None] = mapped_column(Instant)
    via: Mapped[str] = mapped_column(String(10), nullable=False)
    # Wall-clock time of the last request, kept to the minute: a web session unused for
    # SESSION_IDLE ends (`http/deps.py`); the sessions page shows it.
    last_seen_at: Mapped[datetime | None] = mapped_column(Instant)


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def authenticate(session: Session, username: str, password: str) -> User:
    """The user, or AuthError with one message for every failure (no user enumeration)."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        _hasher.hash(password)  # same cost whether or not the user exists
        raise AuthError("unknown user or wrong password")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise AuthError("unknown user or wrong password") from None
    return user


def require_role(user: User, *roles: Role | str) -> None:
    if not user.has_role(*roles):
        need = " or ".join(str(r) for r in roles)
        raise AuthError(f"{user.username} needs the role {need} for this")


def require_active_role(session: Session, username: str, *roles: Role | str) -> None:
    """`require_role` for a hot path: one Core query instead of loading the user and their
    roles through the ORM (a live screening checks this on every traveler)."""
    rows = session.connection().execute(_ACTIVE_ROLES, {"username": username}).all()
    if not rows or not rows[0][0]:
        raise AuthError(f"unknown or inactive user {username!r}")
    if not {r for _, r in rows} & {str(r) for r in roles}:
        need = " or ".join(str(r) for r in roles)
        raise AuthError(f"{username} needs the role {need} for this")


_ACTIVE_ROLES = (
    select(table_of(User).c.active, table_of(UserRole).c.role)
    .outerjoin(table_of(UserRole), table_of(UserRole).c.username == table_of(User).c.username)
    .where(table_of(User).c.username == bindparam("username"))
)


# What `lookout verify` checks record by record (core/state.py): who holds which role.
state.track("user", User, key="username", parts=[(UserRole, "username")])
