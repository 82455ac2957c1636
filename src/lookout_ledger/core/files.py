"""Files the ledger writes hold personal data or keys: only their owner may read them.

The tester found exports, reports and the database itself created world-readable (issue 16,
item 6): on a shared host any account could copy them. Every file the ledger writes goes
through `write_private` (0600, written beside its final name and moved into place, so a reader
never sees half a file), directories it creates are 0700, and an SQLite database is created
0600 (SQLite gives its journal and WAL files the database's mode) and tightened to 0600 when
found readable by others.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    return path


def write_private(path: Path, data: bytes | str) -> Path:
    """Write `data` to `path`, readable and writable by its owner only."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.chmod(tmp, PRIVATE_FILE)  # O_CREAT's mode does not apply to a file that was there
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def private_sqlite_file(url: str) -> None:
    """Create an SQLite database file 0600 before SQLite does (it would use the umask), and
    take group and other access away from one that has it. In-memory databases are left alone."""
    if not url.startswith("sqlite:///"):
        return
    name = url.removeprefix("sqlite:///").split("?", 1)[0]
    if not name or name == ":memory:":
        return
    path = Path(name)
    if not path.exists():
        if path.parent.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        for part in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
            if part.exists():
                os.chmod(part, mode & 0o700 or PRIVATE_FILE)
