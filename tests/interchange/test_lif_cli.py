"""The import, export and generate commands, through the real `lookout` CLI app."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from lif_snippets import lif_bytes, records, write_lif
from typer.testing import CliRunner

from lookout_ledger.cli import app


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LOOKOUT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("LOOKOUT_KEY", base64.b64encode(bytes(range(32))).decode())
    monkeypatch.setenv("COLUMNS", "250")
    return CliRunner()


def test_import_export_round_trip(runner: CliRunner, tmp_path: Path) -> None:
    source = write_lif(tmp_path / "in.lif", records())
    result = runner.invoke(app, ["--as", "clerk", "import", str(source), "--now", "2019-02-01T00:00:00Z"])
    assert result.exit_code == 0, result.output
    assert "inserted" in result.stdout and "lookout_event" in result.stdout
    out = tmp_path / "out.lif"
    result = runner.invoke(app, ["export", str(out), "--now", "2019-02-01T00:00:00Z"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().splitlines()[1:][0].startswith(b'{"type":"unit","id":"U1"')
    assert not (tmp_path / "out.lif.partial").exists()
    again = runner.invoke(app, ["import", str(out)])
    assert again.exit_code == 0, again.output
    assert "unchanged" in again.stdout
    stdout = runner.invoke(app, ["export", "-", "--now", "2019-02-01T00:00:00Z"])
    assert stdout.exit_code == 0
    assert stdout.stdout_bytes.splitlines()[1:] == out.read_bytes().splitlines()[1:]


def test_import_errors_exit_2_with_a_table(runner: CliRunner, tmp_path: Path) -> None:
    recs = records()
    recs[4]["status_code"] = "suspicious"  # line 6
    recs[6]["person_id"] = "P404"  # line 8
    result = runner.invoke(app, ["import", str(write_lif(tmp_path / "bad.lif", recs))])
    assert result.exit_code == 2
    assert "status_code" in result.stderr and "suspect, non_suspect" in result.stderr
    assert "person_id" in result.stderr and "P404" in result.stderr
    assert "2 problems" in result.stderr and "nothing was written" in result.stderr
    empty = runner.invoke(app, ["export", "-"])
    assert empty.stdout_bytes.count(b"\n") == 1  # the header only


def test_import_from_stdin(runner: CliRunner) -> None:
    result = runner.invoke(app, ["import", "-"], input=lif_bytes(records()))
    assert result.exit_code == 0, result.output
    assert "imported" in result.stdout


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "nope.lif")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_generate_then_import(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "gen.lif"
    result = runner.invoke(app, ["generate", str(target), "--lookouts", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["import", str(target)])
    assert result.exit_code == 0, result.output
