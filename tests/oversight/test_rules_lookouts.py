"""LK-* finding rules, one by one, positive and negative, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lookout_ledger.core.ledger import Ledger
from support.factories import Factory, audit, findings_of

T0 = "2019-01-02T10:00:00Z"  # inspection start used throughout
END = "2019-01-09T10:00:00Z"  # T0 + 7 days: the end of the review window


@pytest.fixture
def fx(ledger: Ledger) -> Iterator[Factory]:
    with ledger.transaction() as s:
        yield Factory(s, ledger.keyring)


def test_non_suspect(fx: Factory) -> None:
    bad = fx.lookout(id="L-NS", status_code="non_suspect")
    fx.lookout(id="L-S", status_code="suspect")
    found = findings_of(audit(fx), "LK-NON-SUSPECT")
    assert set(found) == {bad}
    f = found[bad]
    assert f.record_type == "lookout" and "non_suspect" in f.message and "4320-003" in f.citation


def test_no_basis_null_blank_or_nothing_sought(fx: Factory) -> None:
    fx.lookout(id="L-NULL", basis=None)
    fx.lookout(id="L-BLANK", basis=" \t\n")
    fx.lookout(id="L-NOTOPIC", information_sought=[])
    fx.lookout(id="L-OK")
    found = findings_of(audit(fx), "LK-NO-BASIS")
    assert set(found) == {"L-NULL", "L-BLANK", "L-NOTOPIC"}
    assert "no narrative basis" in found["L-BLANK"].message
    assert "no information sought" in found["L-NOTOPIC"].message


def test_no_basis_both_missing_is_one_finding(fx: Factory) -> None:
    fx.lookout(id="L-X", basis=None, information_sought=[])
    found = [f for f in audit(fx).findings if f.rule == "LK-NO-BASIS"]
    assert len(found) == 1
    assert "no narrative basis and no information sought" in found[0].message


def test_not_approved_missing_or_self_approved(fx: Factory) -> None:
    owner = fx.official(id="O-OWN")
    fx.lookout(id="L-NONE", owner_id=owner, approved_by=None)
    fx.lookout(id="L-SELF", owner_id=owner, approved_by=owner)
    other_creator = fx.official(id="O-CREATE")
    fx.lookout(id="L-SELF2", owner_id=owner, created_by=other_creator, approved_by=other_creator)
    fx.lookout(id="L-OK", owner_id=owner, approved_by=fx.official())
    # approved by the owner, who is not the creator: a second official approved it
    fx.lookout(id="L-OWNER-OK", owner_id=owner, created_by=other_creator, approved_by=owner)
    found = findings_of(audit(fx), "LK-NOT-APPROVED")
    assert set(found) == {"L-NONE", "L-SELF", "L-SELF2"}
    assert "never approved" in found["L-NONE"].message
    assert "own creator" in found["L-SELF"].message


def _inspected(fx: Factory, lookout_id: str = "L-1", start: str = T0) -> str:
    person = fx.person()
    lookout = fx.lookout(person, id=lookout_id)
    fx.inspection(person, start, [lookout])
    return lookout


def test_stale_when_nothing_happens_in_the_window(fx: Factory) -> None:
    lookout = _inspected(fx)
    found = findings_of(audit(fx, now="2019-02-01T00:00:00Z"), "LK-STALE-AFTER-INSPECTION")
    assert set(found) == {lookout}
    assert "7 days" in found[lookout].message and "I-" in found[lookout].message


def test_stale_is_judged_at_the_evaluation_time(fx: Factory) -> None:
    _inspected(fx)
    assert not findings_of(audit(fx, now=END), "LK-STALE-AFTER-INSPECTION")  # exactly the window: not more
    assert findings_of(audit(fx, now="2019-01-09T10:00:01Z"), "LK-STALE-AFTER-INSPECTION")


@pytest.mark.parametrize("kind", ["reviewed", "modified", "referral_disabled", "removed"])
def test_re_evaluation_inside_the_window_clears_it(fx: Factory, kind: str) -> None:
    lookout = _inspected(fx)
    fx.event(lookout, kind, "2019-01-05T00:00:00Z")
    assert not findings_of(audit(fx), "LK-STALE-AFTER-INSPECTION")


def test_review_window_boundary_is_inclusive(fx: Factory) -> None:
    on_time = _inspected(fx, "L-ON-TIME")
    fx.event(on_time, "reviewed", END)
    late = _inspected(fx, "L-LATE")
    fx.event(late, "reviewed", "2019-01-09T10:00:01Z")
    assert set(findings_of(audit(fx), "LK-STALE-AFTER-INSPECTION")) == {late}


def test_window_length_comes_from_the_parameter(fx: Factory) -> None:
    lookout = _inspected(fx)
    fx.event(lookout, "reviewed", "2019-01-12T00:00:00Z")  # day 9.6
    assert findings_of(audit(fx, window=7), "LK-STALE-AFTER-INSPECTION")
    assert not findings_of(audit(fx, window=10), "LK-STALE-AFTER-INSPECTION")


def test_disabled_only_after_the_window_is_still_stale(fx: Factory) -> None:
    lookout = _inspected(fx)
    fx.event(lookout, "referral_disabled", "2019-01-20T00:00:00Z")
    assert findings_of(audit(fx), "LK-STALE-AFTER-INSPECTION")


def test_events_before_the_inspection_do_not_count_as_re_evaluation(fx: Factory) -> None:
    lookout = _inspected(fx)
    fx.event(lookout, "reviewed", "2019-01-01T00:00:00Z")
    assert findings_of(audit(fx), "LK-STALE-AFTER-INSPECTION")


def test_lookout_already_disabled_is_not_stale(fx: Factory) -> None:
    lookout = _inspected(fx)
    fx.event(lookout, "referral_disabled", "2019-01-01T00:00:00Z")
    assert not findings_of(audit(fx), "LK-STALE-AFTER-INSPECTION")


def test_re_enabled_lookout_is_stale(fx: Factory) -> None:
    lookout = _inspected(fx)
    fx.event(lookout, "referral_disabled", "2018-12-20T00:00:00Z")
    fx.event(lookout, "referral_enabled", "2018-12-25T00:00:00Z")
    assert findings_of(audit(fx), "LK-STALE-AFTER-INSPECTION")


def test_stale_is_one_finding_per_lookout(fx: Factory) -> None:
    person = fx.person()
    lookout = fx.lookout(person, id="L-1")
    first = fx.inspection(person, T0, [lookout], id="I-1")
    fx.inspection(person, "2019-01-20T10:00:00Z", [lookout], id="I-2")
    found = [f for f in audit(fx).findings if f.rule == "LK-STALE-AFTER-INSPECTION"]
    assert len(found) == 1
    assert first in found[0].message


def test_stale_after_second_inspection_only(fx: Factory) -> None:
    person = fx.person()
    lookout = fx.lookout(person, id="L-1")
    fx.inspection(person, T0, [lookout], id="I-1")
    fx.event(lookout, "reviewed", "2019-01-03T00:00:00Z")
    fx.inspection(person, "2019-01-20T10:00:00Z", [lookout], id="I-2")
    found = findings_of(audit(fx), "LK-STALE-AFTER-INSPECTION")
    assert "I-2" in found["L-1"].message


def test_transfer_without_notice(fx: Factory) -> None:
    for lid, notice in (("L-NULL", None), ("L-FALSE", False), ("L-TRUE", True)):
        fx.lookout(id=lid)
        fx.event(lid, "transferred", "2019-01-30T00:00:00Z", notice=notice, to_owner_id=fx.official(id=f"O-{lid}"))
    fx.lookout(id="L-MODIFIED")
    fx.event("L-MODIFIED", "modified", "2019-01-30T00:00:00Z")
    found = findings_of(audit(fx), "LK-TRANSFER-WITHOUT-NOTICE")
    assert set(found) == {"L-NULL", "L-FALSE"}
    assert "O-L-NULL" in found["L-NULL"].message and "no notice was recorded" in found["L-NULL"].message
    assert "no notice was given" in found["L-FALSE"].message


def test_two_transfers_without_notice_are_one_finding(fx: Factory) -> None:
    fx.lookout(id="L-1")
    fx.event("L-1", "transferred", "2019-01-30T00:00:00Z")
    fx.event("L-1", "transferred", "2019-02-02T00:00:00Z", notice=False)
    found = [f for f in audit(fx).findings if f.rule == "LK-TRANSFER-WITHOUT-NOTICE"]
    assert len(found) == 1 and "2 transfers" in found[0].message


@pytest.mark.parametrize("occupation", ["journalist", "attorney", "advocate", "photographer", "clergy"])
def test_sensitive_occupation(fx: Factory, occupation: str) -> None:
    person = fx.person(id="P-S", occupation=occupation)
    fx.lookout(person, id="L-S")
    fx.lookout(fx.person(occupation="other"), id="L-OTHER")
    fx.lookout(fx.person(occupation=None), id="L-NONE")
    found = findings_of(audit(fx), "LK-SENSITIVE-OCCUPATION")
    assert set(found) == {"L-S"}
    assert found["L-S"].person_id == "P-S" and occupation in found["L-S"].message
    assert "552a(e)(7)" in found["L-S"].citation


def test_lookout_finding_context_is_owner_and_unit(fx: Factory) -> None:
    unit = fx.unit(id="U-EOC")
    owner = fx.official(id="O-1", unit_id=unit)
    person = fx.person(id="P-1")
    fx.lookout(person, id="L-1", owner_id=owner, created_at="2018-12-01T08:00:00-08:00", status_code="non_suspect")
    (f,) = findings_of(audit(fx), "LK-NON-SUSPECT").values()
    assert (f.person_id, f.owner_id, f.unit_id) == ("P-1", "O-1", "U-EOC")
    assert f.at is not None and f.at.isoformat() == "2018-12-01T16:00:00+00:00"
