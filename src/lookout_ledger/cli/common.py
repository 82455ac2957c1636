"""What every CLI module shares: the console, global options, opening the ledger, and who is
signed in.

The command line authenticates like the web app: `lookout login` checks the same password and
stores a short-lived token (0600) for this database; `LOOKOUT_TOKEN` carries a token an
administrator issued to a service. Every command that acts for someone resolves the token to
the user and their roles as they are now, so a deactivated user or a withdrawn role stops
working at the next command.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from sqlalchemy.engine import make_url

from lookout_ledger.core.accounts import TokenPrincipal, principal_for_token
from lookout_ledger.core.auth import Role
from lookout_ledger.core.clock import clock_for
from lookout_ledger.core.config import Settings
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.errors import AuthError
from lookout_ledger.core.ledger import Ledger

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

NOW_HELP = (
    "Evaluation time (RFC 3339, e.g. 2019-03-01T00:00:00Z); default: the clock. A command that records "
    "something takes it only in a simulation or demo database (SYS-SYSTEM-TIME)."
)


@dataclass
class _State:
    database_url: str | None = None
    _principal: TokenPrincipal | None = None

    @property
    def actor(self) -> str:
        """The signed-in user's name: every command that acts for someone asks for it here."""
        return signed_in().username


state = _State()


def open_ledger(now: str | None = None, policy: str | None = None) -> Ledger:
    return Ledger.open(Settings.from_env(state.database_url), clock=clock_for(now), policy=policy)


# --- tokens on disk -----------------------------------------------------------------------------


def session_file() -> Path:
    env = os.environ.get("LOOKOUT_SESSION_FILE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "lookout-ledger" / "sessions.json"


def database_key(url: str) -> str:
    """The database a token belongs to, without any password in the URL; a relative SQLite path
    is made absolute so the same file is the same database from any directory."""
    u = make_url(url)
    if u.drivername.startswith("sqlite") and u.database and u.database != ":memory:":
        return f"sqlite:///{Path(u.database).resolve()}"
    return u.set(password=None).render_as_string(hide_password=True) if u.password else str(u)


def _read_tokens() -> dict[str, str]:
    path = session_file()
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def save_token(url: str, token: str | None) -> Path:
    """Store (or with None, forget) this database's token, in a file only its owner can read."""
    path = session_file()
    tokens = _read_tokens()
    key = database_key(url)
    if token is None:
        tokens.pop(key, None)
    else:
        tokens[key] = token
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.with_name(path.name + ".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(tokens, fh, indent=1)
    os.replace(path.with_name(path.name + ".tmp"), path)
    os.chmod(path, 0o600)
    return path


def current_token(url: str) -> str | None:
    return os.environ.get("LOOKOUT_TOKEN") or _read_tokens().get(database_key(url))


def signed_in(*roles: Role) -> TokenPrincipal:
    """The signed-in user (holding one of `roles`, when given), or a refusal that says how to sign in."""
    if state._principal is None:
        ledger = open_ledger()
        token = current_token(ledger.settings.database_url)
        if not token:
            raise refuse(
                "SYS-AUTHENTICATED",
                "nobody is signed in to this database on the command line",
                "sign in with `lookout login USER` (or set LOOKOUT_TOKEN to a token an administrator issued); "
                "a database with no users starts with `lookout init`",
            )
        with ledger.reading() as s:
            try:
                state._principal = principal_for_token(s, token, at=datetime.now(UTC))
            except AuthError as exc:
                raise refuse("SYS-AUTHENTICATED", str(exc), "sign in again with `lookout login USER`") from None
    p = state._principal
    if roles and not p.has_role(*roles):
        need = " or ".join(str(r) for r in roles)
        raise refuse(
            "SYS-ROLE-REQUIRED",
            f"{p.username} does not hold the role {need}, which this command needs",
            f"sign in as a user holding {need}, or ask an administrator to request the role and a second to approve it",
        )
    return p
