"""Files the ledger writes are its owner's alone (issue 16, item 6)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lookout_ledger.core.db import make_engine
from lookout_ledger.core.files import private_sqlite_file, write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> object:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_write_private_is_0600_whatever_the_umask_or_the_file_before(tmp_path: Path, open_umask: object) -> None:
    path = tmp_path / "report.html"
    path.write_text("old")
    os.chmod(path, 0o644)
    write_private(path, "<p>names</p>")
    assert path.read_text() == "<p>names</p>" and mode(path) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary file left


def test_a_new_sqlite_database_is_created_0600(tmp_path: Path, open_umask: object) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
    assert mode(tmp_path / "ledger.db") == 0o600
    assert all(mode(p) == 0o600 for p in tmp_path.iterdir())


def test_a_world_readable_database_is_tightened(tmp_path: Path, open_umask: object) -> None:
    db = tmp_path / "ledger.db"
    db.write_bytes(b"")
    (tmp_path / "ledger.db-wal").write_bytes(b"")
    os.chmod(db, 0o644)
    os.chmod(tmp_path / "ledger.db-wal", 0o666)  # noqa: S103  (the mistake being corrected)
    private_sqlite_file(f"sqlite:///{db}")
    assert mode(db) == 0o600 and mode(tmp_path / "ledger.db-wal") == 0o600
    private_sqlite_file("sqlite:///:memory:")  # nothing to do, no error
