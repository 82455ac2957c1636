"""`lookout serve` is registered and never prints a database password."""

from __future__ import annotations

from typer.testing import CliRunner

from lookout_ledger.cli import app
from lookout_ledger.cli.web import _where


def test_serve_is_a_command_with_host_port_and_now() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--now"):
        assert option in result.output


def test_start_up_line_hides_the_password() -> None:
    assert _where("postgresql://ledger:s3cret@db.example:5432/ledger") == "postgresql://…@db.example:5432/ledger"
    assert _where("sqlite:///lookout-ledger.db") == "sqlite:///lookout-ledger.db"
