"""The `lookout` command.

Each module in this package defines `register(app)` and adds its own commands, so a
capability's CLI lives beside the others without a central list to edit.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import typer

from lookout_ledger.cli.common import console, state
from lookout_ledger.core.errors import KeyError_, LedgerError

app = typer.Typer(
    name="lookout",
    help="Lookout Ledger: lookouts, inspections, foreign disclosures and records, with the "
    "accountability controls of DHS OIG-21-62 built in.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        envvar="LOOKOUT_DATABASE_URL",
        help="SQLAlchemy URL; default: sqlite:///lookout-ledger.db in the working directory.",
    ),
) -> None:
    state.database_url = database_url
    state._principal = None


for _mod in pkgutil.iter_modules(__path__):
    if _mod.name != "common":
        importlib.import_module(f"{__name__}.{_mod.name}").register(app)


def main() -> None:
    # Whatever a command writes (a database, a report, an export, a key) is its owner's alone;
    # the files the ledger writes on purpose are made 0600 anyway (`core/files.py`).
    os.umask(0o077)
    try:
        app()
    except KeyError_ as exc:  # a wrong or missing key: its own exit status, never read as tampering
        console.print(f"[bold red]key:[/] {exc}", highlight=False)
        sys.exit(3)
    except LedgerError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
