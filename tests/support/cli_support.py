"""Signing in on the command line in tests, and simulation databases for CLI tests.

Commands authenticate like the web app; a test acts as a user by issuing that user a service
token in the database (what `lookout users token` does) and passing it as LOOKOUT_TOKEN, so
each invocation names who acts, as `--as` used to, but through the real authentication.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from click.testing import Result
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lookout_ledger.cli import app
from lookout_ledger.core.accounts import issue_token
from lookout_ledger.core.auth import Role, add_user
from lookout_ledger.core.clock import SystemClock
from lookout_ledger.core.config import Settings
from lookout_ledger.core.db import get_engine, session_factory
from lookout_ledger.core.header import DatabaseKind, LedgerHeader, write_header
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.policy.loader import load_policy
from support.keys import TEST_KEY

PASSWORD = "correct horse battery staple"


@contextmanager
def app_session(url: str) -> Iterator[Session]:
    """A write transaction as the application opens one (records it writes are logged, under an
    entry of their own), for helpers that set up users and headers directly."""
    settings = Settings.from_env(url)
    if settings.key_b64 or (settings.key_file is not None and settings.key_file.exists()):
        led = Ledger.open(settings, clock=SystemClock())
    else:  # a database of the `ledger` fixture: the suite's key, in no file
        led = Ledger(settings, get_engine(url), TEST_KEY, SystemClock(), load_policy())
    with session_factory(led.engine)() as s, s.begin():
        s.info["lookout_ledger.ledger"] = led
        yield s


def token_for(url: str, username: str) -> str:
    with session_factory(get_engine(url))() as s, s.begin():
        return issue_token(s, username, at=datetime.now(UTC), via="service")


def ensure_user(url: str, username: str, *roles: Role, official_id: str | None = None) -> None:
    """A user with these roles, created directly (the two-person grant is tested on its own)."""
    from lookout_ledger.core.auth import User

    with app_session(url) as s:
        if s.get(User, username) is None:
            add_user(
                s,
                username=username,
                password=PASSWORD,
                roles=list(roles),
                at=datetime.now(UTC),
                official_id=official_id,
            )


def make_simulation(url: str) -> None:
    """Mark a (migrated) database as a simulation, as `lookout init --simulation` does."""
    with app_session(url) as s:
        if s.execute(select(LedgerHeader.id)).first() is None:
            key_check = s.info["lookout_ledger.ledger"].keyring.key_check
            write_header(s, DatabaseKind.SIMULATION, at=datetime.now(UTC), by="test-suite", key_check=key_check)


def invoke_as(
    runner: CliRunner, username: str | None, args: Sequence[str], url: str | None = None, **kw: Any
) -> Result:
    """`lookout [--database-url URL] ARGS` as `username` (None: nobody signed in)."""
    import os

    db = url or os.environ["LOOKOUT_DATABASE_URL"]
    env = {"COLUMNS": "200", **kw.pop("env", {})}
    env["LOOKOUT_TOKEN"] = token_for(db, username) if username is not None else None
    prefix = ["--database-url", url] if url else []
    return runner.invoke(app, [*prefix, *args], env=env, **kw)


EXPORT_PURPOSE = "round trip of the interchange format in the test suite"


def auditor(ledger: Ledger, username: str = "exporter") -> str:
    """An auditor who may export (export needs a role that reads SPII, and a purpose)."""
    ensure_user(ledger.settings.database_url, username, Role.AUDITOR)
    return username
