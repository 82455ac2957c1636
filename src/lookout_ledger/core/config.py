"""Settings read from the environment, with embedded defaults that need no server.

The default is an SQLite file and a key file in the working directory, both created on first
use, so `lookout demo && lookout serve` works on a fresh machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB_FILE = "lookout-ledger.db"
DEFAULT_KEY_FILE = "lookout-ledger.key"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: f"sqlite:///{DEFAULT_DB_FILE}")
    key_file: Path | None = None
    key_b64: str | None = None
    policy: str | None = None
    smtp_url: str | None = None

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        url = database_url or os.environ.get("LOOKOUT_DATABASE_URL") or f"sqlite:///{DEFAULT_DB_FILE}"
        key_env = os.environ.get("LOOKOUT_KEY")
        key_file_env = os.environ.get("LOOKOUT_KEY_FILE")
        key_file = Path(key_file_env) if key_file_env else None
        if key_file is None and not key_env:
            key_file = default_key_path(url)
        return cls(
            database_url=url,
            key_file=key_file,
            key_b64=key_env,
            policy=os.environ.get("LOOKOUT_POLICY"),
            smtp_url=os.environ.get("LOOKOUT_SMTP_URL"),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def default_key_path(database_url: str) -> Path:
    """The key lives beside an SQLite database file; for a server database, in the cwd."""
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        db_path = Path(database_url.removeprefix("sqlite:///"))
        return db_path.with_name(db_path.stem + ".key")
    return Path(DEFAULT_KEY_FILE)
