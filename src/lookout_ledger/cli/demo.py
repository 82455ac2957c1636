"""`lookout demo`: load the invented demo scenario and print how to sign in."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from lookout_ledger.cli.common import NOW_HELP, console, open_ledger
from lookout_ledger.demo.load import DemoSummary, load_demo
from lookout_ledger.demo.scenario import EVALUATE_AT, write_scenario
from lookout_ledger.interchange.schema import RECORD_TYPES


def _records_table(summary: DemoSummary) -> Table:
    table = Table("record type", "loaded", title="Demo scenario loaded (invented people)")
    for rtype in RECORD_TYPES:
        table.add_row(rtype, str(summary.records.get(rtype, 0)))
    return table


def _users_table(summary: DemoSummary) -> Table:
    table = Table("username", "role", "acts as", title=f"Sign in at {summary.url}  (password: {summary.password})")
    for u in summary.users:
        table.add_row(u.username, u.role, f"{u.official_name} ({u.official_id})")
    return table


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        now: str | None = typer.Option(None, help=NOW_HELP),
        write: Path | None = typer.Option(
            None, "--write", help="Write the scenario's LIF file here and exit, without touching the database."
        ),
    ) -> None:
        """Load the demo scenario and its users into a database of its own (an empty one, or the demo's).

        Refused on a database that holds anything but demo data (SYS-DEMO-OWN-DATABASE) and while a legal
        hold is in force (SYS-HOLD). The demo database is a simulation: its pages say so."""
        if write is not None:
            n = write_scenario(write)
            console.print(f"wrote {n} LIF records to {write}")
            return
        ledger = open_ledger(now)
        summary = load_demo(ledger, f"demo-loader:{os.environ.get('USER') or os.environ.get('LOGNAME') or 'unknown'}")
        if summary.replaced_rows:
            console.print(f"replaced {summary.replaced_rows} rows of earlier data (the audit log keeps the record)")
        console.print(_records_table(summary))
        console.print(_users_table(summary))
        for username in summary.unlinked_users:
            console.print(f"[yellow]note:[/] user {username} acted as an official not in the demo; link removed")
        console.print(
            f"The review's figures: [bold]lookout audit --now {EVALUATE_AT}[/]   "
            f"Start the web pages: [bold]lookout serve[/]"
        )
