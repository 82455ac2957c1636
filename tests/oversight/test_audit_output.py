"""The audit output contract: `to_spec()` shape, ordering, the rule catalog, and the CLI."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import orjson
from typer.testing import CliRunner

from lookout_ledger.cli import app
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.oversight.requirements import REQUIREMENT_KEYS
from lookout_ledger.oversight.rules import RULE_QUERIES, RULES
from support.cli_support import auditor, token_for
from support.factories import Factory, audit

SPEC_RULES = {
    "LK-NON-SUSPECT", "LK-NO-BASIS", "LK-NOT-APPROVED", "LK-STALE-AFTER-INSPECTION", "LK-TRANSFER-WITHOUT-NOTICE",
    "LK-SENSITIVE-OCCUPATION", "IN-PURPOSE-NOT-PURSUED", "IN-UNDOCUMENTED", "IN-REPEAT-NO-NEW-INFO",
    "IN-DEVICE-SEARCH-UNJUSTIFIED", "IN-DURATION-ANOMALY", "DS-UNAUTHORIZED", "DS-NO-WRITTEN-REQUEST",
    "DS-DENY-ENTRY-REQUEST", "DS-REQUIREMENT", "RC-UNOFFICIAL-NOT-FORWARDED", "RC-NOT-RETAINED",
}  # fmt: skip
LOOKOUT_KEYS = [
    "total", "non_suspect", "persons_with_lookouts", "persons_inspected", "persons_never_inspected",
    "persons_removed_after_first_referral", "persons_active_after_first_referral",
    "persons_reentered_while_active", "persons_re_referred", "max_referrals_one_person", "transferred_without_notice",
]  # fmt: skip


def _populate(fx: Factory) -> None:
    person = fx.person(id="P-1", occupation="journalist")
    lookout = fx.lookout(person, id="L-1", status_code="non_suspect", approved_by=None, basis=None)
    fx.inspection(person, "2019-01-02T10:00:00Z", [lookout], id="I-1", documented=False, ended_at=None)
    fx.disclosure([person], id="D-2", foreign_request={"none": True}, encrypted=False)
    fx.disclosure([person], id="D-1", requested_action="deny_entry")
    fx.communication(id="M-1", retained=False)


def test_catalog_has_every_spec_rule_with_a_citation() -> None:
    assert set(RULES) == SPEC_RULES
    assert set(RULE_QUERIES) | {"DS-REQUIREMENT"} == SPEC_RULES
    for rule in RULES.values():
        assert rule.title and rule.statement and rule.citation
        assert (
            rule.record_type
            == {"LK": "lookout", "IN": "inspection", "DS": "disclosure", "RC": "communication"}[rule.id[:2]]
        )


def test_to_spec_shape_and_order(sqlite_ledger: Ledger) -> None:
    with sqlite_ledger.transaction() as s:
        fx = Factory(s, sqlite_ledger.keyring)
        _populate(fx)
        result = audit(fx, now="2019-06-01T00:00:00Z")
    spec = result.to_spec()
    assert list(spec) == ["version", "evaluated_at", "policy", "metrics", "disclosures", "findings"]
    assert spec["version"] == 1 and spec["evaluated_at"] == "2019-06-01T00:00:00+00:00"
    assert spec["policy"] == {"name": sqlite_ledger.policy.name, "version": sqlite_ledger.policy.version}
    assert list(spec["metrics"]["lookouts"]) == LOOKOUT_KEYS
    disclosure_keys = ["total", "us_persons_disclosed", "us_persons_in_deny_entry_requests"]
    assert list(spec["metrics"]["disclosures"]) == disclosure_keys
    assert all(type(v) is int for part in spec["metrics"].values() for v in part.values())
    assert [d["id"] for d in spec["disclosures"]] == ["D-1", "D-2"]
    assert all(list(d["requirements"]) == list(REQUIREMENT_KEYS) for d in spec["disclosures"])
    keys = [(f["rule"], f["record_type"], f["record_id"]) for f in spec["findings"]]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    finding_keys = ["rule", "record_type", "record_id", "person_id", "message", "citation"]
    assert all(list(f) == finding_keys for f in spec["findings"])
    assert {f["rule"] for f in spec["findings"]} >= {
        "LK-NON-SUSPECT", "LK-NO-BASIS", "LK-NOT-APPROVED", "LK-STALE-AFTER-INSPECTION", "LK-SENSITIVE-OCCUPATION",
        "IN-UNDOCUMENTED", "IN-DURATION-ANOMALY", "DS-NO-WRITTEN-REQUEST", "DS-DENY-ENTRY-REQUEST", "DS-REQUIREMENT",
        "RC-NOT-RETAINED", "RC-UNOFFICIAL-NOT-FORWARDED",
    }  # fmt: skip
    orjson.dumps(spec)  # serialisable as is


def test_audit_is_deterministic_and_read_only(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        _populate(Factory(s, ledger.keyring))
    with ledger.reading() as s:
        from lookout_ledger.core.timefmt import parse_instant
        from lookout_ledger.oversight.audit import run_audit

        now = parse_instant("2019-06-01T00:00:00Z")
        first = run_audit(s, now=now, review_window_days=7, policy=ledger.policy).to_spec()
        second = run_audit(s, now=now, review_window_days=None, policy=ledger.policy).to_spec()
        assert not s.new and not s.dirty
    assert first == second


def _cli_env(ledger: Ledger, tmp_path: Path) -> dict[str, str]:
    key = base64.b64encode(ledger.keyring.keys["k1"]).decode()
    url = ledger.settings.database_url
    token = token_for(url, auditor(ledger))  # the audit is an oversight read: an auditor signs in
    return {"LOOKOUT_DATABASE_URL": url, "LOOKOUT_KEY": key, "COLUMNS": "200", "LOOKOUT_TOKEN": token}


def test_cli_json_is_the_spec_object(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    with sqlite_ledger.transaction() as s:
        _populate(Factory(s, sqlite_ledger.keyring))
    runner = CliRunner()
    env = _cli_env(sqlite_ledger, tmp_path)
    out = runner.invoke(app, ["audit", "--now", "2019-06-01T00:00:00Z", "--format", "json"], env=env)
    assert out.exit_code == 0, out.output
    payload = orjson.loads(out.stdout_bytes)
    with sqlite_ledger.reading() as s:
        from lookout_ledger.core.timefmt import parse_instant
        from lookout_ledger.oversight.audit import run_audit

        expected = run_audit(s, parse_instant("2019-06-01T00:00:00Z"), None, sqlite_ledger.policy).to_spec()
    assert payload == expected
    narrow = runner.invoke(app, ["audit", "--now", "2019-01-03T00:00:00Z", "--format", "json"], env=env)
    rules = {f["rule"] for f in orjson.loads(narrow.stdout_bytes)["findings"]}
    assert "LK-STALE-AFTER-INSPECTION" not in rules  # the window had not passed at that time


def test_cli_text_shows_metrics_matrix_and_findings(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    with sqlite_ledger.transaction() as s:
        _populate(Factory(s, sqlite_ledger.keyring))
    out = CliRunner().invoke(app, ["audit", "--now", "2019-06-01T00:00:00Z"], env=_cli_env(sqlite_ledger, tmp_path))
    assert out.exit_code == 0, out.output
    text = out.output
    assert "Persons referred to secondary inspection at least once" in text
    assert re.search(r"D-2 .*X", text) and "Unknown" not in text.split("Findings by rule")[0].split("D-1")[0]
    assert "LK-NON-SUSPECT" in text and "Lookout L-1 was placed on a person not suspected" in text


def test_cli_findings_filters(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    with sqlite_ledger.transaction() as s:
        fx = Factory(s, sqlite_ledger.keyring)
        a, b = fx.official(id="O-A"), fx.official(id="O-B")
        fx.lookout(id="L-A", owner_id=a, status_code="non_suspect")
        fx.lookout(id="L-B", owner_id=b, status_code="non_suspect")
    env = _cli_env(sqlite_ledger, tmp_path)
    runner = CliRunner()
    out = runner.invoke(app, ["findings", "--rule", "LK-NON-SUSPECT", "--owner", "O-B", "--format", "json"], env=env)
    assert out.exit_code == 0, out.output
    assert [(f["record_id"], f["owner_id"]) for f in orjson.loads(out.stdout_bytes)] == [("L-B", "O-B")]
    bad = runner.invoke(app, ["findings", "--rule", "NO-SUCH-RULE"], env=env)
    assert bad.exit_code == 2 and "unknown rule" in bad.output
