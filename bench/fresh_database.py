"""A fresh, empty database for one benchmark measurement: an SQLite file, or a PostgreSQL database
dropped and created again on the server given."""

from __future__ import annotations

from pathlib import Path


def fresh_url(kind: str, pg_url: str | None, out: Path, name: str) -> str:
    from sqlalchemy import create_engine, text

    if kind == "sqlite":
        db = out / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{db}"
    assert pg_url is not None
    database = f"lookout_bench_{name}"
    admin = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return pg_url.rsplit("/", 1)[0] + "/" + database
