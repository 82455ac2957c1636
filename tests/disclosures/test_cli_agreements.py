"""The disclosures CLI on the demo scenario: agreements (register, approve by office, show) and withdraw."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from support.cli_support import invoke_as

runner = CliRunner()
NOW = "2019-04-01T00:00:00Z"


def test_cli_agreement_offices_and_withdrawing_a_draft(tmp_path: Path) -> None:
    db = ["--database-url", f"sqlite:///{tmp_path / 'demo.db'}"]

    def invoke(*args: str, actor: str) -> object:
        return invoke_as(runner, None if args[0] == "demo" else actor, args, url=db[1])

    def run(*args: str, actor: str = "admin") -> str:
        result = invoke(*args, actor=actor)
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
        return result.output  # type: ignore[attr-defined]

    def fails(*args: str, actor: str) -> str:
        result = invoke(*args, actor=actor)
        assert result.exit_code != 0, result.output  # type: ignore[attr-defined]
        return str(result.exception)  # type: ignore[attr-defined]

    run("demo", "--now", NOW)
    run(
        "disclosures", "agency", "AG-X", "--country", "MX", "--name", "Agencia ficticia", "--address", "a@x.gob.example"
    )
    out = run(
        "disclosures", "agreement", "register", "--title", "Memorando ficticio", "--country", "MX", "--agency", "AG-X",
        actor="liaison",
    )  # fmt: skip
    ag = out.split()[2]
    assert ag.startswith("AG-")
    # The auditor acts as the "privacy and oversight auditor": of the privacy office, not of chief counsel.
    out = run(
        "disclosures", "agreement", "approve", ag, "--office", "privacy", "--statement", "Privacy impact assessed.",
        actor="auditor",
    )  # fmt: skip
    assert "still needed: international affairs, chief counsel" in " ".join(out.split())
    again = fails(
        "disclosures", "agreement", "approve", ag, "--office", "privacy", "--statement", "Privacy impact assessed.",
        actor="auditor",
    )  # fmt: skip
    assert "already approved" in again
    not_office = fails(
        "disclosures", "agreement", "approve", ag, "--office", "chief counsel", "--statement", "Legal review done.",
        actor="counsel",
    )  # fmt: skip
    assert "does not belong to the chief counsel office" in not_office
    unknown = fails(
        "disclosures", "agreement", "approve", ag, "--office", "treasury", "--statement", "Legal review done.",
        actor="auditor",
    )  # fmt: skip
    assert unknown.startswith("office: expected one of")
    shown = orjson.loads(run("disclosures", "agreement", "show", ag))
    assert shown["citable"] is False and shown["missing_offices"] == ["international affairs", "chief counsel"]
    assert [a["office"] for a in shown["approvals"]] == ["privacy"]

    letter = tmp_path / "solicitud.pdf"
    letter.write_bytes(b"%PDF-1.4 invented request")
    request = [
        "disclosures", "request", "--unit", "U-FOB", "--agency", "AG-X", "--sender", "Lic. Ficticia",
        "--sent-on", "2019-03-30", "--asked", "Identity of one traveller named in the letter",
        "--document", str(letter), "--now", NOW,
    ]  # fmt: skip
    refused = fails(*request, "--agreement", ag, actor="liaison")
    assert "DX-AGREEMENT-COORDINATION" in refused
    rid = run(*request, actor="liaison").split()[2]

    person = next(p for e in orjson.loads(run("disclosures", "log", "--json", actor="auditor")) for p in e["persons"])
    out = run(
        "disclosures", "draft", "--request", rid, "--person", person, "--field", "name", "--purpose", "1628a1",
        "--reason", "A reason long enough to state", "--recipient", "Lic. Ficticia", "--now", NOW,
        actor="liaison",
    )  # fmt: skip
    did = out.split()[1].rstrip(";")
    assert did.startswith("DD-")
    assert "only the author" in fails("disclosures", "withdraw", did, "--reason", "Not my draft at all", actor="owner")
    assert "reason: required" in fails("disclosures", "withdraw", did, "--reason", "short", actor="liaison")
    assert orjson.loads(run("disclosures", "show", did))["status"] == "draft"
    assert f"withdrew {did}" in run(
        "disclosures", "withdraw", did, "--reason", "Answered by telephone", actor="liaison"
    )
    assert orjson.loads(run("disclosures", "show", did))["status"] == "withdrawn"
    assert "is withdrawn" in fails("disclosures", "withdraw", did, "--reason", "Answered by telephone", actor="liaison")
