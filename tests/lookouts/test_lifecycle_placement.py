"""Placement controls through the service: every refusal names its rule and a reason to act on."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from sqlalchemy import select

from lookout_ledger.core.errors import AuthError, LedgerError, Refusal
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.policy.loader import load_policy
from lookout_ledger.history.lookouts import Lookout
from lookout_ledger.lookouts.approvals import decide, queue
from lookout_ledger.lookouts.common import perform
from lookout_ledger.lookouts.lifecycle_models import LookoutApproval, LookoutDecision
from lookout_ledger.lookouts.placement import place_lookout
from lookout_ledger.lookouts.state import referral_state, referring_ids
from support.lifecycle_world import World, build_world


@pytest.fixture
def world(ledger: Ledger) -> World:
    return build_world(ledger)


def place(world: World, username: str = "alice", **over: object) -> str:
    with world.ledger.transaction() as s:
        return place_lookout(world.ledger, s, username, world.draft(**over)).id


def refused(world: World, username: str = "alice", **over: object) -> Refusal:
    with pytest.raises(Refusal) as info:
        place(world, username, **over)
    return info.value


def test_placed_lookout_refers_nobody_until_approved(world: World) -> None:
    ledger = world.ledger
    lid = place(world)
    with ledger.reading() as s:
        state = referral_state(s, lid, ledger.now(), ledger.policy)
        assert not state.refers
        assert [b.rule for b in state.reasons] == ["LC-APPROVAL-REQUIRED"]
        assert lid not in referring_ids(s, ledger.now(), ledger.policy)
        roles = s.execute(select(LookoutApproval.role).where(LookoutApproval.lookout_id == lid)).scalars().all()
        assert roles == ["supervisor"]
        decision = s.execute(select(LookoutDecision).where(LookoutDecision.lookout_id == lid)).scalar_one()
        assert (decision.policy_name, decision.policy_version) == ("tecs-directive-strict", "2026.1")
        assert "LC-APPROVAL-REQUIRED" in orjson.loads(decision.rules)
    with ledger.transaction() as s:
        assert [q.lookout_id for q in queue(s, "sam")] == [lid]
        decide(ledger, s, "sam", lid, "supervisor", True, "Basis and topics checked against the report.")
    with ledger.reading() as s:
        assert referral_state(s, lid, ledger.now(), ledger.policy).refers
        assert lid in referring_ids(s, ledger.now(), ledger.policy)
        lookout = s.get(Lookout, lid)
        assert lookout.approved_by_id == "O-SAM" and lookout.created_by_id == "O-ALICE"


@pytest.mark.parametrize(
    ("over", "missing"),
    [
        ({"basis": "  "}, "narrative basis"),
        ({"information_sought": []}, "information sought"),
        ({"suspected_activity": None}, "suspected activity"),
    ],
)
def test_missing_basis_or_information_sought_is_refused(world: World, over: dict, missing: str) -> None:
    r = refused(world, **over)
    assert r.rule == "LC-BASIS-REQUIRED" and missing in r.reason
    assert "4320-003" in r.citation and r.remedy


def test_strict_policy_refuses_non_suspect(world: World) -> None:
    r = refused(world, status_code="non_suspect")
    assert r.rule == "LC-NON-SUSPECT"
    assert "only on suspects" in r.reason
    with world.ledger.reading() as s:
        assert s.execute(select(Lookout)).first() is None


def test_permissive_policy_allows_non_suspect_with_counsel_and_short_review(world: World) -> None:
    world.ledger.policy = load_policy("permissive")
    with world.ledger.transaction() as s:
        from lookout_ledger.lookouts.training import acknowledge

        for u in ("alice", "sam", "cora"):
            acknowledge(world.ledger, s, u)
    lid = place(world, status_code="non_suspect")
    with world.ledger.reading() as s:
        roles = sorted(s.execute(select(LookoutApproval.role).where(LookoutApproval.lookout_id == lid)).scalars())
        assert roles == ["counsel", "supervisor"]
        from lookout_ledger.lookouts.lifecycle_models import LookoutControl

        control = s.get(LookoutControl, lid)
        assert control.sensitive and control.review_window_days == 3 and control.periodic_review_days == 30
    with world.ledger.transaction() as s:
        decide(world.ledger, s, "sam", lid, "supervisor", True, "Association with the suspect is documented.")
    with world.ledger.reading() as s:
        state = referral_state(s, lid, world.ledger.now(), world.ledger.policy)
        assert not state.refers and state.reasons[0].rule == "LC-APPROVAL-REQUIRED"
    with world.ledger.transaction() as s:
        decide(world.ledger, s, "cora", lid, "counsel", True, "Reviewed: no First Amendment concern; approved.")
    with world.ledger.reading() as s:
        assert referral_state(s, lid, world.ledger.now(), world.ledger.policy).refers


def test_protected_activity_without_nexus_is_refused(world: World) -> None:
    r = refused(world, basis="Was photographing the caravan at the border and reporting on the protest there.")
    assert r.rule == "LC-FIRST-AMENDMENT"
    assert "protected activity" in r.reason and "552a(e)(7)" in r.citation
    lid = place(
        world,
        basis="Was photographing the caravan at the border and reporting on the protest there.",
        nexus="Intercepted messages show him arranging the 2018-12-20 crossing for payment.",
    )
    assert lid


def test_sensitive_occupation_needs_nexus_and_counsel(world: World) -> None:
    r = refused(world, person_id="P-J")
    assert r.rule == "LC-FIRST-AMENDMENT" and "journalist" in r.reason
    lid = place(world, person_id="P-J", nexus="Vehicle registered to her was used in the 2018-12-20 crossing.")
    with world.ledger.reading() as s:
        roles = sorted(s.execute(select(LookoutApproval.role).where(LookoutApproval.lookout_id == lid)).scalars())
        assert roles == ["counsel", "supervisor"]


def test_expiry_beyond_policy_maximum_is_refused(world: World) -> None:
    r = refused(world, expires_at=world.ledger.now() + timedelta(days=181))
    assert r.rule == "LC-EXPIRY" and "180 days" in r.reason
    r = refused(
        world,
        person_id="P-J",
        nexus="Vehicle registered to her was used in the crossing.",
        expires_at=world.ledger.now() + timedelta(days=61),
    )
    assert r.rule == "LC-EXPIRY" and "60 days" in r.reason


def test_expiry_is_required(world: World) -> None:
    with pytest.raises(LedgerError, match="expires_at"):
        place(world, expires_at=None)


def test_nobody_approves_their_own_request(world: World) -> None:
    lid = place(world, username="sue")
    with world.ledger.transaction() as s, pytest.raises(Refusal) as info:
        decide(world.ledger, s, "sue", lid, "supervisor", True, "I approve my own lookout, which I may not.")
    assert info.value.rule == "LC-SEPARATION-OF-DUTIES"
    with world.ledger.reading() as s:
        assert lid not in [q.lookout_id for q in queue(s, "sue")]


def test_supervisor_of_another_unit_cannot_approve(world: World) -> None:
    lid = place(world)
    with world.ledger.transaction() as s, pytest.raises(AuthError, match="U-EOC"):
        decide(world.ledger, s, "zed", lid, "supervisor", True, "Looks fine to me from the port.")


def test_training_acknowledgment_required_and_renewed_per_version(ledger: Ledger) -> None:
    world = build_world(ledger, acknowledged=False)
    r = refused(world)
    assert r.rule == "LC-TRAINING" and "has not acknowledged" in r.reason
    with ledger.transaction() as s:
        from lookout_ledger.lookouts.training import acknowledge

        acknowledge(ledger, s, "alice")
    assert place(world)
    ledger.policy = type(ledger.policy)(**{**ledger.policy.__dict__, "version": "2026.2"})
    r = refused(world)
    assert r.rule == "LC-TRAINING" and "2026.1" in r.reason and "2026.2" in r.reason


def test_refusals_are_recorded_as_decisions(world: World) -> None:
    ledger = world.ledger
    with pytest.raises(Refusal):
        perform(
            ledger,
            "alice",
            "place",
            lambda s: place_lookout(ledger, s, "alice", world.draft(status_code="non_suspect")),
            person_id="P-1",
        )
    with ledger.reading() as s:
        d = s.execute(select(LookoutDecision).where(LookoutDecision.outcome == "refused")).scalar_one()
        assert orjson.loads(d.rules) == ["LC-NON-SUSPECT"] and d.person_id == "P-1"
        assert d.policy_version == "2026.1"
