"""Opening and migrating a database: safe when two processes do it at once (#15 item 4)."""

from __future__ import annotations

from pathlib import Path


def _open_new(url: str) -> None:
    from lookout_ledger.core.db import get_engine

    get_engine(url)


def test_two_processes_opening_a_new_database_at_once_both_succeed(tmp_path: Path) -> None:
    """#15 item 4: `serve` and a cron `sweep` opening a new SQLite database at once: one died in
    the migration with "database is locked"."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    for attempt in range(3):
        url = f"sqlite:///{tmp_path / f'new-{attempt}.db'}"
        procs = [ctx.Process(target=_open_new, args=(url,)) for _ in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        assert [p.exitcode for p in procs] == [0, 0]


def test_an_online_sqlite_backup_restores_to_a_ledger_that_verifies(sqlite_ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """docs/operations.md's backup: `VACUUM INTO` while the server runs, restored by copying the file."""
    from sqlalchemy import text

    from lookout_ledger.core.config import Settings
    from lookout_ledger.core.db import get_engine
    from lookout_ledger.core.integrity import verify_ledger
    from lookout_ledger.core.ledger import Ledger
    from lookout_ledger.core.policy.loader import load_policy
    from support.lifecycle_world import build_world

    build_world(sqlite_ledger)
    backup = tmp_path / "backup.db"
    raw = sqlite_ledger.engine.raw_connection()  # outside any transaction, as the sqlite3 shell runs it
    try:
        raw.cursor().execute("VACUUM INTO ?", (str(backup),))
    finally:
        raw.close()
    restored_url = f"sqlite:///{backup}"
    restored = Ledger(
        Settings(database_url=restored_url),
        get_engine(restored_url),
        sqlite_ledger.keyring,
        sqlite_ledger.clock,
        load_policy(),
    )
    report = verify_ledger(restored)
    assert report.key_ok and not report.state and not report.chain and not report.log
    with restored.reading() as s, sqlite_ledger.reading() as t:
        q = text("SELECT count(*) FROM audit_log")
        assert s.execute(q).scalar_one() == t.execute(q).scalar_one() > 0
