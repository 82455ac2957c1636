"""Secondary inspections: system times, topics, device-search control, review and notices, redress."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.errors import AuthError, LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.inspections import Inspection, InspectionTopic
from lookout_ledger.inspections import service as insp
from lookout_ledger.lookouts.lifecycle_models import LookoutReview
from lookout_ledger.lookouts.state import referral_state
from lookout_ledger.notifications.models import Notification
from lookout_ledger.screening import redress, service
from lookout_ledger.screening.matcher import Presented
from support.screening_world import screening_world

MX = {"id": "t1", "given_name": "José María", "family_name": "García López", "date_of_birth": "1980-03-07"}
REASON = "Traveler photographed the fence sensors; phone may hold the smuggling route the lookout describes."


@pytest.fixture(autouse=True)
def _fresh() -> None:
    service.forget_indexes()


def _referred(ledger: Ledger) -> str:
    screening_world(ledger)
    result = service.screen_traveler(ledger, "pat", Presented.from_dict(MX), "San Ysidro")
    return result.crossing_ids[0]


def _inbox(ledger: Ledger, user: str) -> list[str]:
    with ledger.reading() as s:
        q = select(Notification.kind).where(Notification.recipient == user).order_by(Notification.id)
        return list(s.execute(q).scalars())


def test_inspection_with_approved_device_search_opens_the_owners_review(ledger: Ledger, clock: FixedClock) -> None:
    crossing = _referred(ledger)
    with ledger.reading() as s:
        view = insp.referral_view(s, crossing)
    assert view.sought == ["Who arranged the crossing", "Vehicle ownership"]
    assert "basis" not in view.lookouts[0]  # the officer sees what to ask, not the owner's file
    with ledger.transaction() as s:
        iid = insp.start_inspection(ledger, s, "pat", crossing).id
    clock.advance(minutes=30)
    with ledger.transaction() as s:
        insp.record_interview(
            ledger,
            s,
            "pat",
            iid,
            sought_asked=["who arranged the crossing"],
            free_topics=["Travel companions"],
            information_obtained="Named the driver.",
            new_information=True,
            restrained=False,
        )
        insp.request_device_search(ledger, s, "pat", iid, REASON)
    with ledger.transaction() as s, pytest.raises(LedgerError, match="approve it before"):
        insp.record_device_search(ledger, s, "pat", iid, "Route map found in photos.")
    with ledger.transaction() as s, pytest.raises(AuthError):
        insp.decide_device_search(ledger, s, "alice", iid, True)
    # A supervisor of another unit (sam, U-EOC) decides nothing for the port's officer (#16).
    with ledger.transaction() as s, pytest.raises(AuthError, match=r"inspection .* belongs to unit U-PORT"):
        insp.decide_device_search(ledger, s, "sam", iid, True, "approved from elsewhere")
    with ledger.transaction() as s:
        assert [d.inspection_id for d in insp.pending_device_searches(s, "zed")] == [iid]
        insp.decide_device_search(ledger, s, "zed", iid, True, "reason is specific")
    clock.advance(minutes=20)
    with ledger.transaction() as s:
        insp.record_device_search(ledger, s, "pat", iid, "Route map found in photos; copied to the file.")
        insp.end_inspection(ledger, s, "pat", iid)
    with ledger.reading() as s:
        ins = s.get(Inspection, iid)
        assert (ins.ended_at - ins.started_at).total_seconds() == 50 * 60 and ins.documented
        assert ins.ds_performed and ins.ds_findings_documented and ins.ds_supervisor_approval_id == "O-ZED"
        topics = s.execute(select(InspectionTopic.topic).where(InspectionTopic.inspection_id == iid)).scalars()
        assert list(topics) == ["Who arranged the crossing", "Travel companions"]
        review = s.execute(select(LookoutReview).where(LookoutReview.inspection_id == iid)).scalar_one()
        assert review.lookout_id == "LK-MX" and review.kind == "post_inspection"
        state = referral_state(s, "LK-MX", ledger.now(), ledger.policy)
        assert not state.refers and "LC-POST-INSPECTION-REVIEW" in {b.rule for b in state.reasons}
    assert {"inspection_report", "review_due"} <= set(_inbox(ledger, "alice"))
    assert "purpose_not_pursued" not in _inbox(ledger, "alice")
    assert "device_search_request" in _inbox(ledger, "zed")
    # the index sees the review: the same traveler is no longer referred
    clock.advance(seconds=2)
    assert not service.screen_traveler(ledger, "pat", Presented.from_dict(MX), "San Ysidro").refer


def test_purpose_not_pursued_and_overlong_inspection_are_flagged(ledger: Ledger, clock: FixedClock) -> None:
    crossing = _referred(ledger)
    with ledger.transaction() as s:
        iid = insp.start_inspection(ledger, s, "pat", crossing).id
    with ledger.transaction() as s, pytest.raises(LedgerError, match="restraint_reason"):
        insp.record_interview(
            ledger,
            s,
            "pat",
            iid,
            sought_asked=[],
            free_topics=["Employment"],
            information_obtained="Nothing new.",
            new_information=False,
            restrained=True,
        )
    with ledger.transaction() as s:
        insp.record_interview(
            ledger,
            s,
            "pat",
            iid,
            sought_asked=[],
            free_topics=["Employment"],
            information_obtained="Nothing new.",
            new_information=False,
            restrained=True,
            restraint_reason="Tried to leave the secondary area twice.",
        )
    clock.advance(hours=5)
    with ledger.transaction() as s:
        assert insp.flag_open_inspections(ledger, s) == [iid]
        assert insp.flag_open_inspections(ledger, s) == []
        insp.end_inspection(ledger, s, "pat", iid)
    assert "purpose_not_pursued" in _inbox(ledger, "alice")
    assert {"purpose_not_pursued", "inspection_long", "inspection_open"} <= set(_inbox(ledger, "zed"))


def test_the_sweep_flags_an_open_overlong_inspection_nobody_is_looking_at(ledger: Ledger, clock: FixedClock) -> None:
    from lookout_ledger.jobs import run_sweep as sweep

    crossing = _referred(ledger)
    with ledger.transaction() as s:
        iid = insp.start_inspection(ledger, s, "pat", crossing).id
    clock.advance(hours=3)
    with ledger.transaction() as s:
        assert sweep(ledger, s).inspections_flagged == []
    clock.advance(hours=2)  # past the policy's 4 hours, still open
    with ledger.transaction() as s:
        assert sweep(ledger, s).inspections_flagged == [iid]
    with ledger.transaction() as s:
        assert sweep(ledger, s).inspections_flagged == []  # flagged once
    assert "inspection_open" in _inbox(ledger, "zed")


def test_exigent_search_needs_approval_within_the_policys_hours(ledger: Ledger, clock: FixedClock) -> None:
    crossing = _referred(ledger)
    with ledger.transaction() as s:
        iid = insp.start_inspection(ledger, s, "pat", crossing).id
        with pytest.raises(LedgerError, match="detailed reason"):
            insp.request_device_search(ledger, s, "pat", iid, "suspicious", exigent=True)
        insp.request_device_search(ledger, s, "pat", iid, REASON, exigent=True)
        insp.record_device_search(ledger, s, "pat", iid, "Nothing relevant on the phone.")
    clock.advance(hours=3)
    with ledger.transaction() as s, pytest.raises(LedgerError, match="within 2 hours"):
        insp.decide_device_search(ledger, s, "zed", iid, True)
    with ledger.reading() as s:
        ins = s.get(Inspection, iid)
        assert ins.ds_performed and ins.ds_supervisor_approval_id is None  # the oversight engine sees it


def test_redress_puts_every_active_lookout_up_for_review(ledger: Ledger) -> None:
    screening_world(ledger)
    with ledger.transaction() as s:
        row = redress.record_complaint(ledger, s, "pat", "P-MX", "Referred to secondary on each of my last trips.")
        assert row.lookout_ids == ["LK-MX"]
        kinds = s.execute(select(LookoutReview.kind).where(LookoutReview.lookout_id == "LK-MX")).scalars().all()
        assert kinds == ["redress"]
    assert "redress_review" in _inbox(ledger, "alice")
    with ledger.transaction() as s:
        with pytest.raises(AuthError):
            redress.decide_complaint(ledger, s, "pat", row.id, "Lookout removed after review.")
        closed = redress.decide_complaint(ledger, s, "zed", row.id, "Lookout removed after the owner's review.")
        assert closed.status == "closed"
