"""The disclosures CLI on the demo scenario: agency, request, draft, log, remediation."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from lookout_ledger.cli import app

# Errors reach the user through `lookout_ledger.cli.main`, which prints them; invoked directly,
# the app leaves the exception on the result, which the assertions read.

runner = CliRunner()
NOW = "2019-04-01T00:00:00Z"


def test_cli_request_draft_log_and_remediation(tmp_path: Path) -> None:
    db = ["--database-url", f"sqlite:///{tmp_path / 'demo.db'}"]

    def run(*args: str, actor: str = "admin") -> str:
        result = runner.invoke(app, [*db, "--as", actor, *args], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        return result.output

    run("demo", "--now", NOW)
    run(
        "disclosures", "agency", "AG-X", "--country", "MX", "--name", "Agencia ficticia", "--address", "a@x.gob.example"
    )
    bad = runner.invoke(app, [*db, "--as", "admin", "disclosures", "address", "AG-X", "someone@gmail.com"])
    assert bad.exit_code != 0 and "DX-CHANNEL" in str(bad.exception)
    letter = tmp_path / "solicitud.pdf"
    letter.write_bytes(b"%PDF-1.4 invented request")
    out = run(
        "disclosures",
        "request",
        "--unit",
        "U-FOB",
        "--agency",
        "AG-X",
        "--sender",
        "Lic. Ficticia",
        "--sent-on",
        "2019-03-30",
        "--asked",
        "Identity of one traveller named in the letter",
        "--document",
        str(letter),
        "--now",
        NOW,
        actor="liaison",
    )
    rid = out.split()[2]
    refused = runner.invoke(
        app,
        [
            *db,
            "--as",
            "liaison",
            "disclosures",
            "draft",
            "--request",
            rid,
            "--person",
            "P-DOES-NOT-EXIST",
            "--field",
            "name",
            "--purpose",
            "1628a9",
            "--reason",
            "A reason long enough",
            "--recipient",
            "Lic. Ficticia",
        ],
    )
    assert refused.exit_code != 0 and "DX-PURPOSE" in str(refused.exception)
    listing = orjson.loads(run("disclosures", "remediate", "list", "--now", NOW, actor="auditor"))
    assert listing["progress"]["disclosures"] == 9 and listing["progress"]["actions_done"] == 0
    deny = next(i["disclosure_id"] for i in listing["items"] if "rescission_letter" in i["needed"])
    assert "revocada" in run("disclosures", "remediate", "rescind", deny, actor="liaison")
    run("disclosures", "remediate", "review", deny, "--conclusion", "Unauthorized request; rescinded.", actor="auditor")
    listing = orjson.loads(run("disclosures", "remediate", "list", "--now", NOW, actor="auditor"))
    assert listing["progress"]["actions_done"] == 2
    log = run("disclosures", "log")
    assert log.count(" lif ") == 9
