"""`lookout records ...` through the real CLI app, on the demo scenario."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lookout_ledger.cli import app
from lookout_ledger.core.errors import LedgerError
from support.chat_exports import ANDROID_ES
from support.cli_support import invoke_as


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LOOKOUT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("LOOKOUT_KEY", base64.b64encode(bytes(range(32))).decode())
    monkeypatch.setenv("COLUMNS", "250")
    r = CliRunner()
    assert r.invoke(app, ["demo", "--now", "2019-06-01T00:00:00Z"]).exit_code == 0
    return r


def test_import_search_request_hold_dispose(runner: CliRunner, tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text(ANDROID_ES, encoding="utf-8")
    args = ["records", "import", str(chat), "--channel", "whatsapp", "--account", "personal"]
    args += ["--owner", "OFF-FOB-2", "--timezone", "America/Tijuana"]
    first = invoke_as(runner, "records", args)
    assert first.exit_code == 0 and "imported 4 message(s)" in first.output
    assert "already imported" in invoke_as(runner, "records", args).output
    withheld = json.loads(invoke_as(runner, "admin", ["records", "search", "alertados", "--json"]).output)
    assert withheld["content_withheld"] and all(not h.get("snippet") for h in withheld["hits"])  # as the API
    found = invoke_as(runner, "records", ["records", "search", "alertados", "--channel", "whatsapp", "--json"])
    hits = json.loads(found.output)
    assert hits["total"] == 1 and hits["hits"][0]["sender"] == "Lic. Ramírez"
    assert hits["hits"][0]["sent_at"] == "2019-01-21T00:10:00-08:00"
    out = tmp_path / "pkg"
    req = invoke_as(
        runner, "records", ["records", "request", "P-001", "--out", str(out), "--reference", "R-1", "--pdf"]
    )
    assert req.exit_code == 0, req.output
    (index,) = out.glob("*.json")
    (pdf,) = out.glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stem == index.stem
    assert json.loads(index.read_text())["people"][0]["person_id"] == "P-001"
    held = invoke_as(
        runner,
        "records",
        ["records", "hold", "place", "--reason", "litigation on the chat", "--from", "2019-01-01"],
    )
    assert held.exit_code == 0, held.output
    nothing = invoke_as(runner, "records", ["records", "dispose", "propose", "--now", "2030-01-01T00:00:00Z"])
    assert isinstance(nothing.exception, LedgerError) and "nothing is due" in str(nothing.exception)
    missing = invoke_as(runner, "records", ["records", "missing", "--json"])
    assert {m["disclosure_id"] for m in json.loads(missing.output)} >= {"FD-2", "FD-3"}


def test_malformed_export_exits_2_with_lines(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("not a chat\n31/02/2019, 10:00 - A: x\n", encoding="utf-8")
    r = invoke_as(
        runner,
        "records",
        [
            "records",
            "import",
            str(bad),
            "--channel",
            "whatsapp",
            "--account",
            "personal",
            "--owner",
            "OFF-FOB-2",
            "--timezone",
            "America/Tijuana",
        ],
    )
    # `lookout` (main) prints a LedgerError and exits 2; the runner hands us the error itself.
    assert isinstance(r.exception, LedgerError)
    assert "line 1:" in str(r.exception) and "line 2:" in str(r.exception)


def _missing(runner: CliRunner) -> dict[str, str]:
    out = invoke_as(runner, "records", ["records", "missing", "--json"]).output
    return {m["disclosure_id"]: m["reason"] for m in json.loads(out)}


def _note(at: str, subject: str = "Briefing", disclosure: str = "FD-2") -> list[str]:
    return [
        *("records", "note", "--kind", "meeting_note", "--author", "OFF-FOB-2"),
        *("--participant", "INM regional director", "--at", at, "--subject", subject),
        *("--body", "Handed over the printed list of names; no commitment to deny entry.", "--disclosure", disclosure),
    ]


def test_note_of_the_in_person_disclosure_clears_it_from_missing(runner: CliRunner) -> None:
    before = _missing(runner)
    assert "FD-2" in before
    late = invoke_as(runner, "records", _note("2019-01-09T10:00:00-08:00"))  # written today: a late claim
    assert late.exit_code == 0, late.output
    assert "late claim" in _missing(runner)["FD-2"]
    early = invoke_as(runner, "records", _note("2018-06-01T10:00:00-07:00", "Before"))
    assert "SYS-CLAIMED-TIME" in str(early.exception)  # a note cannot document what had not happened yet
    timely = _note("2019-01-09T10:00:00-08:00", "Briefing, noted the same day")
    kept = invoke_as(runner, "records", [*timely, "--now", "2019-01-09T20:00:00Z"])  # the demo is a simulation
    assert kept.exit_code == 0, kept.output
    assert set(_missing(runner)) == set(before) - {"FD-2"}
    found = json.loads(invoke_as(runner, "records", ["records", "search", "printed list", "--json"]).output)
    assert found["total"] == 2 and {h["channel"] for h in found["hits"]} == {"meeting_note"}
    assert found["hits"][0]["sent_at"] == "2019-01-09T10:00:00-08:00"  # the local time as given
    wrong = invoke_as(runner, "records", _note("2019-01-09T10:00:00-08:00", disclosure="FD-404"))
    assert wrong.exit_code != 0 and "disclosure: no disclosure 'FD-404'" in str(wrong.exception or wrong.output)


def test_mbox_import_with_a_reading_worker(runner: CliRunner, tmp_path: Path) -> None:
    from test_records_import import _big_box

    box = tmp_path / "box.mbox"
    box.write_bytes(_big_box(600))
    args = ["records", "import", str(box), "--channel", "email", "--account", "official"]
    r = invoke_as(runner, "records", [*args, "--owner", "OFF-FOB-2", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "imported 601 message(s)" in r.output
    hits = json.loads(invoke_as(runner, "records", ["records", "search", "asunto 599", "--json"]).output)
    assert hits["total"] == 1
