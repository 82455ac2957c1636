"""Administration and identity: the bootstrap, signing in, users and role grants, keys.

Every command here runs as the signed-in user. Administration needs the admin role, and a role
takes effect only when a second administrator approves it (SYS-TWO-PERSON-GRANT).
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import typer
from rich.table import Table

from lookout_ledger.cli.common import console, current_token, open_ledger, save_token, signed_in
from lookout_ledger.core import accounts
from lookout_ledger.core.auth import ROLE_DESCRIPTIONS, Role, User, authenticate, parse_roles, session_hash
from lookout_ledger.core.clock import SystemClock
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.header import DatabaseKind, write_header
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339


def _password(prompt: str, env: str) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\n")
        if line:
            return line
    return getpass.getpass(prompt)


def _system_ledger() -> Ledger:
    """Identity and administration always take the system's clock."""
    ledger = open_ledger()
    ledger.clock = SystemClock()
    return ledger


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(
        admin: list[str] = typer.Option(
            ..., "--admin", help="A first administrator (repeatable; two for a system of record)."
        ),
        simulation: bool = typer.Option(
            False,
            "--simulation",
            help="Create a simulation database: times may be set with --now; not a system of record.",
        ),
        role: list[str] = typer.Option(
            [], "--role", "-r", help="Simulation only: further roles for its operator (e.g. auditor, port_officer)."
        ),
    ) -> None:
        """Create the first administrators of a database with no users (once; logged).

        Passwords are prompted for (or read from LOOKOUT_NEW_PASSWORD)."""
        ledger = _system_ledger()
        kind = DatabaseKind.SIMULATION if simulation else DatabaseKind.RECORD
        pairs = [(name, _password(f"Password for {name}: ", "LOOKOUT_NEW_PASSWORD")) for name in admin]
        os_user = os.environ.get("USER") or os.environ.get("LOGNAME") or "unknown"
        with ledger.transaction() as s:
            accounts.bootstrap(s, pairs, at=ledger.now(), simulated=simulation, extra_roles=parse_roles(role))
            write_header(s, kind, at=ledger.now(), by=f"bootstrap:{os_user}", key_check=ledger.keyring.key_check)
            ledger.audit(
                s,
                f"bootstrap:{os_user}",
                "ledger.bootstrap",
                "ledger",
                str(kind),
                {"admins": admin, "kind": str(kind)},
            )
        ledger.set_kind(kind)
        what = "simulation database" if simulation else "system of record"
        console.print(f"created the {what} with administrators {', '.join(admin)}; sign in with `lookout login NAME`")

    @app.command("login")
    def login(
        username: str,
        hours: float = typer.Option(accounts.CLI_TOKEN_HOURS, min=0.1, max=24, help="How long the sign-in lasts."),
    ) -> None:
        """Sign in on the command line (the web app's password); the token is stored 0600 for this database.

        The password is prompted for (or read from LOOKOUT_PASSWORD or one line of standard input)."""
        ledger = _system_ledger()
        password = _password(f"Password for {username}: ", "LOOKOUT_PASSWORD")
        with ledger.transaction() as s:
            try:
                user = authenticate(s, username, password)
            except LedgerError:
                ledger.audit(s, "anonymous", "session.sign_in_failed", "user", None, {"via": "cli"})
                raise
            token = accounts.issue_token(s, user.username, at=ledger.now(), hours=hours)
            ledger.audit(s, user.username, "session.sign_in", "user", user.username, {"via": "cli"})
        path = save_token(ledger.settings.database_url, token)
        console.print(f"signed in as [bold]{username}[/] for {hours:g} hours (token in {path})")

    @app.command("logout")
    def logout() -> None:
        """End this database's command-line sign-in."""
        ledger = _system_ledger()
        token = current_token(ledger.settings.database_url)
        if token:
            who = signed_in().username
            with ledger.transaction() as s:
                if accounts.end_token(s, token, at=ledger.now()):
                    ledger.audit(s, who or "anonymous", "session.sign_out", "user", who, {"via": "cli"})
        save_token(ledger.settings.database_url, None)
        console.print("signed out")

    @app.command("whoami")
    def whoami() -> None:
        """Who the command line is signed in as, with their roles now, and what kind of database this is."""
        p = signed_in()
        ledger = open_ledger()
        console.print(f"{p.username}: roles {', '.join(sorted(p.roles)) or '(none)'}; official {p.official_id or '-'}")
        console.print(f"database: {ledger.kind} ({ledger.settings.database_url})")

    @app.command("password")
    def password_change() -> None:
        """Change your own password (at least 12 characters, not a common one); your other sessions end.

        The current password is read from LOOKOUT_PASSWORD, the new one from LOOKOUT_NEW_PASSWORD,
        or both are prompted for."""
        p = signed_in()
        ledger = _system_ledger()
        current = _password("Current password: ", "LOOKOUT_PASSWORD")
        new = _password("New password: ", "LOOKOUT_NEW_PASSWORD")
        token = current_token(ledger.settings.database_url)
        keep = session_hash(token) if token else None
        with ledger.transaction() as s:
            ended = accounts.change_own_password(ledger, s, p.username, current, new, keep_sid_hash=keep)
        console.print(f"password changed for [bold]{p.username}[/]; {ended} other session(s) ended")

    users = typer.Typer(help="Users and role grants (admin; a second admin approves each grant).", no_args_is_help=True)
    app.add_typer(users, name="users")

    @users.command("add")
    def users_add(
        username: str,
        role: list[str] = typer.Option(..., "--role", "-r", help="Role (repeatable): " + ", ".join(ROLE_DESCRIPTIONS)),
        name: str | None = typer.Option(None, help="Display name."),
        official: str | None = typer.Option(None, help="The official id this user acts as."),
        password: str | None = typer.Option(None, envvar="LOOKOUT_NEW_PASSWORD", help="Default: prompt."),
    ) -> None:
        """Add a user; each role asked for waits for a second administrator's approval."""
        admin = signed_in(Role.ADMIN).username
        roles = parse_roles(role)
        if password is None:
            password = getpass.getpass(f"Password for {username}: ")
        ledger = _system_ledger()
        with ledger.transaction() as s:
            grants = accounts.add_account(
                s,
                admin,
                username=username,
                password=password,
                roles=roles,
                at=ledger.now(),
                display_name=name,
                official_id=official,
                simulated=ledger.kind.simulated,
            )
            ledger.audit(s, admin, "user.add", "user", username, {"roles": [str(r) for r in roles]})
            for g in grants:
                ledger.audit(s, admin, "role.request", "role_grant", g.id, {"user": username, "role": g.role})
        _print_grants(grants)

    @users.command("grant")
    def users_grant(username: str, role: str = typer.Option(..., "--role", "-r")) -> None:
        """Ask for a role for a user (a second administrator approves it)."""
        admin = signed_in(Role.ADMIN).username
        (r,) = parse_roles([role])
        ledger = _system_ledger()
        with ledger.transaction() as s:
            g = accounts.request_grant(s, admin, username, r, at=ledger.now(), simulated=ledger.kind.simulated)
            ledger.audit(s, admin, "role.request", "role_grant", g.id, {"user": username, "role": g.role})
        _print_grants([g])

    @users.command("grants")
    def users_grants() -> None:
        """Role grants waiting for a second administrator."""
        signed_in(Role.ADMIN, Role.AUDITOR)
        ledger = open_ledger()
        with ledger.reading() as s:
            _print_grants(accounts.pending_grants(s))

    @users.command("approve")
    def users_approve(grant: str, refuse_: bool = typer.Option(False, "--refuse", help="Refuse the grant.")) -> None:
        """Approve (or --refuse) a role grant another administrator asked for."""
        admin = signed_in(Role.ADMIN).username
        ledger = _system_ledger()
        with ledger.transaction() as s:
            g = accounts.decide_grant(s, admin, grant, approve=not refuse_, at=ledger.now())
            ledger.audit(s, admin, f"role.{g.status}", "role_grant", g.id, {"user": g.username, "role": g.role})
        console.print(f"role grant {g.id}: {g.role} for {g.username} {g.status}")

    @users.command("revoke")
    def users_revoke(username: str, role: str = typer.Option(..., "--role", "-r")) -> None:
        """Withdraw a role (effective at the user's next request or command)."""
        admin = signed_in(Role.ADMIN).username
        (r,) = parse_roles([role])
        ledger = _system_ledger()
        with ledger.transaction() as s:
            accounts.revoke(ledger, s, admin, username, r)
        console.print(f"withdrew {r} from {username}")

    @users.command("deactivate")
    def users_deactivate(username: str) -> None:
        """Deactivate a user: every session and token of theirs ends now."""
        admin = signed_in(Role.ADMIN).username
        ledger = _system_ledger()
        with ledger.transaction() as s:
            accounts.deactivate_user(ledger, s, admin, username)
        console.print(f"deactivated {username}")

    @users.command("token")
    def users_token(
        username: str, hours: float = typer.Option(24.0, min=0.1, max=24 * 90, help="How long the token lasts.")
    ) -> None:
        """Issue a service token for a user (a scheduled job, an integration); it acts with that user's roles."""
        admin = signed_in(Role.ADMIN).username
        ledger = _system_ledger()
        with ledger.transaction() as s:
            if s.get(User, username) is None:
                raise LedgerError(f"no user {username!r}")
            if username == admin:
                raise LedgerError("a service token is for another account; sign in yourself with `lookout login`")
            token = accounts.issue_token(s, username, at=ledger.now(), hours=hours, via="service")
            ledger.audit(s, admin, "token.issue", "user", username, {"hours": hours})
        console.print(token)

    @users.command("list")
    def users_list() -> None:
        """List users and roles."""
        signed_in(Role.ADMIN, Role.AUDITOR)
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

    officials = typer.Typer(help="Officials' titles, which approvals and determinations rest on.", no_args_is_help=True)
    app.add_typer(officials, name="officials")

    @officials.command("confirm")
    def officials_confirm(
        official: str, title: str = typer.Option(..., help="The title, e.g. 'commissioner'.")
    ) -> None:
        """Confirm (or set) an official's title (admin): an imported title grants nothing until confirmed."""
        from lookout_ledger.org.titles import confirm_title

        admin = signed_in(Role.ADMIN).username
        ledger = _system_ledger()
        with ledger.transaction() as s:
            o = confirm_title(s, admin, official, title)
            ledger.audit(s, admin, "official.confirm_title", "official", official, {"title": o.role})
        console.print(f"{official}: title {o.role!r} confirmed by {admin}")

    keys = typer.Typer(help="Manage the SPII encryption key.", no_args_is_help=True)
    app.add_typer(keys, name="keys")

    @keys.command("recipient")
    def keys_recipient(name: Path = typer.Argument(..., help="Writes NAME.key (private, 0600) and NAME.pub.")) -> None:
        """Make a key pair for receiving sealed exports: give NAME.pub to whoever exports for you."""
        from lookout_ledger.interchange.sealing import generate_recipient

        fp = generate_recipient(name.with_suffix(".key"), name.with_suffix(".pub"))
        console.print(f"wrote {name.with_suffix('.key')} (keep it) and {name.with_suffix('.pub')}; fingerprint {fp}")

    @keys.command("rotate")
    def keys_rotate() -> None:
        """Add a new active key to the key file and re-seal every SPII value with it (admin)."""
        import lookout_ledger.models  # noqa: F401  (every capability's sealed columns registered)
        from lookout_ledger.core.keys import rotate_key

        admin = signed_in(Role.ADMIN).username
        ledger = _system_ledger()
        counts = rotate_key(ledger, admin)
        console.print(f"new active key [bold]{ledger.keyring.active}[/]; re-sealed {sum(counts.values())} values")


def _print_grants(grants: list[accounts.RoleGrant]) -> None:
    table = Table("grant", "user", "role", "asked by", "asked at", "status")
    for g in grants:
        table.add_row(g.id, g.username, g.role, g.requested_by, format_rfc3339(g.requested_at), g.status)
    console.print(table)
    if any(g.status == "pending" for g in grants):
        console.print("a second administrator approves each with `lookout users approve GRANT`")
