"""`lookout serve`: the web pages and the JSON API over the configured database."""

from __future__ import annotations

import typer

from lookout_ledger.cli.common import NOW_HELP, console, open_ledger


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0 exposes it to the network)."),
        port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
        now: str | None = typer.Option(None, help=NOW_HELP + " The dashboard evaluates the audit at this time."),
        log_level: str = typer.Option("info", help="uvicorn log level: critical, error, warning, info, debug."),
    ) -> None:
        """Serve the web pages and the HTTP API (OpenAPI at /openapi.json)."""
        import uvicorn

        from lookout_ledger.server import create_app

        ledger = open_ledger(now)
        if now:
            ledger.check_clock()  # a fixed clock serves only a simulation (SYS-SYSTEM-TIME)
        app = create_app(ledger)
        where = _where(ledger.settings.database_url) + f", {ledger.kind}" + (f", clock fixed at {now}" if now else "")
        console.print(f"Lookout Ledger on [bold]http://{host}:{port}/[/] ({where})")
        uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False, server_header=False)


def _where(url: str) -> str:
    """The database without its password, for the start-up line."""
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url
