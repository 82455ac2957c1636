"""IN-* finding rules, one by one, positive and negative, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.policy.loader import load_policy
from support.factories import Factory, audit, findings_of

T0 = "2019-01-02T10:00:00Z"


@pytest.fixture
def fx(ledger: Ledger) -> Iterator[Factory]:
    with ledger.transaction() as s:
        yield Factory(s, ledger.keyring)


def _person_with_lookout(fx: Factory, sought: tuple[str, ...] = ("Whereabouts on Jan 1",)) -> tuple[str, str]:
    person = fx.person()
    return person, fx.lookout(person, information_sought=sought)


# --- IN-PURPOSE-NOT-PURSUED ---------------------------------------------------------------


def test_purpose_pursued_after_case_folding_and_trimming(fx: Factory) -> None:
    person, lookout = _person_with_lookout(fx)
    fx.inspection(person, T0, [lookout], topics_asked=["  whereabouts ON jan 1 "])
    assert not findings_of(audit(fx), "IN-PURPOSE-NOT-PURSUED")


def test_purpose_not_pursued(fx: Factory) -> None:
    person, lookout = _person_with_lookout(fx, ("illegal crossing", "phone number of a contact"))
    bad = fx.inspection(person, T0, [lookout], id="I-BAD", topics_asked=["employer", "travel plans"])
    found = findings_of(audit(fx), "IN-PURPOSE-NOT-PURSUED")
    assert set(found) == {bad}
    msg = found[bad].message
    assert '"illegal crossing", "phone number of a contact"' in msg and '"employer", "travel plans"' in msg
    assert lookout in msg


def test_purpose_nothing_asked_is_not_pursued(fx: Factory) -> None:
    person, lookout = _person_with_lookout(fx)
    fx.inspection(person, T0, [lookout], id="I-1", topics_asked=[])
    assert set(findings_of(audit(fx), "IN-PURPOSE-NOT-PURSUED")) == {"I-1"}


def test_purpose_needs_a_documented_inspection(fx: Factory) -> None:
    person, lookout = _person_with_lookout(fx)
    fx.inspection(person, T0, [lookout], id="I-1", topics_asked=["other"], documented=False)
    result = audit(fx)
    assert not findings_of(result, "IN-PURPOSE-NOT-PURSUED")
    assert set(findings_of(result, "IN-UNDOCUMENTED")) == {"I-1"}


def test_purpose_without_any_sought_topic_is_no_finding(fx: Factory) -> None:
    person, lookout = _person_with_lookout(fx, ())
    fx.inspection(person, T0, [lookout], topics_asked=["anything"])
    assert not findings_of(audit(fx), "IN-PURPOSE-NOT-PURSUED")


def test_purpose_not_lookout_linked_is_no_finding(fx: Factory) -> None:
    person, _ = _person_with_lookout(fx)
    fx.inspection(person, T0, [], topics_asked=["anything"])
    assert not findings_of(audit(fx), "IN-PURPOSE-NOT-PURSUED")


def test_purpose_any_linked_lookout_with_topics_counts(fx: Factory) -> None:
    person = fx.person()
    no_topics = fx.lookout(person, information_sought=())
    topics = fx.lookout(person, information_sought=("incursion",))
    other = fx.lookout(person, information_sought=("marriage fraud",))
    fx.inspection(person, T0, [no_topics, topics], id="I-MISS", topics_asked=["employer"])
    fx.inspection(person, "2019-01-05T00:00:00Z", [topics, other], id="I-HIT", topics_asked=["Marriage fraud"])
    assert set(findings_of(audit(fx), "IN-PURPOSE-NOT-PURSUED")) == {"I-MISS"}


# --- IN-UNDOCUMENTED ----------------------------------------------------------------------


def test_undocumented_any_inspection(fx: Factory) -> None:
    person = fx.person()
    fx.inspection(person, T0, [], id="I-NO", documented=False)
    fx.inspection(person, "2019-01-03T00:00:00Z", [], id="I-YES", documented=True)
    found = findings_of(audit(fx), "IN-UNDOCUMENTED")
    assert set(found) == {"I-NO"}
    assert found["I-NO"].person_id == person


# --- IN-REPEAT-NO-NEW-INFO ----------------------------------------------------------------


def test_repeat_without_new_information(fx: Factory) -> None:
    person, lookout = _person_with_lookout(fx)
    fx.inspection(person, T0, [lookout], id="I-1", new_information=False)  # the first is never a repeat
    fx.inspection(person, "2019-01-10T00:00:00Z", [lookout], id="I-2", new_information=False)
    fx.inspection(person, "2019-01-20T00:00:00Z", [lookout], id="I-3", new_information=None)  # null is not false
    fx.inspection(person, "2019-01-25T00:00:00Z", [lookout], id="I-4", new_information=True)
    found = findings_of(audit(fx), "IN-REPEAT-NO-NEW-INFO")
    assert set(found) == {"I-2"}
    assert "referral number 2" in found["I-2"].message


def test_repeat_counts_only_lookout_linked_inspections(fx: Factory) -> None:
    person, lookout = _person_with_lookout(fx)
    fx.inspection(person, T0, [], id="I-0", new_information=False)  # not lookout-linked
    fx.inspection(person, "2019-01-10T00:00:00Z", [lookout], id="I-1", new_information=False)
    fx.inspection(person, "2019-01-11T00:00:00Z", [], id="I-2", new_information=False)  # not lookout-linked
    assert not findings_of(audit(fx), "IN-REPEAT-NO-NEW-INFO")


def test_repeat_tie_on_start_time_broken_by_id(fx: Factory) -> None:
    person, lookout = _person_with_lookout(fx)
    fx.inspection(person, T0, [lookout], id="I-B", new_information=False)
    fx.inspection(person, T0, [lookout], id="I-A", new_information=False)
    assert set(findings_of(audit(fx), "IN-REPEAT-NO-NEW-INFO")) == {"I-B"}


def test_repeat_is_per_person(fx: Factory) -> None:
    a, la = _person_with_lookout(fx)
    b, lb = _person_with_lookout(fx)
    fx.inspection(a, T0, [la], new_information=False)
    fx.inspection(b, "2019-01-10T00:00:00Z", [lb], new_information=False)
    assert not findings_of(audit(fx), "IN-REPEAT-NO-NEW-INFO")


# --- IN-DEVICE-SEARCH-UNJUSTIFIED ---------------------------------------------------------


def _search(fx: Factory, iid: str, **ds: object) -> None:
    person = fx.person()
    supervisor = fx.official()
    search = {"performed": True, "reason": "Contraband suspected.", "supervisor_approval_id": supervisor}
    search["findings_documented"] = True
    search.update(ds)
    fx.inspection(person, T0, [], id=iid, device_search=search)


def test_device_search_rule(fx: Factory) -> None:
    _search(fx, "I-OK")
    _search(fx, "I-NOREASON", reason=None)
    _search(fx, "I-BLANKREASON", reason="  ")
    _search(fx, "I-NOSUP", supervisor_approval_id=None)
    _search(fx, "I-NOFIND", findings_documented=False)
    _search(fx, "I-NULLFIND", findings_documented=None)
    _search(fx, "I-NOTDONE", performed=False, reason=None, supervisor_approval_id=None, findings_documented=None)
    fx.inspection(fx.person(), T0, [], id="I-NOSEARCH", device_search=None)
    found = findings_of(audit(fx), "IN-DEVICE-SEARCH-UNJUSTIFIED")
    assert set(found) == {"I-NOREASON", "I-BLANKREASON", "I-NOSUP", "I-NOFIND", "I-NULLFIND"}
    assert "no reason was stated" in found["I-NOREASON"].message
    assert "no supervisor approved it" in found["I-NOSUP"].message
    assert "were not documented" in found["I-NOFIND"].message
    assert "nobody recorded" in found["I-NULLFIND"].message
    assert "Field Guidance, Jan. 12, 2018" in found["I-NOSUP"].citation


def test_device_search_with_everything_missing_is_one_finding(fx: Factory) -> None:
    _search(fx, "I-ALL", reason=None, supervisor_approval_id=None, findings_documented=False)
    found = [f for f in audit(fx).findings if f.rule == "IN-DEVICE-SEARCH-UNJUSTIFIED"]
    assert len(found) == 1
    assert "no reason was stated; no supervisor approved it; its findings were not documented" in found[0].message


# --- IN-DURATION-ANOMALY ------------------------------------------------------------------


def test_duration_anomalies(fx: Factory) -> None:
    p = fx.person()
    fx.inspection(p, T0, [], id="I-OPEN", ended_at=None)
    fx.inspection(p, T0, [], id="I-BACKWARDS", ended_at="2019-01-02T09:00:00Z")
    fx.inspection(p, T0, [], id="I-FOUR", ended_at="2019-01-02T14:00:00Z")
    fx.inspection(p, T0, [], id="I-LONG", ended_at="2019-01-02T14:00:01Z")
    fx.inspection(p, T0, [], id="I-SIX", ended_at="2019-01-02T16:00:00Z")
    fx.inspection(p, T0, [], id="I-OK", ended_at="2019-01-02T11:00:00Z")
    fx.inspection(p, T0, [], id="I-ZERO", ended_at=T0)
    found = findings_of(audit(fx), "IN-DURATION-ANOMALY")
    assert set(found) == {"I-OPEN", "I-BACKWARDS", "I-LONG", "I-SIX"}
    assert "no end time" in found["I-OPEN"].message
    assert "before it started" in found["I-BACKWARDS"].message
    assert "6.0 hours" in found["I-SIX"].message


def test_duration_limit_comes_from_policy(fx: Factory) -> None:
    p = fx.person()
    fx.inspection(p, T0, [], id="I-FIVE", ended_at="2019-01-02T15:00:00Z")
    fx.inspection(p, T0, [], id="I-SEVEN", ended_at="2019-01-02T17:00:00Z")
    base = load_policy()
    six = dataclasses.replace(base, parameters={**base.parameters, "max_inspection_hours": 6})
    assert set(findings_of(audit(fx), "IN-DURATION-ANOMALY")) == {"I-FIVE", "I-SEVEN"}
    assert set(findings_of(audit(fx, policy=six), "IN-DURATION-ANOMALY")) == {"I-SEVEN"}


def test_offsets_do_not_change_durations(fx: Factory) -> None:
    p = fx.person()
    # 10:00-08:00 to 21:00+02:00 is 18:00Z to 19:00Z: one hour, not an anomaly
    fx.inspection(p, "2019-01-02T10:00:00-08:00", [], id="I-TZ", ended_at="2019-01-02T21:00:00+02:00")
    assert not findings_of(audit(fx), "IN-DURATION-ANOMALY")


# --- context ------------------------------------------------------------------------------


def test_inspection_context_is_owner_of_first_linked_lookout(fx: Factory) -> None:
    person = fx.person(id="P-1")
    u1, u2 = fx.unit(id="U-1"), fx.unit(id="U-2")
    first = fx.lookout(person, owner_id=fx.official(id="O-FIRST", unit_id=u1))
    second = fx.lookout(person, owner_id=fx.official(id="O-SECOND", unit_id=u2))
    fx.inspection(person, T0, [first, second], id="I-1", documented=False)
    fx.inspection(person, T0, [], id="I-0", documented=False)
    found = findings_of(audit(fx), "IN-UNDOCUMENTED")
    assert (found["I-1"].owner_id, found["I-1"].unit_id, found["I-1"].person_id) == ("O-FIRST", "U-1", "P-1")
    assert (found["I-0"].owner_id, found["I-0"].unit_id) == (None, None)
