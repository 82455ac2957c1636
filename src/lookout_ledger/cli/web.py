"""`lookout serve`: the web pages and the JSON API over the configured database.

Behind a TLS-terminating proxy the app sees plain HTTP unless it is told to trust the proxy's
`X-Forwarded-Proto`/`X-Forwarded-For` (`--proxy-headers`, only from `--forwarded-allow-ips`);
then, as with `--tls-cert/--tls-key`, requests are HTTPS, cookies are `Secure` and HSTS is sent
(`http/security.py`). Trusting forwarded headers from anyone would let any client claim HTTPS or
another address, so the default trusts nobody.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from lookout_ledger.cli.common import NOW_HELP, console, open_ledger
from lookout_ledger.core.errors import LedgerError


def check_tls(tls_cert: Path | None, tls_key: Path | None) -> None:
    if (tls_cert is None) != (tls_key is None):
        raise LedgerError("--tls-cert and --tls-key: give both (the certificate chain and its private key) or neither")
    for option, path in (("--tls-cert", tls_cert), ("--tls-key", tls_key)):
        if path is not None and not path.is_file():
            raise LedgerError(f"{option}: no file {path}")


def server_config(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "info",
    proxy_headers: bool = False,
    forwarded_allow_ips: str = "127.0.0.1",
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> Any:
    """The uvicorn configuration `serve` runs (and the tests run): one place for the transport."""
    import uvicorn

    check_tls(tls_cert, tls_key)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips if proxy_headers else None,
        server_header=False,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
    )


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0 exposes it to the network)."),
        port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
        now: str | None = typer.Option(None, help=NOW_HELP + " The dashboard evaluates the audit at this time."),
        log_level: str = typer.Option("info", help="uvicorn log level: critical, error, warning, info, debug."),
        proxy_headers: bool = typer.Option(
            False, help="Trust X-Forwarded-Proto/-For from --forwarded-allow-ips (behind a TLS proxy)."
        ),
        forwarded_allow_ips: str = typer.Option(
            "127.0.0.1", help="Comma-separated proxy addresses (or networks) whose forwarded headers are trusted."
        ),
        tls_cert: Path | None = typer.Option(None, help="Serve HTTPS: the certificate chain (PEM)."),
        tls_key: Path | None = typer.Option(None, help="Serve HTTPS: the certificate's private key (PEM)."),
    ) -> None:
        """Serve the web pages and the HTTP API (OpenAPI at /openapi.json)."""
        import uvicorn

        from lookout_ledger.server import create_app

        check_tls(tls_cert, tls_key)  # before opening (or creating) any database
        ledger = open_ledger(now)
        if now:
            ledger.check_clock()  # a fixed clock serves only a simulation (SYS-SYSTEM-TIME)
        config = server_config(
            create_app(ledger),
            host=host,
            port=port,
            log_level=log_level,
            proxy_headers=proxy_headers,
            forwarded_allow_ips=forwarded_allow_ips,
            tls_cert=tls_cert,
            tls_key=tls_key,
        )
        where = _where(ledger.settings.database_url) + f", {ledger.kind}" + (f", clock fixed at {now}" if now else "")
        scheme = "https" if tls_cert else "http"
        console.print(f"Lookout Ledger on [bold]{scheme}://{host}:{port}/[/] ({where})")
        uvicorn.Server(config).run()


def _where(url: str) -> str:
    """The database without its password, for the start-up line."""
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url
