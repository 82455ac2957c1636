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
