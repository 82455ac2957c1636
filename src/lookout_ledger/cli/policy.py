"""`lookout policy`: show the active policy, check a policy file, acknowledge training."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import typer
from rich.table import Table

from lookout_ledger.cli.common import NOW_HELP, console, open_ledger, state
from lookout_ledger.core.config import Settings
from lookout_ledger.core.policy.loader import check_policy_file, load_policy, shipped_policies
from lookout_ledger.lookouts.training import acknowledge


def register(app: typer.Typer) -> None:
    policy = typer.Typer(help="The active policy: its rules, their citations and parameters.", no_args_is_help=True)
    app.add_typer(policy, name="policy")

    @policy.command("show")
    def show(
        name: str | None = typer.Option(None, "--policy", help="A shipped policy or a file; default: the active one."),
        as_json: bool = typer.Option(False, "--json", help="Print the policy as JSON."),
    ) -> None:
        """Print the active policy (LOOKOUT_POLICY, default tecs-directive-strict): each rule's id, statement,
        citation and parameters."""
        # the active policy is configuration: showing it must not create a database or a key
        p = load_policy(name or Settings.from_env(state.database_url).policy)
        if as_json:
            sys.stdout.buffer.write(orjson.dumps(p.as_dict(), option=orjson.OPT_INDENT_2) + b"\n")
            return
        console.print(f"[bold]{p.name}[/] version {p.version}, effective {p.effective.isoformat()}")
        console.print(p.description)
        table = Table("rule", "statement", "citation", "parameters", show_lines=True)
        for r in p.rules:
            params = "\n".join(f"{k} = {v}" for k, v in r.parameters.items() if k != "protected_activity_terms")
            if "protected_activity_terms" in r.parameters:
                params += f"\nprotected_activity_terms: {len(r.parameters['protected_activity_terms'])} terms"
            table.add_row(r.id, r.statement, r.citation, params.strip())
        console.print(table)

    @policy.command("list")
    def list_() -> None:
        """The shipped policies."""
        for p in shipped_policies():
            console.print(f"{Path(p.source).stem:12} {p.name} {p.version} (effective {p.effective.isoformat()})")

    @policy.command("check")
    def check(file: Path) -> None:
        """Validate a policy file; every problem is listed with the field it is in."""
        problems = check_policy_file(file)
        if problems:
            for problem in problems:
                console.print(f"[red]{file}:[/] {problem}")
            raise typer.Exit(1)
        p = load_policy(str(file))
        console.print(f"{file}: valid ({p.name} {p.version}, {len(p.rules)} rules)")

    @policy.command("acknowledge")
    def ack(now: str | None = typer.Option(None, help=NOW_HELP)) -> None:
        """Attest (as --as USER) training on the active policy version; needed before placing or approving."""
        ledger = open_ledger(now)
        with ledger.transaction() as s:
            a = acknowledge(ledger, s, state.actor)
        console.print(f"{a.username} acknowledged {a.policy_name} {a.policy_version}")
