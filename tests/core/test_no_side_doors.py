"""Issue 10: every bypass a tester found, reproduced, now failing closed with its rule, reason and
remedy, on SQLite and PostgreSQL, through the CLI, the API and the pages.

Each test names the bypass it closes. The CLI tests run the real `lookout` app against the
engine under test; the API and page tests sign in through the web app.
"""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from lookout_ledger.cli import app
from lookout_ledger.core import auditlog
from lookout_ledger.core.auth import User
from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.errors import Refusal
from lookout_ledger.core.header import DatabaseKind, LedgerHeader
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.demo.load import load_demo
from lookout_ledger.disclosures.drafts import can_give
from lookout_ledger.history.crossings import Crossing, CrossingLookout
from lookout_ledger.inspections.service import start_inspection
from lookout_ledger.interchange.importer import import_lif
from lookout_ledger.interchange.provenance import provenance_of
from lookout_ledger.lookouts import approvals
from lookout_ledger.lookouts.placement import place_lookout
from lookout_ledger.lookouts.state import referral_state
from lookout_ledger.org.models import Official
from lookout_ledger.org.titles import confirm_title
from lookout_ledger.records.archive_models import LegalHold
from lookout_ledger.screening.matcher import Presented
from lookout_ledger.screening.service import screen_traveler
from lookout_ledger.server import create_app
from support.cli_support import PASSWORD, invoke_as
from support.lifecycle_world import PASSWORD as WORLD_PASSWORD
from support.screening_world import screening_world

runner = CliRunner()
KEY_ENV = {"LOOKOUT_KEY": base64.b64encode(bytes(range(32))).decode(), "COLUMNS": "200"}


def as_record(ledger: Ledger) -> None:
    """Make the test database a system of record (the suite's databases are simulations)."""
    with ledger.transaction() as s:
        s.execute(update(LedgerHeader).values(kind=str(DatabaseKind.RECORD)))
    ledger.set_kind(DatabaseKind.RECORD)


def cli(url: str, *args: str, user: str | None = None, env: dict[str, str] | None = None):
    return invoke_as(runner, user, list(args), url=url, env={**KEY_ENV, **(env or {})})


def refusal_of(result) -> Refusal:
    assert isinstance(result.exception, Refusal), result.output
    return result.exception


# --- 1. the CLI authenticates; administration needs the admin role and a second admin --------------


def test_the_cli_bootstrap_runs_once_and_needs_two_admins_in_a_system_of_record(database_url: str) -> None:
    _wipe_header(database_url)
    env = {"LOOKOUT_NEW_PASSWORD": PASSWORD}
    one = cli(database_url, "init", "--admin", "ada", env=env)
    assert refusal_of(one).rule == "SYS-TWO-PERSON-GRANT"
    two = cli(database_url, "init", "--admin", "ada", "--admin", "bea", env=env)
    assert two.exit_code == 0, two.output
    again = cli(database_url, "init", "--admin", "eve", "--admin", "mal", env=env)
    r = refusal_of(again)
    assert r.rule == "SYS-BOOTSTRAP-ONCE" and "lookout users add" in r.remedy


def test_nobody_grants_a_role_alone(database_url: str) -> None:
    """Bypass: a lookout owner created a supervisor account and approved his own lookout."""
    _wipe_header(database_url)
    env = {"LOOKOUT_NEW_PASSWORD": PASSWORD}
    assert cli(database_url, "init", "--admin", "ada", "--admin", "bea", env=env).exit_code == 0
    nobody = cli(database_url, "users", "add", "owen", "--role", "lookout_owner", env=env)
    assert refusal_of(nobody).rule == "SYS-AUTHENTICATED"
    added = cli(database_url, "users", "add", "owen", "--role", "lookout_owner", user="ada", env=env)
    assert added.exit_code == 0 and "pending" in added.output
    owen = cli(database_url, "users", "add", "sly", "--role", "supervisor", user="owen", env=env)
    assert refusal_of(owen).rule == "SYS-ROLE-REQUIRED"  # holds no role at all until approved
    grant = added.output.split("rg-")[1].split()[0]
    own = cli(database_url, "users", "approve", f"rg-{grant}", user="ada")
    assert refusal_of(own).rule == "SYS-TWO-PERSON-GRANT"
    self_grant = cli(database_url, "users", "grant", "ada", "--role", "supervisor", user="ada")
    assert refusal_of(self_grant).rule == "SYS-TWO-PERSON-GRANT"
    assert cli(database_url, "users", "approve", f"rg-{grant}", user="bea").exit_code == 0
    who = cli(database_url, "whoami", user="owen")
    assert "lookout_owner" in who.output and "record" in who.output
    assert cli(database_url, "users", "revoke", "owen", "--role", "lookout_owner", user="bea").exit_code == 0
    assert "(none)" in cli(database_url, "whoami", user="owen").output  # withdrawn at the next command


def test_login_stores_a_private_token_and_logout_ends_it(database_url: str, tmp_path: Path) -> None:
    _wipe_header(database_url)
    env = {"LOOKOUT_NEW_PASSWORD": PASSWORD, "LOOKOUT_PASSWORD": PASSWORD}
    assert cli(database_url, "init", "--admin", "ada", "--admin", "bea", env=env).exit_code == 0
    wrong = cli(database_url, "login", "ada", env={"LOOKOUT_PASSWORD": "not the password at all"})
    assert wrong.exit_code != 0 and "unknown user or wrong password" in str(wrong.exception)
    ok = cli(database_url, "login", "ada", env=env)
    assert ok.exit_code == 0, ok.output
    sessions = Path(ok.output.split("token in ")[1].split(")")[0].replace("\n", ""))
    assert sessions.stat().st_mode & 0o777 == 0o600
    assert "ada" in runner.invoke(app, ["--database-url", database_url, "whoami"], env=KEY_ENV).output
    assert runner.invoke(app, ["--database-url", database_url, "logout"], env=KEY_ENV).exit_code == 0
    after = runner.invoke(app, ["--database-url", database_url, "whoami"], env=KEY_ENV)
    assert refusal_of(after).rule == "SYS-AUTHENTICATED"


def test_the_as_option_is_gone() -> None:
    result = runner.invoke(app, ["--as", "supervisor", "whoami"])
    assert result.exit_code != 0 and "No such option" in result.output


# --- 2. imports are history, not authority ---------------------------------------------------------


def _lif(*records: dict) -> io.BytesIO:
    header = {
        "type": "header",
        "format": "lif",
        "version": 1,
        "source": "other-agency",
        "exported_at": "2026-01-01T00:00:00Z",
    }
    return io.BytesIO(b"\n".join(orjson.dumps(r) for r in (header, *records)))


def test_an_imported_lookout_refers_nobody_until_adopted_under_the_policy(ledger: Ledger, clock: FixedClock) -> None:
    """Bypass: an imported lookout on a journalist, no suspicion, no nexus, no counsel, referred her."""
    screening_world(ledger)
    now = ledger.now()
    journalist = {
        "type": "person",
        "id": "P-JOURNO",
        "given_name": "Inés",
        "family_name": "Calderón Ruiz",
        "date_of_birth": "1984-02-02",
        "us_person": True,
        "occupation": "journalist",
    }
    lookout = {
        "type": "lookout",
        "id": "LK-JOURNO",
        "person_id": "P-JOURNO",
        "owner_id": "O-ALICE",
        "created_at": (now - timedelta(days=3)).isoformat(),
        "status_code": "non_suspect",
        "action": "refer_secondary",
        "approved_by": "O-SAM",
        "approved_at": (now - timedelta(days=2)).isoformat(),
    }
    report = import_lif(ledger, _lif(journalist, lookout), actor="alice")
    clock.advance(seconds=2)
    with ledger.reading() as s:
        state = referral_state(s, "LK-JOURNO", ledger.now(), ledger.policy)
        (prov,) = provenance_of(s, "lookout", "LK-JOURNO")
    assert not state.refers and "LC-ADOPTION" in [b.rule for b in state.reasons]
    assert prov.file_sha256 == report.sha256 and prov.line == 3  # the file and line that asserted it
    traveler = Presented.from_dict(
        {"id": "t", "given_name": "Inés", "family_name": "Calderón Ruiz", "date_of_birth": "1984-02-02"}, "t"
    )
    assert not screen_traveler(ledger, "pat", traveler, "San Ysidro").refer
    with ledger.transaction() as s, pytest.raises(Refusal) as refused:
        from lookout_ledger.lookouts.placement import adopt_lookout

        adopt_lookout(ledger, s, "alice", "LK-JOURNO", expires_at=ledger.now() + timedelta(days=30))
    assert refused.value.rule in {"LC-BASIS-REQUIRED", "LC-NON-SUSPECT", "LC-FIRST-AMENDMENT"}


def test_adoption_through_the_api_needs_fresh_approvals(ledger: Ledger, clock: FixedClock) -> None:
    screening_world(ledger)
    now = ledger.now()
    lookout = {
        "type": "lookout",
        "id": "LK-IMP",
        "person_id": "P-MX",
        "owner_id": "O-ALICE",
        "created_at": (now - timedelta(days=3)).isoformat(),
        "status_code": "suspect",
        "suspected_activity": "alien smuggling",
        "basis": "Seen guiding a group through the fence gap; the vehicle is registered to him.",
        "information_sought": ["Who arranged the crossing"],
        "action": "refer_secondary",
        "approved_by": "O-SAM",
        "approved_at": (now - timedelta(days=2)).isoformat(),
    }
    import_lif(ledger, _lif(lookout), actor="alice")
    client = TestClient(create_app(ledger), base_url="http://testserver")
    r = client.post("/api/session", json={"username": "alice", "password": WORLD_PASSWORD})
    headers = {"X-CSRF-Token": r.json()["csrf_token"]}
    expires = (now + timedelta(days=30)).isoformat()
    r = client.post("/api/lookouts/LK-IMP/adopt", json={"expires_at": expires}, headers=headers)
    assert r.status_code == 200, r.text
    rules = [b["rule"] for b in r.json()["state"]["reasons"]]
    assert "LC-ADOPTION" not in rules and "LC-APPROVAL-REQUIRED" in rules  # the imported approval counts for nothing
    again = client.post("/api/lookouts/LK-IMP/adopt", json={"expires_at": expires}, headers=headers)
    assert again.status_code == 400 and "already" in again.json()["error"]


def test_an_imported_title_grants_nothing_until_an_admin_confirms_it(ledger: Ledger) -> None:
    """Bypass: an import re-titled an official "commissioner", and his determination passed."""
    screening_world(ledger)
    unit = {"type": "unit", "id": "U-HQ", "name": "Headquarters"}
    official = {"type": "official", "id": "O-COMM", "name": "An Official", "unit_id": "U-HQ", "role": "commissioner"}
    import_lif(ledger, _lif(unit, official), actor="alice")
    with ledger.transaction() as s:
        o = s.get(Official, "O-COMM")
        assert o.title_confirmed_by is None
        assert not can_give(s, {"supervisor"}, o, "commissioner")
        s.add(User(username="root", display_name="root", password_hash="x", active=True, created_at=ledger.now()))
        from lookout_ledger.core.auth import UserRole

        s.add(UserRole(username="root", role="admin"))
        s.flush()
        confirm_title(s, "root", "O-COMM", "commissioner")
        assert can_give(s, {"supervisor"}, s.get(Official, "O-COMM"), "commissioner")
    retitled = {**official, "role": "deputy commissioner"}
    import_lif(ledger, _lif(unit, retitled), actor="alice", update=True)
    with ledger.reading() as s:
        assert s.get(Official, "O-COMM").title_confirmed_by is None  # an import that changes it clears it


def test_imported_approvals_are_claims_in_the_audit(ledger: Ledger) -> None:
    """Bypass: an imported disclosure claiming approvals "in advance" audited as compliant."""
    load_demo(ledger, "tester")
    from lookout_ledger.oversight.audit import run_audit

    with ledger.reading() as s:
        spec = run_audit(s, now=ledger.now(), policy=ledger.policy).to_spec()
    by_id = {d["id"]: d for d in spec["disclosures"]}
    assert {d["approvals"] for d in by_id.values()} <= {"claimed", "none"}
    assert any(d["approvals"] == "claimed" for d in by_id.values())  # the scenario's approvals are the file's


def test_an_imported_record_shows_where_it_came_from(ledger: Ledger) -> None:
    from lookout_ledger.demo.load import DEMO_PASSWORD
    from lookout_ledger.history.lookouts import Lookout

    load_demo(ledger, "tester")
    with ledger.reading() as s:
        lid = s.execute(select(Lookout.id).order_by(Lookout.id).limit(1)).scalar_one()
    client = TestClient(create_app(ledger), base_url="http://testserver")
    assert client.post("/api/session", json={"username": "auditor", "password": DEMO_PASSWORD}).status_code == 200
    api = client.get(f"/api/records/lookout/{lid}").json()
    assert api["provenance"] and api["provenance"][0]["line"] > 1
    page = client.get(f"/records/lookout/{lid}")
    assert page.status_code == 200 and "history, not authority" in page.text


# --- 4. the demo goes into a database of its own -----------------------------------------------------


def test_the_demo_refuses_a_database_with_other_records_and_any_hold(ledger: Ledger) -> None:
    """Bypass: `lookout demo` run by a port officer wiped every record, one under legal hold."""
    screening_world(ledger)
    with pytest.raises(Refusal) as info:
        load_demo(ledger, "pat")
    assert info.value.rule == "SYS-DEMO-OWN-DATABASE" and "demo.db" in info.value.remedy
    with ledger.reading() as s:
        assert s.get(Official, "O-ALICE") is not None  # nothing was removed


def test_a_demo_reload_never_removes_a_record_under_hold(ledger: Ledger) -> None:
    load_demo(ledger, "tester")
    with ledger.transaction() as s:
        s.add(LegalHold(id="H-1", reason="litigation", placed_by="records", placed_at=ledger.now()))
    with pytest.raises(Refusal) as info:
        load_demo(ledger, "tester")
    assert info.value.rule == "SYS-HOLD" and "H-1" in info.value.reason


# --- 5. system time for everything that happens ------------------------------------------------------


def test_a_stated_clock_cannot_write_to_a_system_of_record(ledger: Ledger) -> None:
    """Bypass: approvals and notes with --now before the facts they support."""
    screening_world(ledger)
    as_record(ledger)
    with pytest.raises(Refusal) as info, ledger.transaction():
        pass
    assert info.value.rule == "SYS-SYSTEM-TIME" and "simulation" in info.value.remedy


def test_an_approval_cannot_predate_its_request(ledger: Ledger, clock: FixedClock) -> None:
    from support.lifecycle_world import build_world

    world = build_world(ledger)
    with ledger.transaction() as s:
        lid = place_lookout(ledger, s, "alice", world.draft()).id
    clock.advance(days=-1)
    with ledger.transaction() as s, pytest.raises(Refusal) as info:
        approvals.decide(ledger, s, "sam", lid, "supervisor", True, "Checked the basis against the report.")
    assert info.value.rule == "SYS-SYSTEM-TIME" and "postdates" in info.value.reason


@pytest.mark.tampers  # entries dated backwards on purpose
def test_verify_fails_a_system_of_record_whose_entries_run_backwards(ledger: Ledger, clock: FixedClock) -> None:
    screening_world(ledger)
    clock.advance(days=-10)
    with ledger.transaction() as s:
        ledger.audit(s, "tester", "test.backdated")
    with ledger.reading() as s:
        sim = auditlog.verify(s, ledger.keyring)
    assert sim.ok and sim.warnings and sim.warnings[0].kind == "out_of_time_order"
    as_record(ledger)
    with ledger.reading() as s:
        rec = auditlog.verify(s, ledger.keyring)
    assert not rec.ok and rec.first is not None and rec.first.kind == "out_of_time_order"


# --- 7. an inspection starts only from a referral valid now ------------------------------------------


def _referred_crossing(ledger: Ledger) -> str:
    screening_world(ledger)
    traveler = Presented.from_dict(
        {"id": "t", "given_name": "José María", "family_name": "García López", "date_of_birth": "1980-03-07"}, "t"
    )
    result = screen_traveler(ledger, "pat", traveler, "San Ysidro")
    assert result.refer
    return result.crossing_ids[0]


def test_an_inspection_cannot_start_from_a_referral_whose_lookout_was_removed(ledger: Ledger) -> None:
    cid = _referred_crossing(ledger)
    from lookout_ledger.lookouts.common import add_event

    with ledger.transaction() as s:
        add_event(s, "LK-MX", "removed", ledger.now(), actor_id="O-ALICE", reason="No longer needed.")
    with ledger.transaction() as s, pytest.raises(Refusal) as info:
        start_inspection(ledger, s, "pat", cid)
    assert info.value.rule == "SYS-REFERRAL-NOW" and "LC-REMOVED" in info.value.reason


def test_an_inspection_cannot_start_from_a_stale_referral(ledger: Ledger, clock: FixedClock) -> None:
    cid = _referred_crossing(ledger)
    clock.advance(days=3)
    with ledger.transaction() as s, pytest.raises(Refusal) as info:
        start_inspection(ledger, s, "pat", cid)
    assert info.value.rule == "SYS-REFERRAL-NOW" and "24 hours" in info.value.reason
    with ledger.reading() as s:
        assert s.execute(select(CrossingLookout).where(CrossingLookout.crossing_id == cid)).first() is not None
        assert s.get(Crossing, cid) is not None


# --- helpers --------------------------------------------------------------------------------------


def _wipe_header(url: str) -> None:
    """A fresh database as `lookout init` finds it: no header, no users."""
    from support.cli_support import app_session

    with app_session(url) as s:
        s.execute(LedgerHeader.__table__.delete())


# --- issue 16, item 5: passwords of the 800-63B kind; changing one's own on the command line ------


def test_weak_passwords_are_refused_at_bootstrap_and_for_new_users(database_url: str) -> None:
    _wipe_header(database_url)
    weak = cli(database_url, "init", "--admin", "ada", "--admin", "bea", env={"LOOKOUT_NEW_PASSWORD": "12345678"})
    assert weak.exit_code != 0 and "password for ada: this password cannot be used" in str(weak.exception)
    env = {"LOOKOUT_NEW_PASSWORD": PASSWORD}
    assert cli(database_url, "init", "--admin", "ada", "--admin", "bea", env=env).exit_code == 0

    def add_owen(password: str) -> object:
        return cli(
            database_url,
            "users",
            "add",
            "owen",
            "--role",
            "auditor",
            user="ada",
            env={"LOOKOUT_NEW_PASSWORD": password},
        )

    assert "common password" in str(add_owen("iloveyou1234").exception)
    assert "contains 'owen'" in str(add_owen("owen-at-the-port").exception)
    assert cli(database_url, "users", "add", "owen", "--role", "auditor", user="ada", env=env).exit_code == 0


def test_password_changes_on_the_command_line_and_ends_other_sessions(database_url: str) -> None:
    _wipe_header(database_url)
    env = {"LOOKOUT_NEW_PASSWORD": PASSWORD, "LOOKOUT_PASSWORD": PASSWORD}
    assert cli(database_url, "init", "--admin", "ada", "--admin", "bea", env=env).exit_code == 0
    assert cli(database_url, "login", "ada", env=env).exit_code == 0
    new = "violet canyon harbour drum"
    wrong = cli(database_url, "password", env={"LOOKOUT_PASSWORD": "not it at all", "LOOKOUT_NEW_PASSWORD": new})
    assert wrong.exit_code != 0 and "unknown user or wrong password" in str(wrong.exception)
    short = cli(database_url, "password", env={"LOOKOUT_PASSWORD": PASSWORD, "LOOKOUT_NEW_PASSWORD": "short one"})
    assert "new password: this password cannot be used" in str(short.exception)
    ok = cli(database_url, "password", env={"LOOKOUT_PASSWORD": PASSWORD, "LOOKOUT_NEW_PASSWORD": new})
    assert ok.exit_code == 0 and "password changed for ada" in ok.output, ok.output
    assert "ada" in cli(database_url, "whoami").output  # this command line's own sign-in stays
    assert cli(database_url, "login", "ada", env={"LOOKOUT_PASSWORD": PASSWORD}).exit_code != 0
    assert cli(database_url, "login", "ada", env={"LOOKOUT_PASSWORD": new}).exit_code == 0
