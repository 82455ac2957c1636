"""Administration: users, audit-log verification, key rotation."""

from __future__ import annotations

import getpass
import sys

import typer
from rich.table import Table

from lookout_ledger.cli.common import NOW_HELP, console, open_ledger, state
from lookout_ledger.core import auditlog
from lookout_ledger.core.auth import ROLE_DESCRIPTIONS, User, add_user, parse_roles


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="Manage users and their roles.", no_args_is_help=True)
    app.add_typer(users, name="users")

    @users.command("add")
    def users_add(
        username: str,
        role: list[str] = typer.Option(..., "--role", "-r", help="Role (repeatable): " + ", ".join(ROLE_DESCRIPTIONS)),
        name: str | None = typer.Option(None, help="Display name."),
        official: str | None = typer.Option(None, help="The official id this user acts as."),
        password: str | None = typer.Option(None, envvar="LOOKOUT_NEW_PASSWORD", help="Default: prompt."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Add a user with one or more roles."""
        roles = parse_roles(role)
        if password is None:
            password = getpass.getpass(f"Password for {username}: ")
        ledger = open_ledger(now)
        with ledger.transaction() as s:
            add_user(
                s,
                username=username,
                password=password,
                roles=roles,
                at=ledger.now(),
                display_name=name,
                official_id=official,
            )
            ledger.audit(s, state.actor, "user.add", "user", username, {"roles": [str(r) for r in roles]})
        console.print(f"added [bold]{username}[/] with roles {', '.join(map(str, roles))}")

    @users.command("list")
    def users_list() -> None:
        """List users and roles."""
        ledger = open_ledger()
        table = Table("username", "name", "roles", "official", "active")
        with ledger.reading() as s:
            for u in s.query(User).order_by(User.username):
                table.add_row(
                    u.username,
                    u.display_name,
                    ", ".join(sorted(u.role_names)),
                    u.official_id or "",
                    "yes" if u.active else "no",
                )
        console.print(table)

    keys = typer.Typer(help="Manage the SPII encryption key.", no_args_is_help=True)
    app.add_typer(keys, name="keys")

    @keys.command("rotate")
    def keys_rotate(now: str | None = typer.Option(None, help=NOW_HELP)) -> None:
        """Add a new active key to the key file and re-seal every SPII value with it."""
        from lookout_ledger.core.keys import rotate_key

        ledger = open_ledger(now)
        counts = rotate_key(ledger, state.actor)
        console.print(f"new active key [bold]{ledger.keyring.active}[/]; re-sealed {sum(counts.values())} values")

    @app.command("verify")
    def verify() -> None:
        """Walk the hash-chained audit log; name the first entry modified, deleted, inserted or reordered."""
        ledger = open_ledger()
        with ledger.reading() as s:
            result = auditlog.verify(s, ledger.keyring)
        if result.ok:
            console.print(f"[green]audit log intact[/]: {result.entries} entries verified")
            return
        first = result.first
        assert first is not None
        console.print(f"[bold red]audit log broken[/] at entry {first.seq}: {first.kind}")
        for p in result.problems[:20]:
            console.print(f"  - {p.message}")
        sys.exit(1)
