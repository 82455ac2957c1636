"""The demo scenario, loaded and audited, reproduces every figure of the review (DHS OIG-21-62).

Each figure is checked three ways: the review's number, the SQL audit engine over the loaded
database (SQLite and PostgreSQL), and the plain Python reading of the spec in demo_checker over
the LIF records, which must agree with both.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from lookout_ledger.core import auditlog
from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.auth import User, authenticate
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import parse_instant
from lookout_ledger.demo.load import DEMO_PASSWORD, DEMO_USERS, load_demo
from lookout_ledger.demo.scenario import EVALUATE_AT, build_scenario
from lookout_ledger.history.inspections import Inspection
from lookout_ledger.history.lookouts import Lookout
from lookout_ledger.oversight.audit import AuditResult, run_audit
from support.demo_checker import (
    by_type,
    disclosure_metrics,
    lookout_metrics,
    purpose_not_pursued,
    requirement_matrix,
    sensitive_lookouts,
)

FIGURE_1 = {
    "total": 51,
    "non_suspect": 25,
    "persons_with_lookouts": 51,
    "persons_inspected": 39,
    "persons_never_inspected": 12,
    "persons_removed_after_first_referral": 5,
    "persons_active_after_first_referral": 34,
    "persons_reentered_while_active": 18,
    "persons_re_referred": 18,
    "max_referrals_one_person": 6,
    "transferred_without_notice": 31,
}
DISCLOSURE_FIGURES = {"total": 9, "us_persons_disclosed": 54, "us_persons_in_deny_entry_requests": 14}

C, X, U, NA = "compliant", "non_compliant", "unknown", "not_applicable"
KEYS = ("advisement", "marking", "channel", "encryption", "record", "retention")
APPENDIX_C = {
    "FD-1": (X, X, C, X, X, U),
    "FD-2": (U, U, C, NA, X, NA),
    "FD-3": (U, U, X, C, X, X),
    "FD-4": (X, X, X, X, X, X),
    "FD-5": (X, X, NA, X, X, X),
    "FD-6": (X, X, NA, C, X, C),
    "FD-7": (X, X, NA, C, X, C),
    "FD-8": (X, X, NA, C, X, C),
    "FD-9": (X, X, NA, C, X, C),
}


def audit(ledger: Ledger) -> AuditResult:
    with ledger.reading() as s:
        result = run_audit(s, now=parse_instant(EVALUATE_AT), review_window_days=7, policy=ledger.policy)
        result.inspections_by_person  # noqa: B018  (loaded on first use, through this session: read it while open)
        return result


@pytest.fixture
def loaded(ledger: Ledger) -> AuditResult:
    load_demo(ledger, "test")
    return audit(ledger)


def rules(result: AuditResult, rule: str) -> set[str]:
    return {f.record_id for f in result.findings if f.rule == rule}


# --- the scenario itself (no database) ---------------------------------------------------


def test_the_independent_reading_of_the_spec_gives_the_review_figures() -> None:
    records = build_scenario()
    assert lookout_metrics(records) == FIGURE_1
    assert disclosure_metrics(records) == DISCLOSURE_FIGURES
    assert {d: tuple(row[k] for k in KEYS) for d, row in requirement_matrix(records).items()} == APPENDIX_C


def test_the_scenario_is_deterministic_and_every_lookout_says_what_it_seeks() -> None:
    first, second = build_scenario(), build_scenario()
    assert first == second
    lookouts = by_type(first)["lookout"]
    assert all(lk["information_sought"] and all(t.strip() for t in lk["information_sought"]) for lk in lookouts)
    assert all(lk["basis"].strip() for lk in lookouts)


def test_travelers_are_invented_with_documents_and_double_surnames() -> None:
    persons = by_type(build_scenario())["person"]
    names = [(p["given_name"], p["family_name"]) for p in persons]
    assert len(set(names)) == len(names)
    assert any(" " in family for _, family in names), "some Hispanic double surnames"
    assert all(p["documents"] and p["documents"][0]["kind"] == "passport" for p in persons)
    assert len({d["number"] for p in persons for d in p["documents"]}) == sum(len(p["documents"]) for p in persons)


# --- loaded and audited (SQLite and PostgreSQL) --------------------------------------------


def test_figure_1_and_the_disclosure_counts(loaded: AuditResult) -> None:
    assert loaded.metrics["lookouts"] == FIGURE_1
    assert loaded.metrics["disclosures"] == DISCLOSURE_FIGURES


def test_appendix_c_cell_for_cell(loaded: AuditResult) -> None:
    matrix = {d["id"]: d["requirements"] for d in loaded.disclosures}
    assert set(matrix) == set(APPENDIX_C)
    for disclosure_id, expected in APPENDIX_C.items():
        for key, cell in zip(KEYS, expected, strict=True):
            assert matrix[disclosure_id][key] == cell, f"{disclosure_id} {key}"


def test_engine_and_independent_reading_agree_on_findings(loaded: AuditResult) -> None:
    records = build_scenario()
    assert rules(loaded, "IN-PURPOSE-NOT-PURSUED") == purpose_not_pursued(records)
    assert rules(loaded, "LK-SENSITIVE-OCCUPATION") == sensitive_lookouts(records)
    assert rules(loaded, "LK-NON-SUSPECT") == {
        lk["id"] for lk in by_type(records)["lookout"] if lk["status_code"] == "non_suspect"
    }
    assert len(rules(loaded, "LK-TRANSFER-WITHOUT-NOTICE")) == 31
    assert rules(loaded, "DS-DENY-ENTRY-REQUEST") == {"FD-1"}
    assert rules(loaded, "DS-UNAUTHORIZED") == set(APPENDIX_C), "no disclosure had the written approvals in advance"
    assert rules(loaded, "DS-REQUIREMENT") == set(APPENDIX_C)


def _person_of(records: list[dict[str, Any]], lookout_owner: str, status: str, sought_word: str) -> str:
    (lk,) = [
        lk
        for lk in by_type(records)["lookout"]
        if lk["created_by"] == lookout_owner
        and lk["status_code"] == status
        and any(sought_word in s for s in lk["information_sought"])
    ]
    return lk["person_id"]


def test_the_six_times_traveler(ledger: Ledger, loaded: AuditResult) -> None:
    records = build_scenario()
    person = _person_of(records, "OFF-EOC-2", "non_suspect", "phone number")
    assert len(loaded.inspections_by_person[person]) == 6
    with ledger.reading() as s:
        inspections = s.execute(select(Inspection).where(Inspection.person_id == person)).scalars().all()
    ids = {i.id for i in inspections}
    assert len(ids) == 6
    assert ids <= rules(loaded, "IN-PURPOSE-NOT-PURSUED"), "asked only about himself, six times"
    assert len(ids & rules(loaded, "IN-REPEAT-NO-NEW-INFO")) == 5
    (restrained,) = [i for i in inspections if i.restrained]
    assert restrained.ended_at - restrained.started_at == parse_instant("2019-01-01T06:00:00Z") - parse_instant(
        "2019-01-01T00:00:00Z"
    )
    assert restrained.ds_performed and restrained.ds_reason is None and restrained.ds_supervisor_approval_id
    assert restrained.id in rules(loaded, "IN-DEVICE-SEARCH-UNJUSTIFIED")
    assert restrained.id in rules(loaded, "IN-DURATION-ANOMALY")


def test_device_searches_three_proper_two_not(ledger: Ledger, loaded: AuditResult) -> None:
    with ledger.reading() as s:
        searched = s.execute(select(Inspection.id).where(Inspection.ds_performed.is_(True))).scalars().all()
    assert len(searched) == 5
    assert len(set(searched) & rules(loaded, "IN-DEVICE-SEARCH-UNJUSTIFIED")) == 2


def test_four_times_advocate_repeat_and_undocumented(loaded: AuditResult) -> None:
    records = build_scenario()
    person = _person_of(records, "OFF-EOC-1", "suspect", "support organization")
    inspections = sorted(
        (i for i in by_type(records)["inspection"] if i["person_id"] == person), key=lambda i: i["started_at"]
    )
    assert len(inspections) == 4
    assert [i["id"] in rules(loaded, "IN-REPEAT-NO-NEW-INFO") for i in inspections] == [False, True, True, False]
    assert rules(loaded, "IN-UNDOCUMENTED") >= {inspections[3]["id"]}


def test_messages_deleted_and_never_forwarded(loaded: AuditResult) -> None:
    comms = by_type(build_scenario())["communication"]
    whatsapp = {c["id"] for c in comms if c["channel"] == "whatsapp"}
    assert len(whatsapp) == 4
    assert rules(loaded, "RC-NOT-RETAINED") == whatsapp
    personal_unforwarded = {c["id"] for c in comms if c["account"] == "personal" and not c["forwarded_to_official_at"]}
    assert rules(loaded, "RC-UNOFFICIAL-NOT-FORWARDED") == personal_unforwarded
    assert (
        len(personal_unforwarded) == 6
    )  # four chats and two texts; the webmail sent to the office counts as forwarded


def test_press_review_removed_18_without_changing_the_figures(loaded: AuditResult) -> None:
    events = by_type(build_scenario())["lookout_event"]
    press = [e for e in events if e["kind"] == "removed" and e["at"].startswith("2019-02-14")]
    assert len(press) == 18
    assert loaded.metrics["lookouts"]["persons_removed_after_first_referral"] == 5


# --- loading and reloading -----------------------------------------------------------------


def test_reload_gives_the_same_figures_and_keeps_the_audit_log(ledger: Ledger) -> None:
    first = load_demo(ledger, "test")
    before = audit(ledger)
    second = load_demo(ledger, "test")
    after = audit(ledger)
    assert first.replaced_rows == 0 and second.replaced_rows > 0
    assert first.records == second.records and first.sha256 == second.sha256
    assert after.to_spec() == before.to_spec()
    assert [u.created for u in first.users] == [True] * 8 and [u.created for u in second.users] == [False] * 8
    with ledger.reading() as s:
        actions = Counter(s.execute(select(AuditEntry.action)).scalars())
        assert actions["demo.reload"] == 2 and actions["lif.import"] == 2
        assert auditlog.verify(s, ledger.keyring).ok
        assert s.execute(select(func.count()).select_from(Lookout)).scalar_one() == 51
        assert s.execute(select(func.count()).select_from(User)).scalar_one() == 8


def test_every_demo_user_signs_in_as_an_official_of_the_scenario(ledger: Ledger) -> None:
    summary = load_demo(ledger, "test")
    assert {u.role for u in summary.users} == {str(role) for _, role, _ in DEMO_USERS}
    with ledger.reading() as s:
        for username, role, official_id in DEMO_USERS:
            user = authenticate(s, username, DEMO_PASSWORD)
            assert user.official_id == official_id and user.has_role(role)


def test_a_failed_load_changes_nothing(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    load_demo(ledger, "test")
    before = audit(ledger).to_spec()
    with ledger.reading() as s:
        entries = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()

    def broken() -> list[dict[str, Any]]:
        records = build_scenario()
        records.append({"type": "crossing", "id": "X-BAD", "person_id": "P-NOBODY", "at": "2019-01-01T00:00:00Z",
                        "port": "San Ysidro", "referred_secondary": False, "lookout_ids": []})  # fmt: skip
        return records

    monkeypatch.setattr("lookout_ledger.demo.load.build_scenario", broken)
    with pytest.raises(Exception, match="P-NOBODY"):
        load_demo(ledger, "test")
    assert audit(ledger).to_spec() == before
    with ledger.reading() as s:
        assert s.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == entries
