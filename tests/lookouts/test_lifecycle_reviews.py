"""After-inspection reviews, the sweep, expiry, referral limits and transfers, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.errors import AuthError, LedgerError, Refusal
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.lookouts import Lookout, LookoutEvent
from lookout_ledger.lookouts import reviews, transfers
from lookout_ledger.lookouts.approvals import decide
from lookout_ledger.lookouts.placement import place_lookout
from lookout_ledger.lookouts.state import referral_state, referring_ids
from lookout_ledger.lookouts.sweep import sweep
from lookout_ledger.notifications.models import Notification
from lookout_ledger.oversight.audit import run_audit
from support.cli_support import EXPORT_PURPOSE, auditor
from support.lifecycle_world import World, build_world


@pytest.fixture
def world(ledger: Ledger) -> World:
    return build_world(ledger)


def approved(world: World, person_id: str = "P-1", **over: object) -> str:
    ledger = world.ledger
    with ledger.transaction() as s:
        lid = place_lookout(ledger, s, "alice", world.draft(person_id=person_id, **over)).id
        decide(ledger, s, "sam", lid, "supervisor", True, "Basis and topics checked against the report.")
    return lid


def inspect(world: World, lid: str, iid: str, person_id: str = "P-1") -> None:
    ledger = world.ledger
    with ledger.transaction() as s:
        world.inspection(s, lid, person_id, ledger.now(), iid)
        reviews.record_inspection(ledger, s, lid, iid, ledger.now())


def refers(world: World, lid: str) -> tuple[bool, list[str]]:
    with world.ledger.reading() as s:
        st = referral_state(s, lid, world.ledger.now(), world.ledger.policy)
        assert (lid in referring_ids(s, world.ledger.now(), world.ledger.policy)) == st.refers
        return st.refers, [b.rule for b in st.reasons]


def kinds(world: World, lid: str) -> list[str]:
    with world.ledger.reading() as s:
        q = select(LookoutEvent.kind).where(LookoutEvent.lookout_id == lid).order_by(LookoutEvent.at, LookoutEvent.id)
        return list(s.execute(q).scalars())


def inbox_kinds(world: World, username: str) -> list[str]:
    with world.ledger.reading() as s:
        q = select(Notification.kind).where(Notification.recipient == username).order_by(Notification.at)
        return list(s.execute(q).scalars())


def test_inspection_blocks_next_referral_until_owner_keeps_it(world: World, clock: FixedClock) -> None:
    lid = approved(world)
    assert refers(world, lid) == (True, [])
    clock.advance(days=1)
    inspect(world, lid, "I-1")
    assert refers(world, lid) == (False, ["LC-POST-INSPECTION-REVIEW"])
    assert "review_due" in inbox_kinds(world, "alice")
    clock.advance(days=2)
    with world.ledger.transaction() as s, pytest.raises(Refusal) as info:
        reviews.keep(world.ledger, s, "alice", lid, "Still needed: crossing organiser not named yet.", [])
    assert info.value.rule == "LC-POST-INSPECTION-REVIEW"
    with world.ledger.transaction() as s, pytest.raises(AuthError):
        reviews.keep(world.ledger, s, "bob", lid, "Not my lookout but I try to keep it.", ["x"])
    with world.ledger.transaction() as s:
        reviews.keep(world.ledger, s, "alice", lid, "He named a driver; organiser still unknown.", ["Organiser"])
    assert refers(world, lid) == (True, [])
    assert kinds(world, lid) == ["reviewed"]


def test_missed_review_disables_referral_and_tells_owner_and_supervisor(world: World, clock: FixedClock) -> None:
    ledger = world.ledger
    lid = approved(world)
    inspect(world, lid, "I-1")
    clock.advance(days=7, seconds=1)
    with ledger.transaction() as s:
        report = sweep(ledger, s)
    assert report.post_inspection_disabled == [lid]
    assert kinds(world, lid) == ["referral_disabled"]
    assert "review_missed" in inbox_kinds(world, "alice") and "review_missed" in inbox_kinds(world, "sam")
    refs, why = refers(world, lid)
    assert not refs and "LC-REFERRAL-DISABLED" in why
    with ledger.transaction() as s:  # idempotent: the second run changes nothing
        again = sweep(ledger, s)
    assert again.changes == 0 and kinds(world, lid) == ["referral_disabled"]
    # the audit sees a disabled lookout: no stale finding
    with ledger.reading() as s:
        result = run_audit(s, now=ledger.now() + timedelta(days=30), review_window_days=7, policy=ledger.policy)
    assert not [f for f in result.findings if f.rule == "LK-STALE-AFTER-INSPECTION" and f.record_id == lid]
    # a late keep re-justifies and re-enables
    with ledger.transaction() as s:
        reviews.keep(ledger, s, "alice", lid, "Reviewed late; organiser still unknown.", ["Organiser"])
    assert refers(world, lid) == (True, [])
    assert kinds(world, lid) == ["referral_disabled", "reviewed", "referral_enabled"]


def test_decision_within_window_means_sweep_leaves_it(world: World, clock: FixedClock) -> None:
    lid = approved(world)
    inspect(world, lid, "I-1")
    clock.advance(days=1)
    with world.ledger.transaction() as s:
        reviews.remove(world.ledger, s, "alice", lid, "Interview answered what was sought.")
    clock.advance(days=10)
    with world.ledger.transaction() as s:
        assert sweep(world.ledger, s).changes == 0
    assert kinds(world, lid) == ["removed"]
    assert refers(world, lid)[1][0] == "LC-REMOVED"


def test_modify_needs_approval_again(world: World, clock: FixedClock) -> None:
    lid = approved(world)
    inspect(world, lid, "I-1")
    clock.advance(hours=2)
    with world.ledger.transaction() as s:
        reviews.modify(
            world.ledger,
            s,
            "alice",
            lid,
            "Narrowed to the vehicle question only.",
            information_sought=["Vehicle ownership"],
        )
    refs, why = refers(world, lid)
    assert not refs and why == ["LC-APPROVAL-REQUIRED"]
    with world.ledger.transaction() as s:
        decide(world.ledger, s, "sam", lid, "supervisor", True, "Narrower lookout approved after review.")
    assert refers(world, lid) == (True, [])


def test_referral_limit_needs_supervisor_review(world: World, clock: FixedClock) -> None:
    ledger = world.ledger
    lid = approved(world)
    for n in (1, 2):
        clock.advance(days=3)
        inspect(world, lid, f"I-{n}")
        clock.advance(hours=1)
        with ledger.transaction() as s:
            reviews.keep(ledger, s, "alice", lid, f"Review after inspection {n}: still needed.", ["Organiser"])
    refs, why = refers(world, lid)
    assert not refs and why == ["LC-REFERRAL-LIMIT"]
    assert "referral_limit" in inbox_kinds(world, "sam")
    with ledger.transaction() as s, pytest.raises(AuthError):
        reviews.clear_referral_limit(ledger, s, "alice", lid, "I clear my own referral limit.")
    # A supervisor of another unit is not the owner's second official (#16).
    with ledger.transaction() as s, pytest.raises(AuthError, match=r"U-PORT.*belongs to unit U-EOC"):
        reviews.clear_referral_limit(ledger, s, "zed", lid, "Reviewed from the port; one more is fine.")
    assert refers(world, lid) == (False, ["LC-REFERRAL-LIMIT"])
    with ledger.transaction() as s:
        reviews.clear_referral_limit(ledger, s, "sam", lid, "Reviewed both interviews; one more is justified.")
    assert refers(world, lid) == (True, [])
    clock.advance(days=31)  # the old referrals age out of the period
    assert refers(world, lid) == (True, [])


def test_expiry_disables_referral_and_renewal_needs_reassessment(world: World, clock: FixedClock) -> None:
    ledger = world.ledger
    lid = approved(world, expires_at=ledger.now() + timedelta(days=20))
    clock.advance(days=14)
    with ledger.transaction() as s:
        report = sweep(ledger, s)
    assert report.review_reminders == [lid]  # periodic review due at expiry (20 days) is 6 days away
    clock.advance(days=7)
    with ledger.transaction() as s:
        report = sweep(ledger, s)
    assert report.expired_disabled == [lid]
    refs, why = refers(world, lid)
    assert not refs and "LC-EXPIRY" in why and "LC-REFERRAL-DISABLED" in why
    with ledger.transaction() as s, pytest.raises(LedgerError, match="reassessment"):
        reviews.renew(ledger, s, "alice", lid, "ok", ledger.now() + timedelta(days=30))
    with ledger.transaction() as s, pytest.raises(Refusal) as info:
        reviews.renew(
            ledger, s, "alice", lid, "Reassessed: still organising crossings.", ledger.now() + timedelta(days=400)
        )
    assert info.value.rule == "LC-EXPIRY"
    with ledger.transaction() as s:
        reviews.renew(
            ledger, s, "alice", lid, "Reassessed: still organising crossings.", ledger.now() + timedelta(days=30)
        )
    refs, why = refers(world, lid)
    assert not refs and "LC-EXPIRY" in why  # the owner's reassessment alone renews nothing
    assert "renewal_requested" in inbox_kinds(world, "sam")
    with ledger.transaction() as s, pytest.raises(AuthError):
        reviews.decide_renewal(ledger, s, "alice", lid, True, "The owner approves her own renewal.")
    with ledger.transaction() as s, pytest.raises(AuthError, match="belongs to unit U-EOC"):
        reviews.decide_renewal(ledger, s, "zed", lid, True, "Another unit's supervisor tries.")
    with ledger.transaction() as s:
        reviews.decide_renewal(ledger, s, "sam", lid, True, "Reassessment read; the crossings continue.")
    assert refers(world, lid) == (True, [])
    assert "renewal_decided" in inbox_kinds(world, "alice")


def test_expiry_warning_goes_to_the_owner_and_the_supervisor(world: World, clock: FixedClock) -> None:
    ledger = world.ledger
    lid = approved(world, expires_at=ledger.now() + timedelta(days=20))
    clock.advance(days=14)
    with ledger.transaction() as s:
        assert sweep(ledger, s).expiry_warnings == [lid]
    with ledger.transaction() as s:
        assert sweep(ledger, s).expiry_warnings == []  # once per expiry
    assert "expiry_warning" in inbox_kinds(world, "alice") and "expiry_warning" in inbox_kinds(world, "sam")


def test_periodic_review_applies_to_unapproved_lookouts_too(world: World, clock: FixedClock) -> None:
    ledger = world.ledger
    with ledger.transaction() as s:
        lid = place_lookout(ledger, s, "alice", world.draft(expires_at=ledger.now() + timedelta(days=170))).id
    clock.advance(days=91)
    with ledger.transaction() as s:
        report = sweep(ledger, s)
    assert report.review_overdue == [lid]
    assert "review_overdue" in inbox_kinds(world, "sam")


def test_transfer_pending_until_accepted_with_instructions(world: World, clock: FixedClock) -> None:
    ledger = world.ledger
    lid = approved(world)
    with ledger.transaction() as s, pytest.raises(Refusal) as info:
        transfers.request_transfer(ledger, s, "alice", lid, "O-BOB", "keep it")
    assert info.value.rule == "LC-TRANSFER-ACCEPTANCE"
    with ledger.transaction() as s:
        tr = transfers.request_transfer(
            ledger, s, "alice", lid, "O-BOB", "Organiser still unknown; ask about the 12-20 crossing; remove if named."
        )
    with ledger.reading() as s:
        assert s.get(Lookout, lid).owner_id == "O-ALICE"
    assert "transfer_pending" in inbox_kinds(world, "bob")
    clock.advance(days=3)
    with ledger.transaction() as s:
        assert sweep(ledger, s).transfers_escalated == [lid]
    assert "transfer_escalated" in inbox_kinds(world, "sam")
    with ledger.transaction() as s, pytest.raises(AuthError):
        transfers.accept_transfer(ledger, s, "sam", tr.id)
    with ledger.transaction() as s:
        transfers.accept_transfer(ledger, s, "bob", tr.id)
    with ledger.reading() as s:
        assert s.get(Lookout, lid).owner_id == "O-BOB"
        ev = s.execute(select(LookoutEvent).where(LookoutEvent.kind == "transferred")).scalar_one()
        assert ev.notice is True and ev.to_owner_id == "O-BOB" and "Organiser" in ev.reason
        result = run_audit(s, now=ledger.now(), review_window_days=7, policy=ledger.policy)
    assert result.metrics["lookouts"]["transferred_without_notice"] == 0
    assert kinds(world, lid) == ["transferred", "transfer_accepted"]


def test_owner_cannot_leave_unit_with_lookouts_not_handed_over(world: World) -> None:
    ledger = world.ledger
    lid = approved(world)
    with ledger.transaction() as s, pytest.raises(Refusal) as info:
        transfers.leave_unit(ledger, s, "sam", "O-ALICE", "U-PORT")
    assert info.value.rule == "LC-OWNER-DEPARTURE" and lid in info.value.reason
    with ledger.transaction() as s:
        transfers.request_transfer(ledger, s, "alice", lid, "O-BOB", "Organiser still unknown; remove once named.")
        transfers.leave_unit(ledger, s, "sam", "O-ALICE", "U-PORT")


def test_nobody_moves_their_own_unit(world: World) -> None:
    """#16: a supervisor who moved himself into another unit could approve that unit's lookouts."""
    ledger = world.ledger
    with ledger.transaction() as s, pytest.raises(AuthError, match="may not move themselves"):
        transfers.leave_unit(ledger, s, "zed", "O-ZED", "U-EOC")
    with ledger.transaction() as s, pytest.raises(AuthError, match="only a supervisor of unit U-EOC"):
        transfers.leave_unit(ledger, s, "zed", "O-BOB", "U-PORT")  # another unit's supervisor
    with ledger.transaction() as s, pytest.raises(AuthError, match="only a supervisor of unit U-EOC"):
        transfers.leave_unit(ledger, s, "alice", "O-BOB", "U-PORT")  # a teammate without the role
    with ledger.transaction() as s:
        assert transfers.leave_unit(ledger, s, "sam", "O-BOB", "U-PORT").unit_id == "U-PORT"


def test_live_history_exports_as_lif_lookout_events(world: World, clock: FixedClock) -> None:
    """The timeline's events leave the system in the interchange format, like imported history."""
    import io

    import orjson

    from lookout_ledger.interchange.exporter import export_lif

    ledger = world.ledger
    lid = approved(world)
    inspect(world, lid, "I-1")
    clock.advance(days=8)
    with ledger.transaction() as s:
        sweep(ledger, s)
        tr = transfers.request_transfer(ledger, s, "alice", lid, "O-BOB", "Organiser unknown; remove once he is named.")
    with ledger.transaction() as s:
        transfers.accept_transfer(ledger, s, "bob", tr.id)
    out = io.BytesIO()
    export_lif(ledger, out, auditor(ledger), purpose=EXPORT_PURPOSE)
    records = [orjson.loads(line) for line in out.getvalue().splitlines()[1:]]
    (lookout,) = [r for r in records if r.get("type") == "lookout" and r.get("id") == lid]
    assert lookout["approved_by"] == "O-SAM" and lookout["owner_id"] == "O-BOB"
    events = [r for r in records if r.get("type") == "lookout_event" and r.get("lookout_id") == lid]
    assert [e["kind"] for e in events] == ["referral_disabled", "transferred", "transfer_accepted"]
    assert events[1]["notice"] is True and events[1]["to_owner_id"] == "O-BOB"
