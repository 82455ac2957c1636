"""Every lifecycle control through the HTTP API: refusals answer 409 with rule id and reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.lookouts import reviews
from lookout_ledger.server import create_app
from support.lifecycle_world import PASSWORD, World, build_world


class Api:
    def __init__(self, ledger: Ledger) -> None:
        self.app = create_app(ledger)
        self.clients: dict[str, tuple[TestClient, str]] = {}

    def as_(self, username: str) -> tuple[TestClient, str]:
        if username not in self.clients:
            c = TestClient(self.app, base_url="http://testserver")
            r = c.post("/api/session", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.clients[username] = (c, r.json()["csrf_token"])
        return self.clients[username]

    def post(self, username: str, path: str, body: dict | None = None) -> object:
        c, token = self.as_(username)
        return c.post(path, json=body or {}, headers={"X-CSRF-Token": token})

    def get(self, username: str, path: str) -> object:
        return self.as_(username)[0].get(path)


@pytest.fixture
def world(ledger: Ledger) -> World:
    return build_world(ledger)


@pytest.fixture
def api(ledger: Ledger, world: World) -> Api:
    return Api(ledger)


def draft(world: World, **over: object) -> dict:
    return world.draft_body(**over)  # type: ignore[arg-type]


def placed(api: Api, world: World, **over: object) -> str:
    r = api.post("alice", "/api/lookouts", draft(world, **over))
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.mark.parametrize(
    ("over", "rule"),
    [
        ({"basis": ""}, "LC-BASIS-REQUIRED"),
        ({"information_sought": []}, "LC-BASIS-REQUIRED"),
        ({"status_code": "non_suspect"}, "LC-NON-SUSPECT"),
        ({"basis": "Attended the protest and was photographing officers at the port."}, "LC-FIRST-AMENDMENT"),
        ({"person_id": "P-J"}, "LC-FIRST-AMENDMENT"),
    ],
)
def test_placement_refusals(api: Api, world: World, over: dict, rule: str) -> None:
    r = api.post("alice", "/api/lookouts", draft(world, **over))
    assert r.status_code == 409
    refusal = r.json()["refusal"]
    assert refusal["rule"] == rule and refusal["reason"] and refusal["remedy"] and refusal["citation"]
    assert refusal["details"]["policy"] == "tecs-directive-strict 2026.1"


def test_expiry_over_maximum_refused(api: Api, world: World, ledger: Ledger) -> None:
    body = draft(world)
    body["expires_at"] = (ledger.now() + timedelta(days=200)).isoformat()
    r = api.post("alice", "/api/lookouts", body)
    assert r.status_code == 409 and r.json()["refusal"]["rule"] == "LC-EXPIRY"


def test_preview_shows_feedback_without_writing(api: Api, world: World) -> None:
    r = api.post(
        "alice", "/api/lookouts/preview", draft(world, person_id="P-J", nexus="Drove the van used in the crossing.")
    )
    data = r.json()
    assert data["allowed"] and data["required_approvals"] == ["supervisor", "counsel"] and data["sensitive"]
    assert api.get("alice", "/api/lookouts/mine").json()["lookouts"] == []


def test_approval_flow_separation_of_duties_and_state(api: Api, world: World) -> None:
    lid = placed(api, world)
    view = api.get("alice", f"/api/lookouts/{lid}").json()
    assert not view["state"]["refers"] and view["state"]["reasons"][0]["rule"] == "LC-APPROVAL-REQUIRED"
    assert view["decisions"][0]["policy"] == {"name": "tecs-directive-strict", "version": "2026.1"}
    r = api.post(
        "alice", f"/api/lookouts/{lid}/approvals", {"role": "supervisor", "statement": "Approving my own lookout"}
    )
    assert r.status_code == 403  # alice is not a supervisor
    assert [q["lookout_id"] for q in api.get("sam", "/api/approvals").json()["approvals"]] == [lid]
    r = api.post(
        "sam", f"/api/lookouts/{lid}/approvals", {"role": "supervisor", "statement": "Checked basis and topics."}
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert api.get("alice", f"/api/lookouts/{lid}").json()["state"]["refers"]
    referring = api.get("pat", "/api/lookouts/referring").json()["lookouts"]
    assert {"id": lid, "person_id": "P-1"} in referring


def test_self_approval_refused(api: Api, world: World) -> None:
    r = api.post("sue", "/api/lookouts", draft(world))
    lid = r.json()["id"]
    r = api.post(
        "sue", f"/api/lookouts/{lid}/approvals", {"role": "supervisor", "statement": "My own request, approved."}
    )
    assert r.status_code == 409 and r.json()["refusal"]["rule"] == "LC-SEPARATION-OF-DUTIES"


def test_training_required(ledger: Ledger) -> None:
    world = build_world(ledger, acknowledged=False)
    api = Api(ledger)
    r = api.post("alice", "/api/lookouts", draft(world))
    assert r.status_code == 409 and r.json()["refusal"]["rule"] == "LC-TRAINING"
    assert api.post("alice", "/api/policy/acknowledge").status_code == 200
    assert api.get("alice", "/api/policy").json()["acknowledged_by_you"] is True
    assert api.post("alice", "/api/lookouts", draft(world)).status_code == 201


def test_missed_review_sweep_and_keep(api: Api, world: World, ledger: Ledger, clock: FixedClock) -> None:
    lid = placed(api, world)
    api.post("sam", f"/api/lookouts/{lid}/approvals", {"role": "supervisor", "statement": "Checked basis and topics."})
    with ledger.transaction() as s:
        world.inspection(s, lid, "P-1", ledger.now(), "I-1")
        reviews.record_inspection(ledger, s, lid, "I-1", ledger.now())
    assert api.get("alice", f"/api/lookouts/{lid}").json()["state"]["reasons"][0]["rule"] == "LC-POST-INSPECTION-REVIEW"
    clock.advance(days=8)
    assert api.post("pat", "/api/sweep").status_code == 403
    report = api.post("sam", "/api/sweep").json()
    assert report["post_inspection_disabled"] == [lid]
    assert api.post("sam", "/api/sweep").json()["post_inspection_disabled"] == []
    kinds = [n["kind"] for n in api.get("sam", "/api/inbox").json()["notices"]]
    assert "review_missed" in kinds
    r = api.post(
        "alice", f"/api/lookouts/{lid}/keep", {"reason": "Organiser still unknown after interview.", "still_sought": []}
    )
    assert r.status_code == 409 and r.json()["refusal"]["rule"] == "LC-POST-INSPECTION-REVIEW"
    r = api.post(
        "alice",
        f"/api/lookouts/{lid}/keep",
        {"reason": "Organiser still unknown after interview.", "still_sought": ["Organiser"]},
    )
    assert r.status_code == 200
    view = api.get("alice", f"/api/lookouts/{lid}").json()
    assert view["state"]["refers"]
    assert [e["kind"] for e in view["timeline"]][-3:] == [
        "post_inspection_decided",
        "reviewed",
        "referral_enabled",
    ] or "referral_enabled" in [e["kind"] for e in view["timeline"]]


def test_referral_limit_clear(api: Api, world: World, ledger: Ledger, clock: FixedClock) -> None:
    lid = placed(api, world)
    api.post("sam", f"/api/lookouts/{lid}/approvals", {"role": "supervisor", "statement": "Checked basis and topics."})
    for n in (1, 2):
        clock.advance(days=2)
        with ledger.transaction() as s:
            world.inspection(s, lid, "P-1", ledger.now(), f"I-{n}")
            reviews.record_inspection(ledger, s, lid, f"I-{n}", ledger.now())
        clock.advance(hours=1)
        api.post(
            "alice", f"/api/lookouts/{lid}/keep", {"reason": "Still needed after interview.", "still_sought": ["x"]}
        )
    rules = [b["rule"] for b in api.get("alice", f"/api/lookouts/{lid}").json()["state"]["reasons"]]
    assert rules == ["LC-REFERRAL-LIMIT"]
    assert (
        api.post("alice", f"/api/lookouts/{lid}/clear-referral-limit", {"reason": "Clearing my own."}).status_code
        == 403
    )
    r = api.post("sam", f"/api/lookouts/{lid}/clear-referral-limit", {"reason": "Both interviews reviewed; justified."})
    assert r.status_code == 200
    assert api.get("alice", f"/api/lookouts/{lid}").json()["state"]["refers"]


def test_transfer_request_and_acceptance(api: Api, world: World) -> None:
    lid = placed(api, world)
    r = api.post("alice", f"/api/lookouts/{lid}/transfers", {"to_owner_id": "O-BOB", "instructions": "ok"})
    assert r.status_code == 409 and r.json()["refusal"]["rule"] == "LC-TRANSFER-ACCEPTANCE"
    r = api.post(
        "alice",
        f"/api/lookouts/{lid}/transfers",
        {"to_owner_id": "O-BOB", "instructions": "Organiser unknown; ask about 12-20; remove when named."},
    )
    assert r.status_code == 201
    tid = r.json()["id"]
    assert [t["id"] for t in api.get("bob", "/api/transfers").json()["transfers"]] == [tid]
    assert api.post("sam", f"/api/transfers/{tid}/accept").status_code == 403
    r = api.post("bob", f"/api/transfers/{tid}/accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    timeline = api.get("bob", f"/api/lookouts/{lid}").json()["timeline"]
    transferred = [e for e in timeline if e["kind"] == "transferred"]
    assert transferred and "notice: True" in transferred[0]["text"]
    assert [o["id"] for o in api.get("bob", "/api/lookouts/mine").json()["lookouts"]] == [lid]


def test_openapi_lists_lifecycle_routes(api: Api) -> None:
    paths = api.as_("alice")[0].get("/openapi.json").json()["paths"]
    assert "/api/lookouts" in paths and "/api/transfers/{transfer_id}/accept" in paths


# --- the remaining controls, each through the API as well as the service ---------------------


def approve(api: Api, lid: str, username: str = "sam", role: str = "supervisor") -> None:
    r = api.post(username, f"/api/lookouts/{lid}/approvals", {"role": role, "statement": "Checked basis and topics."})
    assert r.status_code == 200, r.text


def inspect(world: World, lid: str, iid: str, person_id: str = "P-1") -> None:
    ledger = world.ledger
    with ledger.transaction() as s:
        world.inspection(s, lid, person_id, ledger.now(), iid)
        reviews.record_inspection(ledger, s, lid, iid, ledger.now())


def rules_of(api: Api, lid: str) -> list[str]:
    return [b["rule"] for b in api.get("alice", f"/api/lookouts/{lid}").json()["state"]["reasons"]]


def test_missing_expiry_is_a_bad_request_naming_the_field(api: Api, world: World) -> None:
    body = draft(world)
    body["expires_at"] = ""
    r = api.post("alice", "/api/lookouts", body)
    assert r.status_code == 400 and r.json()["error"].startswith("expires_at:")
    assert api.get("alice", "/api/lookouts/mine").json()["lookouts"] == []


def test_sensitive_lookout_needs_counsel_too_and_gets_the_short_window(api: Api, world: World, ledger: Ledger) -> None:
    lid = placed(api, world, person_id="P-J", nexus="Drove the van used in the crossing himself.")
    view = api.get("alice", f"/api/lookouts/{lid}").json()
    assert sorted(a["role"] for a in view["approvals"]) == ["counsel", "supervisor"]
    assert "LC-SENSITIVE-COUNSEL" in view["decisions"][0]["rules"]
    approve(api, lid)
    assert rules_of(api, lid) == ["LC-APPROVAL-REQUIRED"]  # counsel's written approval is still missing
    assert [q["lookout_id"] for q in api.get("cora", "/api/approvals").json()["approvals"]] == [lid]
    approve(api, lid, "cora", "counsel")
    assert api.get("alice", f"/api/lookouts/{lid}").json()["state"]["refers"]
    inspect(world, lid, "I-1", "P-J")
    (row,) = api.get("alice", "/api/lookouts/mine").json()["lookouts"]
    assert row["review_due"] == (ledger.now() + timedelta(days=3)).isoformat()


def test_permissive_policy_sends_non_suspect_lookouts_to_counsel(ledger: Ledger) -> None:
    from lookout_ledger.core.policy.loader import load_policy

    ledger.policy = load_policy("permissive")
    world = build_world(ledger)
    api = Api(ledger)
    r = api.post("alice", "/api/lookouts/preview", draft(world, status_code="non_suspect"))
    assert r.json()["allowed"] and r.json()["required_approvals"] == ["supervisor", "counsel"]
    assert r.json()["review_window_days"] == 3
    lid = placed(api, world, status_code="non_suspect")
    assert api.get("alice", f"/api/lookouts/{lid}").json()["decisions"][0]["policy"]["name"] == (
        "tecs-directive-permissive"
    )
    approve(api, lid)
    assert rules_of(api, lid) == ["LC-APPROVAL-REQUIRED"]
    approve(api, lid, "cora", "counsel")
    assert rules_of(api, lid) == []


def test_a_new_policy_version_needs_a_new_acknowledgment(api: Api, world: World, ledger: Ledger) -> None:
    assert api.get("alice", "/api/policy").json()["acknowledged_by_you"] is True
    ledger.policy = type(ledger.policy)(**{**ledger.policy.__dict__, "version": "2026.2"})
    assert api.get("alice", "/api/policy").json()["acknowledged_by_you"] is False
    r = api.post("alice", "/api/lookouts", draft(world))
    assert r.status_code == 409 and r.json()["refusal"]["rule"] == "LC-TRAINING"
    assert api.post("alice", "/api/policy/acknowledge").json()["version"] == "2026.2"
    assert api.post("alice", "/api/lookouts", draft(world)).status_code == 201


def test_modify_after_an_inspection_needs_approval_again(
    api: Api, world: World, ledger: Ledger, clock: FixedClock
) -> None:
    lid = placed(api, world)
    approve(api, lid)
    inspect(world, lid, "I-1")
    clock.advance(hours=2)
    r = api.post(
        "alice",
        f"/api/lookouts/{lid}/modify",
        {"reason": "Narrowed to the vehicle question only.", "information_sought": ["Vehicle ownership"]},
    )
    assert r.status_code == 200 and r.json()["kind"] == "modified"
    assert rules_of(api, lid) == ["LC-APPROVAL-REQUIRED"]
    approve(api, lid)
    assert rules_of(api, lid) == []


def test_remove_after_an_inspection_stops_referral_and_closes_the_review(
    api: Api, world: World, ledger: Ledger, clock: FixedClock
) -> None:
    lid = placed(api, world)
    approve(api, lid)
    inspect(world, lid, "I-1")
    assert api.post("bob", f"/api/lookouts/{lid}/remove", {"reason": "Not mine, removing anyway."}).status_code == 403
    r = api.post("alice", f"/api/lookouts/{lid}/remove", {"reason": "Interview answered what was sought."})
    assert r.status_code == 200 and r.json()["kind"] == "removed"
    assert rules_of(api, lid)[0] == "LC-REMOVED"
    assert lid not in [x["id"] for x in api.get("pat", "/api/lookouts/referring").json()["lookouts"]]
    (row,) = api.get("alice", "/api/lookouts/mine").json()["lookouts"]
    assert row["review_due"] is None  # the decision owed after the inspection was made
    clock.advance(days=8)
    assert api.post("sam", "/api/sweep").json()["post_inspection_disabled"] == []


def test_owner_disables_and_re_enables_referral(api: Api, world: World) -> None:
    lid = placed(api, world)
    approve(api, lid)
    r = api.post("alice", f"/api/lookouts/{lid}/disable", {"reason": "Pausing while the case is reviewed."})
    assert r.status_code == 200 and rules_of(api, lid) == ["LC-REFERRAL-DISABLED"]
    r = api.post("alice", f"/api/lookouts/{lid}/enable", {"reason": "Case review done; still needed."})
    assert r.status_code == 200 and rules_of(api, lid) == []


def test_expiry_disables_and_renewal_needs_a_reassessment(
    api: Api, world: World, ledger: Ledger, clock: FixedClock
) -> None:
    lid = placed(api, world, expires_at=ledger.now() + timedelta(days=20))
    approve(api, lid)
    clock.advance(days=14)
    assert api.post("sam", "/api/sweep").json()["review_reminders"] == [lid]
    assert "review_reminder" in [n["kind"] for n in api.get("alice", "/api/inbox").json()["notices"]]
    clock.advance(days=7)
    assert api.post("sam", "/api/sweep").json()["expired_disabled"] == [lid]
    assert api.post("sam", "/api/sweep").json()["expired_disabled"] == []
    assert {"LC-EXPIRY", "LC-REFERRAL-DISABLED"} <= set(rules_of(api, lid))
    later = (ledger.now() + timedelta(days=30)).isoformat()
    r = api.post("alice", f"/api/lookouts/{lid}/renew", {"reassessment": "ok", "expires_at": later})
    assert r.status_code == 400 and "reassessment" in r.json()["error"]
    too_late = (ledger.now() + timedelta(days=400)).isoformat()
    body = {"reassessment": "Reassessed: still organising crossings.", "expires_at": too_late}
    r = api.post("alice", f"/api/lookouts/{lid}/renew", body)
    assert r.status_code == 409 and r.json()["refusal"]["rule"] == "LC-EXPIRY"
    r = api.post("alice", f"/api/lookouts/{lid}/renew", {**body, "expires_at": later})
    assert r.status_code == 200 and "LC-EXPIRY" in rules_of(api, lid)  # a supervisor decides the renewal
    r = api.post("alice", f"/api/lookouts/{lid}/renewal", {"statement": "I approve my own renewal."})
    assert r.status_code == 403
    r = api.post("sam", f"/api/lookouts/{lid}/renewal", {"statement": "Reassessment read; still needed."})
    assert r.status_code == 200 and r.json()["decision"] == "renew" and rules_of(api, lid) == []


def test_periodic_review_applies_to_unapproved_lookouts(
    api: Api, world: World, ledger: Ledger, clock: FixedClock
) -> None:
    lid = placed(api, world, expires_at=ledger.now() + timedelta(days=170))
    clock.advance(days=91)
    assert api.post("sam", "/api/sweep").json()["review_overdue"] == [lid]
    assert api.post("sam", "/api/sweep").json()["review_overdue"] == []
    assert "review_overdue" in [n["kind"] for n in api.get("sam", "/api/inbox").json()["notices"]]


def test_unaccepted_transfer_escalates_and_the_new_owner_may_decline(api: Api, world: World, clock: FixedClock) -> None:
    lid = placed(api, world)
    body = {"to_owner_id": "O-BOB", "instructions": "Organiser unknown; ask about 12-20; remove when named."}
    tid = api.post("alice", f"/api/lookouts/{lid}/transfers", body).json()["id"]
    clock.advance(days=2)
    assert api.post("sam", "/api/sweep").json()["transfers_escalated"] == []
    clock.advance(days=1, seconds=1)
    assert api.post("sam", "/api/sweep").json()["transfers_escalated"] == [lid]
    assert api.post("sam", "/api/sweep").json()["transfers_escalated"] == []
    assert "transfer_escalated" in [n["kind"] for n in api.get("sam", "/api/inbox").json()["notices"]]
    (pending,) = api.get("bob", "/api/transfers").json()["transfers"]
    assert pending["escalated"] is True
    r = api.post("bob", f"/api/transfers/{tid}/cancel", {"reason": "I do not cover this sector any more."})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert api.get("bob", "/api/transfers").json()["transfers"] == []
    assert [o["id"] for o in api.get("alice", "/api/lookouts/mine").json()["lookouts"]] == [lid]


def test_owner_cannot_leave_the_unit_before_handing_over(api: Api, world: World) -> None:
    lid = placed(api, world)
    r = api.post("sam", "/api/officials/O-ALICE/leave-unit", {"new_unit_id": "U-PORT"})
    assert r.status_code == 409
    refusal = r.json()["refusal"]
    assert refusal["rule"] == "LC-OWNER-DEPARTURE" and lid in refusal["reason"] and refusal["remedy"]
    assert api.post("bob", "/api/officials/O-ALICE/leave-unit", {"new_unit_id": "U-PORT"}).status_code == 403
    assert api.post("alice", "/api/officials/O-ALICE/leave-unit", {"new_unit_id": "U-PORT"}).status_code == 403
    assert api.post("zed", "/api/officials/O-ZED/leave-unit", {"new_unit_id": "U-EOC"}).status_code == 403
    body = {"to_owner_id": "O-BOB", "instructions": "Organiser still unknown; remove once named."}
    assert api.post("alice", f"/api/lookouts/{lid}/transfers", body).status_code == 201
    r = api.post("sam", "/api/officials/O-ALICE/leave-unit", {"new_unit_id": "U-PORT"})
    assert r.status_code == 200 and r.json() == {"official_id": "O-ALICE", "unit_id": "U-PORT"}


def withdraw(ledger: Ledger, username: str, role: str) -> None:
    """What `lookout users revoke` does, without an administrator in this small world."""
    from lookout_ledger.core.auth import UserRole

    with ledger.transaction() as s:
        s.delete(s.get(UserRole, (username, role)))


def test_a_withdrawn_owner_role_stops_every_lifecycle_action_at_the_next_request(
    api: Api, world: World, ledger: Ledger
) -> None:
    """#16 item 2: with lookout_owner withdrawn, the owner's own session could still keep, modify,
    disable, enable, renew, transfer and remove (7 of 7). The check is the capability's, per request."""
    lid = placed(api, world)
    approve(api, lid)
    assert api.post(
        "alice", f"/api/lookouts/{lid}/disable", {"reason": "Pausing while the case is reviewed."}
    ).is_success
    withdraw(ledger, "alice", "lookout_owner")
    later = (ledger.now() + timedelta(days=30)).isoformat()
    attempts = {
        "keep": {"reason": "Organiser still unknown after interview.", "still_sought": ["Organiser"]},
        "modify": {"reason": "Adding the vehicle registration we found.", "basis": draft(world)["basis"]},
        "enable": {"reason": "Case review done; still needed."},
        "disable": {"reason": "Pausing while the case is reviewed."},
        "renew": {"reassessment": "Reassessed: still organising crossings.", "expires_at": later},
        "transfers": {"to_owner_id": "O-BOB", "instructions": "Handing over: the case moved to Bob's desk."},
        "remove": {"reason": "No longer needed after the interview."},
    }
    before = api.get("sam", f"/api/lookouts/{lid}").json()["timeline"]
    for action, body in attempts.items():
        r = api.post("alice", f"/api/lookouts/{lid}/{action}", body)
        assert r.status_code == 403, (action, r.status_code, r.text)
        assert "lookout_owner" in r.json()["error"], action
    assert api.get("sam", f"/api/lookouts/{lid}").json()["timeline"] == before
    # The supervisor of the owner's unit still may act on it, as before.
    assert api.post("sam", f"/api/lookouts/{lid}/remove", {"reason": "Owner reassigned; no longer needed."}).is_success


def test_a_new_owner_without_the_owner_role_cannot_accept_a_transfer(api: Api, world: World, ledger: Ledger) -> None:
    lid = placed(api, world)
    r = api.post(
        "alice", f"/api/lookouts/{lid}/transfers", {"to_owner_id": "O-BOB", "instructions": "Take over the case file."}
    )
    assert r.status_code == 201, r.text
    withdraw(ledger, "bob", "lookout_owner")
    r = api.post("bob", f"/api/transfers/{r.json()['id']}/accept")
    assert r.status_code == 403 and "lookout_owner" in r.json()["error"]
