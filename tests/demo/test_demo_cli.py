"""`lookout demo` from the command line: it loads, prints how to sign in, and writes the LIF file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from lookout_ledger.cli import app
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.demo.load import DEMO_PASSWORD, DEMO_USERS, SIGN_IN_URL
from lookout_ledger.demo.scenario import scenario_lines
from lookout_ledger.interchange.importer import import_lif

runner = CliRunner()


def test_write_produces_the_scenario_file_other_tools_can_import(tmp_path: Path, sqlite_ledger: Ledger) -> None:
    out = tmp_path / "scenario.lif"
    result = runner.invoke(app, ["demo", "--write", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == scenario_lines()
    assert "Calderón" in out.read_text(encoding="utf-8")
    report = import_lif(sqlite_ledger, out, "test")
    assert report.records == len(scenario_lines().splitlines()) - 1  # every line but the header
    assert report.counts["lookout"]["inserted"] == 51


def test_demo_loads_twice_and_prints_the_sign_in_table(tmp_path: Path) -> None:
    args = ["--database-url", f"sqlite:///{tmp_path / 'demo.db'}", "demo", "--now", "2019-04-01T00:00:00Z"]
    first = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert SIGN_IN_URL in first.output and DEMO_PASSWORD in first.output
    for username, role, _ in DEMO_USERS:
        assert username in first.output and str(role) in first.output
    assert "replaced" not in first.output
    second = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert second.exit_code == 0, second.output
    assert "replaced" in second.output
