"""Fixtures shared by the whole suite.

`ledger` runs each test against SQLite and against a real PostgreSQL server (the URL comes
from LOOKOUT_TEST_PG_URL, which `make test` sets after starting one). On CI a missing server
is an error, not a skip: a suite that silently skipped PostgreSQL would prove nothing about it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

import lookout_ledger.models  # noqa: F401  (every record type registered, for the intact-ledger check)
from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.config import Settings
from lookout_ledger.core.db import Base, get_engine, make_engine, migrate
from lookout_ledger.core.header import DatabaseKind, write_header
from lookout_ledger.core.integrity import verify_ledger
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.policy.loader import load_policy
from support.keys import TEST_KEY

# Rich wraps at 80 columns when there is no terminal (as on CI); the CLI tests read words out of
# tables, so give every console the same wide line whatever runs the suite.
os.environ["COLUMNS"] = "200"

# Test databases are simulations: the suite sets the clock to replay the review's dates. A test
# of a system of record's rules makes its own (`record_kind`).
PG_URL = os.environ.get("LOOKOUT_TEST_PG_URL")
START = "2019-01-01T00:00:00Z"


@pytest.fixture(autouse=True)
def _own_cli_sign_in(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's own command-line sign-ins or checkpoint signing key."""
    monkeypatch.setenv("LOOKOUT_SESSION_FILE", str(tmp_path_factory.mktemp("signin") / "sessions.json"))
    monkeypatch.setenv("LOOKOUT_SIGNING_KEY_FILE", str(tmp_path_factory.mktemp("signing") / "signing.key"))
    monkeypatch.delenv("LOOKOUT_TOKEN", raising=False)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating every test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    _stamp_simulation(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("LOOKOUT_TEST_PG_URL is not set: run the suite with `make test`")
        pytest.skip("no PostgreSQL server (run `make test`, which starts one)")
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    # One database per test process, so parallel runs (xdist workers, two checkouts) never collide.
    name = f"lookout_test_{_worker()}_{os.getpid()}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    migrate(make_engine(url))
    yield url
    get_engine(url).dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _stamp_simulation(engine: Engine) -> None:
    """Write the simulation header as the application does (logged, so `verify` finds it intact)."""
    led = Ledger(
        settings=Settings(database_url=str(engine.url)),
        engine=engine,
        keyring=TEST_KEY,
        clock=FixedClock("1970-01-01T00:00:00Z"),
        policy=load_policy(),
    )
    led.set_kind(DatabaseKind.SIMULATION)
    with led.transaction() as s:
        write_header(s, DatabaseKind.SIMULATION, at=led.now(), by="test-suite", key_check=TEST_KEY.key_check)
        led.audit(s, "test-suite", "ledger.bootstrap", "ledger", str(DatabaseKind.SIMULATION))


def _truncate_pg(url: str) -> None:
    engine = get_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as c:
        c.execute(text(f"TRUNCATE {names} CASCADE"))
    _stamp_simulation(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        db = tmp_path / "ledger.db"
        shutil.copy(sqlite_template, db)
        yield f"sqlite:///{db}"
    else:
        url = request.getfixturevalue("pg_url")
        _truncate_pg(url)
        yield url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def _still_intact(request: pytest.FixtureRequest, ledger: Ledger) -> None:
    """After every test, the ledger it used verifies: whatever the test did through the application
    left every record accounted for in the log. A write path that forgets to log its records fails
    here, in whichever test first takes it. Tests that tamper on purpose are marked `tampers`."""
    if request.node.get_closest_marker("tampers") is not None:
        return
    report = verify_ledger(ledger)
    problems = [p.message for p in report.state] + [p.message for p in report.chain] + report.log
    assert report.key_ok and not problems, f"the ledger no longer verifies after the test: {problems[:10]}"


@pytest.fixture
def ledger(request: pytest.FixtureRequest, database_url: str, clock: FixedClock) -> Iterator[Ledger]:
    settings = Settings(database_url=database_url)
    led = Ledger(
        settings=settings, engine=get_engine(database_url), keyring=TEST_KEY, clock=clock, policy=load_policy()
    )
    yield led
    _still_intact(request, led)


@pytest.fixture
def sqlite_ledger(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, clock: FixedClock
) -> Iterator[Ledger]:
    """SQLite only, for tests of behaviour that does not depend on the engine."""
    db = tmp_path / "ledger.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    led = Ledger(
        settings=Settings(database_url=url), engine=get_engine(url), keyring=TEST_KEY, clock=clock, policy=load_policy()
    )
    yield led
    _still_intact(request, led)
