"""Engine, sessions and migrations.

SQLite runs in WAL mode with synchronous=FULL because the audit log must survive a power cut
(field notes: NORMAL can lose the last commits). A database is migrated to the newest schema
on first use, so nobody has to remember `alembic upgrade`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event, inspect, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from lookout_ledger.core.files import private_sqlite_file

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)

        # pysqlite's own transaction handling is bypassed so we choose how each transaction
        # begins: write use cases (see `writer`) take the write lock up front with BEGIN
        # IMMEDIATE, so the audit chain is appended by one writer at a time and a writer never
        # fails half-way on a lock upgrade; reads begin DEFERRED and never block writers.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn: object, _r: object) -> None:
            dbapi_conn.isolation_level = None  # type: ignore[attr-defined]

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            mode = "IMMEDIATE" if conn.get_execution_options().get("writer") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def table_of(model: type[Base]) -> Table:
    """A mapped class's Table, typed as one (the ORM types `__table__` as any FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent.parent / "migrations"))
    cfg.attributes["connection_engine"] = engine
    # One migrator at a time (#15 item 4: `serve` and a cron `sweep` opening a new database at
    # once, one died with "database is locked"): SQLite's write lock taken up front (BEGIN
    # IMMEDIATE waits out the other; a DEFERRED one that must upgrade fails at once), and on
    # PostgreSQL an advisory lock held to the end of the migration's transaction.
    with writer(engine).begin() as conn:
        serialize(conn, "migrate")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


# Advisory lock keys (PostgreSQL) of the work that must never run twice at once.
LOCKS = {"migrate": 7_316_100, "lif-import": 7_316_101, "records-import": 7_316_102}


def serialize(bind: Session | Connection, name: str) -> None:
    """Hold `name`'s lock until the transaction ends: the same import started twice at once waits
    for the first and then finds it done (`unchanged`), instead of dying on a unique key. On
    SQLite every writer already holds the database's write lock (BEGIN IMMEDIATE)."""
    dialect = (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name
    if dialect == "postgresql":
        bind.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCKS[name]})


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    return engine


def get_engine(url: str) -> Engine:
    """A migrated engine for the URL, created once per process."""
    return _engine_for(url)


@lru_cache(maxsize=64)
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """One factory per engine: building a sessionmaker per transaction showed in the profile
    of a live screening (which must answer in milliseconds)."""
    return sessionmaker(engine, expire_on_commit=False)


@lru_cache(maxsize=64)
def writer(engine: Engine) -> Engine:
    """The engine as a writer: on SQLite its transactions begin IMMEDIATE (no effect elsewhere)."""
    return engine.execution_options(writer=True)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction per use case: commit on success, roll back on any error."""
    with session_factory(writer(engine))() as session, session.begin():
        yield session


def table_names(engine: Engine) -> list[str]:
    return inspect(engine).get_table_names()
