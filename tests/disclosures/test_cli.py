"""The disclosures CLI on the demo scenario: agency, request, draft, log, remediation."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from support.cli_support import invoke_as

# Errors reach the user through `lookout_ledger.cli.main`, which prints them; invoked directly,
# the app leaves the exception on the result, which the assertions read.

runner = CliRunner()
NOW = "2019-04-01T00:00:00Z"


def test_cli_request_draft_log_and_remediation(tmp_path: Path) -> None:
    db = ["--database-url", f"sqlite:///{tmp_path / 'demo.db'}"]

    def run(*args: str, actor: str = "admin") -> str:
        result = invoke_as(runner, None if args[0] == "demo" else actor, args, url=db[1])
        assert result.exit_code == 0, result.output
        return result.output

    run("demo", "--now", NOW)
    run(
        "disclosures", "agency", "AG-X", "--country", "MX", "--name", "Agencia ficticia", "--address", "a@x.gob.example"
    )
    bad = invoke_as(runner, "admin", ["disclosures", "address", "AG-X", "someone@gmail.com"], url=db[1])
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
    refused = invoke_as(
        runner,
        "liaison",
        [
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
        url=db[1],
    )
    assert refused.exit_code != 0 and "DX-PURPOSE" in str(refused.exception)
    listing = orjson.loads(run("disclosures", "remediate", "list", "--now", NOW, actor="auditor"))
    assert listing["progress"]["disclosures"] == 9 and listing["progress"]["actions_done"] == 0
    deny = next(i["disclosure_id"] for i in listing["items"] if "rescission_letter" in i["needed"])
    assert "revocada" in run("disclosures", "remediate", "rescind", deny, actor="liaison")
    run("disclosures", "remediate", "review", deny, "--conclusion", "Unauthorized request; rescinded.", actor="auditor")
    listing = orjson.loads(run("disclosures", "remediate", "list", "--now", NOW, actor="auditor"))
    assert listing["progress"]["actions_done"] == 2
    log = run("disclosures", "log", actor="auditor")
    assert log.count(" lif ") == 9
