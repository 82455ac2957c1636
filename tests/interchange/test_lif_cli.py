"""The import, export and generate commands, through the real `lookout` CLI app."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from lookout_ledger.cli import app
from lookout_ledger.core import auditlog
from lookout_ledger.core.db import get_engine, session_factory
from support.cli_support import PASSWORD
from support.lif_snippets import lif_bytes, records, write_lif


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LOOKOUT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("LOOKOUT_KEY", base64.b64encode(bytes(range(32))).decode())
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("LOOKOUT_NEW_PASSWORD", PASSWORD)
    monkeypatch.setenv("LOOKOUT_PASSWORD", PASSWORD)
    r = CliRunner()
    init = r.invoke(app, ["init", "--admin", "ada", "--admin", "bea"])
    assert init.exit_code == 0, init.output
    assert r.invoke(app, ["login", "ada"]).exit_code == 0
    return r


PURPOSE = ["--purpose", "hand the history to the inspector general"]


def test_import_export_round_trip(runner: CliRunner, tmp_path: Path) -> None:
    source = write_lif(tmp_path / "in.lif", records())
    result = runner.invoke(app, ["import", str(source)])
    assert result.exit_code == 0, result.output
    assert "inserted" in result.stdout and "lookout_event" in result.stdout
    out = tmp_path / "out.lif"
    result = runner.invoke(app, ["export", str(out), *PURPOSE])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().splitlines()[1:][0].startswith(b'{"type":"unit","id":"U1"')
    assert not (tmp_path / "out.lif.partial").exists()
    again = runner.invoke(app, ["import", str(out)])
    assert again.exit_code == 0, again.output
    assert "unchanged" in again.stdout
    stdout = runner.invoke(app, ["export", "-", *PURPOSE])
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
    empty = runner.invoke(app, ["export", "-", *PURPOSE])
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


def test_import_and_export_need_a_signed_in_admin_and_a_purpose(runner: CliRunner, tmp_path: Path) -> None:
    source = write_lif(tmp_path / "in.lif", records())
    assert runner.invoke(app, ["logout"]).exit_code == 0
    nobody = runner.invoke(app, ["import", str(source)])
    assert "SYS-AUTHENTICATED" in str(nobody.exception) and "lookout login" in str(nobody.exception)
    assert runner.invoke(app, ["login", "ada"]).exit_code == 0
    no_purpose = runner.invoke(app, ["export", str(tmp_path / "x.lif")])
    assert no_purpose.exit_code != 0 and "--purpose" in no_purpose.output
    assert runner.invoke(app, ["import", str(source)]).exit_code == 0
    out = tmp_path / "out.lif"
    assert runner.invoke(app, ["export", str(out), *PURPOSE]).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o600
    url = os.environ["LOOKOUT_DATABASE_URL"]
    with session_factory(get_engine(url))() as s:
        entry = s.execute(select(auditlog.AuditEntry).where(auditlog.AuditEntry.action == "lif.export")).scalar_one()
    detail = orjson.loads(entry.detail)
    assert entry.actor == "ada" and detail["purpose"] == PURPOSE[1] and detail["persons_read"]


def test_a_stated_clock_is_refused_for_writes_in_a_system_of_record(runner: CliRunner, tmp_path: Path) -> None:
    source = write_lif(tmp_path / "in.lif", records())
    backdated = runner.invoke(app, ["import", str(source), "--now", "2019-02-01T00:00:00Z"])
    assert "SYS-SYSTEM-TIME" in str(backdated.exception) and "simulation" in str(backdated.exception)
    assert runner.invoke(app, ["import", str(source)]).exit_code == 0
    audited = runner.invoke(app, ["audit", "--now", "2019-02-01T00:00:00Z", "--format", "json"])
    assert audited.exit_code == 0, audited.output  # evaluation at a stated time is a read: allowed


def test_an_export_sealed_for_a_recipient_opens_only_with_their_key(runner: CliRunner, tmp_path: Path) -> None:
    source = write_lif(tmp_path / "in.lif", records())
    assert runner.invoke(app, ["import", str(source)]).exit_code == 0
    assert runner.invoke(app, ["keys", "recipient", str(tmp_path / "oig")]).exit_code == 0
    assert (tmp_path / "oig.key").stat().st_mode & 0o777 == 0o600
    sealed, plain = tmp_path / "sealed.lif", tmp_path / "plain.lif"
    r = runner.invoke(app, ["export", str(sealed), *PURPOSE, "--recipient-key", str(tmp_path / "oig.pub")])
    assert r.exit_code == 0, r.output
    assert runner.invoke(app, ["export", str(plain), *PURPOSE]).exit_code == 0
    person = next(line for line in plain.read_bytes().splitlines() if b'"type":"person"' in line)
    name = orjson.loads(person)["family_name"].encode()
    assert name not in sealed.read_bytes()  # no SPII in clear
    opened = tmp_path / "opened.lif"
    assert (
        runner.invoke(app, ["unseal", str(sealed), "--key", str(tmp_path / "oig.key"), "--out", str(opened)]).exit_code
        == 0
    )
    assert opened.read_bytes().splitlines()[1:] == plain.read_bytes().splitlines()[1:]
    assert runner.invoke(app, ["keys", "recipient", str(tmp_path / "other")]).exit_code == 0
    wrong = runner.invoke(app, ["unseal", str(sealed), "--key", str(tmp_path / "other.key"), "--out", str(opened)])
    assert "not for this key" in str(wrong.exception)
    data = bytearray(sealed.read_bytes())
    data[-5] ^= 1
    sealed.write_bytes(bytes(data))
    changed = runner.invoke(app, ["unseal", str(sealed), "--key", str(tmp_path / "oig.key"), "--out", str(opened)])
    assert "was changed, reordered or cut off" in str(changed.exception)


def test_a_directory_or_a_device_is_named_as_what_it_is(runner: CliRunner, tmp_path: Path) -> None:
    """#15 item 6: a directory or /dev/null was reported as "no such file"."""
    result = runner.invoke(app, ["import", str(tmp_path)])
    assert result.exit_code == 2 and "is a directory, not a LIF file" in result.stderr
    result = runner.invoke(app, ["import", "/dev/null"])
    assert result.exit_code == 2 and "is not a regular file" in result.stderr
