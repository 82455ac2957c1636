"""The lifecycle from the command line: replay of the demo under both policies (the figures the
docs publish), `lookout sweep` twice, the timeline and the inbox, and the policy commands."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from lookout_ledger.cli import app
from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.config import Settings
from lookout_ledger.core.db import migrate
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.lookouts import reviews
from lookout_ledger.lookouts.approvals import decide
from lookout_ledger.lookouts.placement import place_lookout
from support.cli_support import invoke_as, make_simulation
from support.lifecycle_world import build_world

runner = CliRunner()
NOW = "2019-04-01T00:00:00Z"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    result = runner.invoke(app, ["--database-url", url, "demo", "--now", NOW], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return url


def replay_json(url: str, policy: str) -> dict:
    result = invoke_as(runner, "auditor", ["replay", "--policy", policy, "--now", NOW, "--json"], url=url)
    assert result.exit_code == 0, result.output
    return orjson.loads(result.stdout)


@pytest.mark.parametrize(
    ("policy", "non_suspect", "counsel"),
    [("strict", 25, 10), ("permissive", 0, 32)],
)
def test_replay_of_the_demo_gives_the_documented_figures(
    demo_db: str, policy: str, non_suspect: int, counsel: int
) -> None:
    """The table in docs/lifecycle.md: if these change, the documentation is wrong."""
    r = replay_json(demo_db, policy)
    lk, ins, persons = r["lookouts"], r["inspections"], r["persons"]
    assert lk["total"] == 51 and lk["refused"] == 40
    by_rule = {rule: len(ids) for rule, ids in lk["refused_by_rule"].items()}
    assert by_rule.get("LC-BASIS-REQUIRED") == 25 and by_rule.get("LC-FIRST-AMENDMENT") == 18
    assert by_rule.get("LC-NON-SUSPECT", 0) == non_suspect
    assert len(lk["needing_counsel"]) == counsel and len(lk["not_approved_by_second_official"]) == 10
    assert ins["total"] == 67 and ins["avoided"] == 57
    avoided = {control: len(ids) for control, ids in ins["avoided_by_control"].items()}
    assert avoided == {"LC-PLACEMENT-REFUSED": 53, "LC-POST-INSPECTION-REVIEW": 4}
    assert len(ins["repeat_referrals_avoided_by_post_inspection_rule"]) == 4
    assert len(ins["if_placed_and_approved_properly"].get("LC-POST-INSPECTION-REVIEW", [])) == 27
    assert len(persons["re_referred_in_history"]) == 18 and len(persons["re_referred_under_policy"]) == 1
    assert len(r["transfers_not_completed"]) == 31


def test_cli_sweep_twice_timeline_and_inbox(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    ledger = Ledger.open(Settings.from_env(url), clock=FixedClock("2019-01-01T00:00:00Z"))
    migrate(ledger.engine)
    make_simulation(url)  # the test replays 2019 dates
    world = build_world(ledger)
    with ledger.transaction() as s:
        lid = place_lookout(ledger, s, "alice", world.draft()).id
        decide(ledger, s, "sam", lid, "supervisor", True, "Basis and topics checked against the report.")
        world.inspection(s, lid, "P-1", ledger.now(), "I-1")
        reviews.record_inspection(ledger, s, lid, "I-1", ledger.now())
    ledger.engine.dispose()
    later = "2019-01-09T00:00:00Z"
    first = invoke_as(runner, "sam", ["sweep", "--now", later, "--json"], url=url)
    assert first.exit_code == 0, first.output
    assert orjson.loads(first.stdout)["post_inspection_disabled"] == [lid]
    second = invoke_as(runner, "sam", ["sweep", "--now", later, "--json"], url=url)
    assert orjson.loads(second.stdout)["post_inspection_disabled"] == []
    timeline = invoke_as(runner, "alice", ["lookouts", "timeline", lid, "--json"], url=url)
    assert timeline.exit_code == 0, timeline.output
    data = orjson.loads(timeline.stdout)
    kinds = [e["kind"] for e in data["timeline"]]
    assert kinds.count("referral_disabled") == 1 and "inspection" in kinds
    assert any(d["outcome"] == "referral_disabled" for d in data["decisions"])
    inbox = invoke_as(runner, "alice", ["inbox"], url=url)
    assert inbox.exit_code == 0, inbox.output
    assert "referral disabled" in inbox.output


def test_policy_show_and_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # nothing the commands open may land in the working tree
    shown = runner.invoke(app, ["policy", "show"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "tecs-directive-strict" in shown.output and "LC-POST-INSPECTION-REVIEW" in shown.output
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nversion = "1"\n', encoding="utf-8")
    checked = runner.invoke(app, ["policy", "check", str(bad)])
    assert checked.exit_code != 0 and "effective" in checked.output
    assert list(tmp_path.iterdir()) == [bad], "showing or checking a policy created files"
