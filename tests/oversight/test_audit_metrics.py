"""Figure 1 and disclosure metrics: each definition, its boundaries and the readings in docs/audit-rules.md."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from lookout_ledger.core.ledger import Ledger
from support.factories import Factory, audit

T0 = "2019-01-02T10:00:00Z"  # first inspection starts
IN_WINDOW = "2019-01-05T00:00:00Z"
END = "2019-01-09T10:00:00Z"  # T0 + 7 days


@pytest.fixture
def fx(ledger: Ledger) -> Iterator[Factory]:
    with ledger.transaction() as s:
        yield Factory(s, ledger.keyring)


def lk(fx: Factory, **kw: object) -> dict[str, int]:
    return audit(fx, **kw).metrics["lookouts"]  # type: ignore[arg-type]


def _referred(fx: Factory, pid: str, *lookout_ids: str, start: str = T0) -> tuple[str, list[str]]:
    """A person with lookouts, a crossing and the lookout-linked inspection it caused."""
    person = fx.person(id=pid)
    lookouts = [fx.lookout(person, id=x) for x in (lookout_ids or (f"L-{pid}",))]
    crossing = fx.crossing(person, start, lookout_ids=lookouts)
    fx.inspection(person, start, lookouts, crossing_id=crossing, id=f"I-{pid}")
    return person, lookouts


def test_counts_of_lookouts_and_persons(fx: Factory) -> None:
    a, b, c = fx.person(), fx.person(), fx.person()
    la = fx.lookout(a, status_code="non_suspect")
    fx.lookout(a)
    fx.lookout(b, status_code="non_suspect")
    fx.inspection(a, T0, [la])
    fx.inspection(c, T0, [])  # an inspection with no lookout does not make c inspected
    m = lk(fx)
    assert (m["total"], m["non_suspect"], m["persons_with_lookouts"]) == (3, 2, 2)
    assert (m["persons_inspected"], m["persons_never_inspected"]) == (1, 1)


def test_inspection_linked_to_someone_elses_lookout_does_not_count(fx: Factory) -> None:
    a, b = fx.person(), fx.person()
    la = fx.lookout(a)
    fx.lookout(b)
    fx.inspection(b, T0, [la])
    m = lk(fx)
    assert (m["persons_inspected"], m["persons_never_inspected"]) == (0, 2)


def test_removed_after_first_referral(fx: Factory) -> None:
    _, (lookout,) = _referred(fx, "P-1")
    fx.event(lookout, "referral_disabled", IN_WINDOW)
    _, (removed,) = _referred(fx, "P-2")
    fx.event(removed, "removed", IN_WINDOW)
    _referred(fx, "P-3")  # never disabled
    m = lk(fx)
    assert m["persons_inspected"] == 3
    assert (m["persons_removed_after_first_referral"], m["persons_active_after_first_referral"]) == (2, 1)


def test_window_boundary_is_inclusive(fx: Factory) -> None:
    _, (on_time,) = _referred(fx, "P-1")
    fx.event(on_time, "referral_disabled", END)
    _, (late,) = _referred(fx, "P-2")
    fx.event(late, "referral_disabled", "2019-01-09T10:00:01Z")
    m = lk(fx)
    assert (m["persons_removed_after_first_referral"], m["persons_active_after_first_referral"]) == (1, 1)
    assert lk(fx, window=8)["persons_removed_after_first_referral"] == 2


def test_disable_must_come_after_the_inspection_started(fx: Factory) -> None:
    _, (lookout,) = _referred(fx, "P-1")
    fx.event(lookout, "referral_disabled", "2019-01-01T00:00:00Z")
    assert lk(fx)["persons_removed_after_first_referral"] == 0


def test_every_linked_lookout_must_be_disabled(fx: Factory) -> None:
    _, (first, second) = _referred(fx, "P-1", "L-A", "L-B")
    fx.event(first, "referral_disabled", IN_WINDOW)
    assert lk(fx)["persons_removed_after_first_referral"] == 0
    fx.event(second, "removed", IN_WINDOW)
    assert lk(fx)["persons_removed_after_first_referral"] == 1


def test_disable_must_come_before_the_next_crossing(fx: Factory) -> None:
    person, (lookout,) = _referred(fx, "P-1")
    fx.crossing(person, "2019-01-04T00:00:00Z")
    fx.event(lookout, "referral_disabled", IN_WINDOW)
    m = lk(fx)
    assert (m["persons_removed_after_first_referral"], m["persons_active_after_first_referral"]) == (0, 1)
    assert m["persons_reentered_while_active"] == 1  # crossed on Jan 4 with the lookout still enabled


def test_disable_at_the_instant_of_the_next_crossing_is_too_late(fx: Factory) -> None:
    person, (lookout,) = _referred(fx, "P-1")
    fx.crossing(person, IN_WINDOW)
    fx.event(lookout, "referral_disabled", IN_WINDOW)
    assert lk(fx)["persons_removed_after_first_referral"] == 0


def test_the_inspections_own_crossing_is_not_the_next_crossing(fx: Factory) -> None:
    person = fx.person(id="P-1")
    lookout = fx.lookout(person)
    # the crossing record is stamped a minute after the inspection started (hand-entered times)
    own = fx.crossing(person, "2019-01-02T10:01:00Z", lookout_ids=[lookout])
    fx.inspection(person, T0, [lookout], crossing_id=own)
    fx.event(lookout, "referral_disabled", IN_WINDOW)
    m = lk(fx)
    assert m["persons_removed_after_first_referral"] == 1
    assert m["persons_reentered_while_active"] == 0


def test_first_referral_is_the_earliest_linked_inspection(fx: Factory) -> None:
    person = fx.person()
    lookout = fx.lookout(person)
    other = fx.lookout(person)
    fx.inspection(person, "2018-12-20T00:00:00Z", [])  # not lookout-linked: ignored
    fx.inspection(person, "2019-01-20T00:00:00Z", [other])
    fx.inspection(person, T0, [lookout])  # earliest linked inspection
    fx.event(lookout, "referral_disabled", IN_WINDOW)
    assert lk(fx)["persons_removed_after_first_referral"] == 1


def test_first_referral_tie_broken_by_inspection_id(fx: Factory) -> None:
    person = fx.person()
    a, b = fx.lookout(person), fx.lookout(person)
    fx.inspection(person, T0, [b], id="I-2")
    fx.inspection(person, T0, [a], id="I-1")  # same start, smaller id: the first referral
    fx.event(a, "referral_disabled", IN_WINDOW)
    assert lk(fx)["persons_removed_after_first_referral"] == 1


def test_reentered_while_active(fx: Factory) -> None:
    p1, _ = _referred(fx, "P-1")
    fx.crossing(p1, "2019-01-20T00:00:00Z")  # lookout still enabled
    p2, (l2,) = _referred(fx, "P-2")
    fx.event(l2, "referral_disabled", "2019-01-15T00:00:00Z")  # too late to count as removed
    fx.crossing(p2, "2019-01-20T00:00:00Z")  # but disabled by the time of this crossing
    p3, (l3,) = _referred(fx, "P-3")
    fx.event(l3, "referral_disabled", "2019-01-15T00:00:00Z")
    fx.event(l3, "referral_enabled", "2019-01-18T00:00:00Z")  # re-enabled counts as enabled
    fx.crossing(p3, "2019-01-20T00:00:00Z")
    _referred(fx, "P-4")  # active, never crossed again
    m = lk(fx)
    assert m["persons_active_after_first_referral"] == 4
    assert m["persons_reentered_while_active"] == 2


def test_reentry_sees_any_lookout_on_the_person_that_existed(fx: Factory) -> None:
    p1, (l1,) = _referred(fx, "P-1")
    fx.event(l1, "referral_disabled", "2019-01-15T00:00:00Z")
    fx.lookout(p1, id="L-NEW", created_at="2019-01-16T00:00:00Z")  # another lookout, not linked
    fx.crossing(p1, "2019-01-20T00:00:00Z")
    p2, (l2,) = _referred(fx, "P-2")
    fx.event(l2, "referral_disabled", "2019-01-15T00:00:00Z")
    fx.lookout(p2, id="L-LATER", created_at="2019-01-25T00:00:00Z")  # created after the crossing
    fx.crossing(p2, "2019-01-20T00:00:00Z")
    assert lk(fx)["persons_reentered_while_active"] == 1


def test_event_at_the_crossing_instant_is_not_before_it(fx: Factory) -> None:
    person, (lookout,) = _referred(fx, "P-1")
    fx.event(lookout, "referral_disabled", "2019-01-20T00:00:00Z")
    fx.crossing(person, "2019-01-20T00:00:00Z")
    assert lk(fx)["persons_reentered_while_active"] == 1


def test_removed_persons_never_count_as_reentered(fx: Factory) -> None:
    person, (lookout,) = _referred(fx, "P-1")
    fx.event(lookout, "referral_disabled", IN_WINDOW)
    fx.event(lookout, "referral_enabled", "2019-01-10T00:00:00Z")
    fx.crossing(person, "2019-01-20T00:00:00Z")
    m = lk(fx)
    assert (m["persons_removed_after_first_referral"], m["persons_reentered_while_active"]) == (1, 0)


def test_re_referred_and_max(fx: Factory) -> None:
    a, b, c = fx.person(), fx.person(), fx.person()
    la, lb, lc = fx.lookout(a), fx.lookout(b), fx.lookout(c)
    for day in range(1, 7):
        fx.inspection(a, f"2019-01-{day:02d}T00:00:00Z", [la])
    fx.inspection(b, T0, [lb])
    fx.inspection(b, "2019-01-10T00:00:00Z", [lb])
    fx.inspection(c, T0, [lc])
    fx.inspection(c, "2019-01-10T00:00:00Z", [])  # not lookout-linked
    m = lk(fx)
    assert (m["persons_re_referred"], m["max_referrals_one_person"]) == (2, 6)


def test_empty_database(fx: Factory) -> None:
    result = audit(fx)
    assert set(result.metrics["lookouts"].values()) == {0}
    assert set(result.metrics["disclosures"].values()) == {0}
    assert result.findings == [] and result.disclosures == []


def test_transferred_without_notice_counts_distinct_lookouts(fx: Factory) -> None:
    a, b, c = fx.lookout(), fx.lookout(), fx.lookout()
    fx.event(a, "transferred", T0, notice=None)
    fx.event(a, "transferred", IN_WINDOW, notice=False)
    fx.event(b, "transferred", T0, notice=True)
    fx.event(c, "transfer_accepted", T0)
    assert lk(fx)["transferred_without_notice"] == 1


def test_disclosure_metrics(fx: Factory) -> None:
    u1, u2, u3 = fx.person(), fx.person(), fx.person()
    foreign = fx.person(us_person=False)
    fx.disclosure([u1, u2, foreign], requested_action="deny_entry")
    fx.disclosure([u1, u3], requested_action="information_request")
    fx.disclosure([foreign], requested_action="deny_entry")
    m = audit(fx).metrics["disclosures"]
    assert m == {"total": 3, "us_persons_disclosed": 3, "us_persons_in_deny_entry_requests": 2}


def test_inspections_by_person_for_the_chart(fx: Factory) -> None:
    person = fx.person(id="P-1")
    lookout = fx.lookout(person)
    fx.inspection(person, "2019-01-10T00:00:00-08:00", [lookout])
    fx.inspection(person, T0, [lookout])
    fx.inspection(person, "2019-01-03T00:00:00Z", [])
    result = audit(fx)
    assert result.inspections_by_person == {
        "P-1": [datetime(2019, 1, 2, 10, tzinfo=UTC), datetime(2019, 1, 10, 8, tzinfo=UTC)]
    }
