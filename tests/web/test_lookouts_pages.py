"""The lifecycle pages through FastAPI's TestClient, signed in as the officials who use them.

Each page is a thin adapter over the lifecycle services, so these tests check what a person
sees and what a form changes: the policy's feedback before submitting, refusals with rule,
reason, remedy and citation (and nothing written), queues that never offer anyone their own
request, the transfer inbox, the timeline, and that every POST checks role and CSRF token.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.lookouts import Lookout, LookoutEvent
from lookout_ledger.lookouts import reviews, transfers
from lookout_ledger.lookouts.approvals import decide
from lookout_ledger.lookouts.lifecycle_models import LookoutApproval, LookoutDecision, LookoutTransfer
from lookout_ledger.lookouts.placement import place_lookout
from lookout_ledger.server import create_app
from support.lifecycle_world import World, build_world
from support.web_scenario import sign_in

NEXUS = "Drove the van used in the 2018-12-20 crossing; registration matches."
STATEMENT = "Basis and topics checked against the sector report."
INSTRUCTIONS = "Organiser still unknown: ask about the 12-20 crossing; remove once named."


class Pages:
    """One signed-in browser session per user, with the CSRF token their pages embed."""

    def __init__(self, ledger: Ledger) -> None:
        self.app = create_app(ledger)
        self.sessions: dict[str, tuple[TestClient, str]] = {}

    def as_(self, username: str) -> tuple[TestClient, str]:
        if username not in self.sessions:
            c = TestClient(self.app, base_url="http://testserver")
            self.sessions[username] = (c, sign_in(c, username))
        return self.sessions[username]

    def get(self, username: str, path: str) -> object:
        return self.as_(username)[0].get(path)

    def post(self, username: str, path: str, data: dict | None = None, csrf: bool = True) -> object:
        c, token = self.as_(username)
        form = {**(data or {}), **({"csrf_token": token} if csrf else {})}
        return c.post(path, data=form, follow_redirects=False)


@pytest.fixture
def world(ledger: Ledger) -> World:
    return build_world(ledger)


@pytest.fixture
def pages(ledger: Ledger, world: World) -> Pages:
    return Pages(ledger)


def form_of(world: World, **over: object) -> dict[str, str]:
    d = world.draft(**over)
    return {
        "person_id": d.person_id,
        "status_code": d.status_code,
        "suspected_activity": d.suspected_activity or "",
        "basis": d.basis or "",
        "information_sought": "\n".join(d.information_sought),
        "action": d.action,
        "expires_at": d.expires_at.date().isoformat() if d.expires_at else "",
        "nexus": d.nexus or "",
    }


def placed(world: World, username: str = "alice", **over: object) -> str:
    with world.ledger.transaction() as s:
        return place_lookout(world.ledger, s, username, world.draft(**over)).id


def approved(world: World, **over: object) -> str:
    lid = placed(world, **over)
    with world.ledger.transaction() as s:
        decide(world.ledger, s, "sam", lid, "supervisor", True, STATEMENT)
    return lid


def inspected(world: World, lid: str, iid: str = "I-1") -> None:
    ledger = world.ledger
    with ledger.transaction() as s:
        world.inspection(s, lid, "P-1", ledger.now(), iid)
        reviews.record_inspection(ledger, s, lid, iid, ledger.now())


def count(ledger: Ledger, model: type) -> int:
    with ledger.reading() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def text_of(html: str) -> str:
    """The page's words without markup, so assertions read like what a person sees."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- my lookouts -------------------------------------------------------------------------


def test_my_lookouts_shows_referral_state_the_decision_due_and_the_inbox(
    pages: Pages, world: World, clock: FixedClock
) -> None:
    lid = approved(world)
    clock.advance(days=1)
    inspected(world, lid)
    r = pages.get("alice", "/lookouts")
    assert r.status_code == 200
    row = re.search(rf'<tr data-lookout="{lid}">(.*?)</tr>', r.text, re.S)
    assert row, "the owner's lookout is listed"
    cells = text_of(row.group(1))
    assert "No" in cells and "LC-POST-INSPECTION-REVIEW" in cells
    assert "2019-01-09 00:00 (UTC+00:00)" in cells  # decided within 7 days of the inspection on 2019-01-02
    inbox = text_of(r.text.split('id="inbox"', 1)[1])
    assert f"Lookout {lid} caused an inspection" in inbox
    # another owner sees none of it
    other = pages.get("bob", "/lookouts")
    assert lid not in other.text and "You own no lookouts" in text_of(other.text)


def test_unacknowledged_policy_is_offered_and_acknowledged_from_the_page(ledger: Ledger) -> None:
    build_world(ledger, acknowledged=False)
    pages = Pages(ledger)
    page = pages.get("alice", "/lookouts")
    assert 'id="training"' in page.text and "tecs-directive-strict 2026.1" in page.text
    assert pages.post("alice", "/lookouts/acknowledge").status_code == 303
    assert 'id="training"' not in pages.get("alice", "/lookouts").text


# --- place a lookout ---------------------------------------------------------------------


def test_check_shows_the_policys_feedback_and_writes_nothing(pages: Pages, world: World, ledger: Ledger) -> None:
    decisions = count(ledger, LookoutDecision)  # the users' training acknowledgments
    r = pages.post("alice", "/lookouts/new", {**form_of(world, person_id="P-J", nexus=NEXUS), "intent": "check"})
    assert r.status_code == 200
    feedback = text_of(r.text.split('id="feedback"', 1)[1].split("</section>", 1)[0])
    assert "Meets the standard" in feedback
    assert "supervisor and counsel" in feedback and "journalist" in feedback
    assert "within 3 days" in feedback  # the sensitive (shorter) review window
    r = pages.post(
        "alice",
        "/lookouts/new",
        {**form_of(world, basis="Attended the protest and was photographing officers."), "intent": "check"},
    )
    feedback = text_of(r.text.split('id="feedback"', 1)[1].split("</section>", 1)[0])
    assert "Would be refused" in feedback and "LC-FIRST-AMENDMENT" in feedback and "To proceed:" in feedback
    assert 'value="P-1"' in r.text  # the draft is kept for fixing
    assert count(ledger, Lookout) == 0 and count(ledger, LookoutDecision) == decisions


@pytest.mark.parametrize(
    ("over", "rule"),
    [
        ({"status_code": "non_suspect"}, "LC-NON-SUSPECT"),
        ({"basis": ""}, "LC-BASIS-REQUIRED"),
        ({"information_sought": []}, "LC-BASIS-REQUIRED"),
        ({"person_id": "P-J"}, "LC-FIRST-AMENDMENT"),
    ],
)
def test_refused_placement_shows_rule_reason_remedy_and_citation_and_writes_no_lookout(
    pages: Pages, world: World, ledger: Ledger, over: dict, rule: str
) -> None:
    r = pages.post("alice", "/lookouts/new", {**form_of(world, **over), "intent": "place"})
    assert r.status_code == 409
    box = r.text.split('id="refusal"', 1)[1].split("</section>", 1)[0]
    words = text_of(box)
    assert f"Refused {rule}" in words
    assert re.search(r'class="alert alert-error reason">[^<]{20,}<', box), "a reason a person can act on"
    assert "To proceed:" in words and ("U.S.C." in words or "Directive" in words or "C.F.R." in words)
    assert "tecs-directive-strict 2026.1" in words
    assert count(ledger, Lookout) == 0
    with ledger.reading() as s:  # the refusal itself is kept, with its rule
        q = select(LookoutDecision.outcome, LookoutDecision.rules).where(LookoutDecision.action == "place")
        outcomes = s.execute(q).all()
    assert [(o, rule in rules) for o, rules in outcomes] == [("refused", True)]


def test_bad_expiry_names_the_field_and_writes_nothing(pages: Pages, world: World, ledger: Ledger) -> None:
    r = pages.post("alice", "/lookouts/new", {**form_of(world), "expires_at": "next week", "intent": "place"})
    assert r.status_code == 400 and "expires_at:" in text_of(r.text)
    assert count(ledger, Lookout) == 0


def test_placing_leads_to_the_lookout_page_which_refers_nobody_until_approved(
    pages: Pages, world: World, ledger: Ledger
) -> None:
    r = pages.post("alice", "/lookouts/new", {**form_of(world), "intent": "place"})
    assert r.status_code == 303
    lid = r.headers["location"].rsplit("/", 1)[1]
    page = pages.get("alice", f"/lookouts/{lid}")
    words = text_of(page.text)
    assert "Referral now: Refers nobody" in words and "LC-APPROVAL-REQUIRED" in words
    assert "Supervisor : pending" in words
    assert "approve-form" not in page.text  # the owner is never offered their own approval
    assert "Who arranged the 2018-12-20 crossing" in words


# --- approval queues ---------------------------------------------------------------------


def test_supervisor_and_counsel_queues_and_approval_through_the_page(pages: Pages, world: World) -> None:
    lid = placed(world, person_id="P-J", nexus=NEXUS)
    sam = pages.get("sam", "/lookouts/approvals")
    assert re.search(rf'data-lookout="{lid}">.*?supervisor', sam.text, re.S)
    cora = pages.get("cora", "/lookouts/approvals")
    assert re.search(rf'data-lookout="{lid}">.*?counsel', cora.text, re.S)
    zed = pages.get("zed", "/lookouts/approvals")  # a supervisor of another unit
    assert lid not in zed.text and "Nothing is waiting" in text_of(zed.text)
    assert pages.get("alice", "/lookouts/approvals").status_code == 403

    detail = pages.get("sam", f"/lookouts/{lid}").text
    assert 'data-role="supervisor"' in detail and '<form method="post" action="/lookouts/' in detail
    assert 'class="form approve-form" data-role="counsel"' not in detail  # sam is not counsel
    short = pages.post("sam", f"/lookouts/{lid}/approve", {"role": "supervisor", "statement": "ok"})
    assert short.status_code == 400 and "statement:" in text_of(short.text)
    assert (
        pages.post("sam", f"/lookouts/{lid}/approve", {"role": "supervisor", "statement": STATEMENT}).status_code == 303
    )
    after = text_of(pages.get("alice", f"/lookouts/{lid}").text)
    assert "Supervisor : approved" in after and "Refers nobody" in after  # counsel has not approved yet
    r = pages.post(
        "cora", f"/lookouts/{lid}/approve", {"role": "counsel", "statement": "Nexus stated; not press work."}
    )
    assert r.status_code == 303
    assert "Referral now: Refers" in text_of(pages.get("alice", f"/lookouts/{lid}").text)
    assert lid not in pages.get("sam", "/lookouts/approvals").text


def test_nobody_approves_their_own_request(pages: Pages, world: World, ledger: Ledger) -> None:
    lid = placed(world, "sue")  # sue is an owner and a supervisor
    assert lid not in pages.get("sue", "/lookouts/approvals").text
    assert "approve-form" not in pages.get("sue", f"/lookouts/{lid}").text
    r = pages.post("sue", f"/lookouts/{lid}/approve", {"role": "supervisor", "statement": STATEMENT})
    assert r.status_code == 409
    assert "Refused LC-SEPARATION-OF-DUTIES" in text_of(r.text) and "To proceed:" in text_of(r.text)
    with ledger.reading() as s:
        assert s.execute(select(LookoutApproval.status).where(LookoutApproval.lookout_id == lid)).scalar() == "pending"


# --- reviews, the timeline ---------------------------------------------------------------


def test_missed_review_then_keep_through_the_page_and_the_timeline(
    pages: Pages, world: World, ledger: Ledger, clock: FixedClock
) -> None:
    lid = approved(world)
    clock.advance(days=1)
    inspected(world, lid)
    page = text_of(pages.get("alice", f"/lookouts/{lid}").text)
    assert "Decision owed after an inspection" in page and "keep, modify or remove by 2019-01-09" in page
    clock.advance(days=8)
    assert pages.post("sam", "/api/sweep", csrf=False).status_code == 403  # the API needs the header, not a form
    c, token = pages.as_("sam")
    assert c.post("/api/sweep", headers={"X-CSRF-Token": token}).json()["post_inspection_disabled"] == [lid]
    page = text_of(pages.get("alice", f"/lookouts/{lid}").text)
    assert "LC-REFERRAL-DISABLED" in page and "passed without a decision" in page
    assert "no review after inspection, referral disabled" in text_of(pages.get("alice", "/lookouts").text)
    r = pages.post("alice", f"/lookouts/{lid}/keep", {"reason": "Interview named a driver only.", "still_sought": ""})
    assert r.status_code == 409 and "Refused LC-POST-INSPECTION-REVIEW" in text_of(r.text)
    r = pages.post(
        "alice",
        f"/lookouts/{lid}/keep",
        {"reason": "Interview named a driver only; organiser unknown.", "still_sought": "Organiser's name"},
    )
    assert r.status_code == 303
    page = pages.get("alice", f"/lookouts/{lid}").text
    kinds = re.findall(r'data-kind="([a-z_]+)"', page.split('id="timeline"', 1)[1])
    assert kinds[:2] == ["placed", "approval_requested"]
    for kind in ("approval_approved", "inspection", "post_inspection_opened", "referral_disabled", "reviewed"):
        assert kind in kinds
    assert kinds.index("referral_disabled") < kinds.index("reviewed") < kinds.index("referral_enabled")
    assert "Referral now: Refers" in text_of(page)


def test_renew_with_a_bad_date_names_the_field(pages: Pages, world: World) -> None:
    lid = approved(world)
    r = pages.post("alice", f"/lookouts/{lid}/renew", {"reassessment": "Still needed after review.", "expires_at": "x"})
    assert r.status_code == 400 and "expires_at:" in text_of(r.text)


def test_unknown_lookout_is_404(pages: Pages) -> None:
    assert pages.get("alice", "/lookouts/lo-none").status_code == 404


# --- transfers ---------------------------------------------------------------------------


def test_transfer_inbox_accept_with_instructions(pages: Pages, world: World, ledger: Ledger) -> None:
    lid = approved(world)
    r = pages.post("alice", f"/lookouts/{lid}/transfer", {"to_owner_id": "O-BOB", "instructions": "ok"})
    assert r.status_code == 409 and "Refused LC-TRANSFER-ACCEPTANCE" in text_of(r.text)
    r = pages.post("alice", f"/lookouts/{lid}/transfer", {"to_owner_id": "O-BOB", "instructions": INSTRUCTIONS})
    assert r.status_code == 303
    assert "Transfer pending" in text_of(pages.get("alice", f"/lookouts/{lid}").text)
    assert "1 transfer waiting for your acceptance" in text_of(pages.get("bob", "/lookouts").text)
    inbox = pages.get("bob", "/lookouts/transfers")
    card = text_of(inbox.text.split("data-transfer=", 1)[1])
    assert lid in card and INSTRUCTIONS in card and "Accept with these instructions" in card
    with ledger.reading() as s:
        (tid,) = [t.id for t in transfers.inbox(s, "bob")]
    assert pages.post("sue", f"/lookouts/transfers/{tid}/accept").status_code == 403  # not the new owner
    r = pages.post("bob", f"/lookouts/transfers/{tid}/accept")
    assert r.status_code == 303 and r.headers["location"] == f"/lookouts/{lid}"
    page = pages.get("bob", f"/lookouts/{lid}").text
    assert "(O-BOB)" in text_of(page) and 'id="owner-actions"' in page
    assert "notice: True" in text_of(page.split('id="timeline"', 1)[1])
    assert "No transfers are waiting" in text_of(pages.get("bob", "/lookouts/transfers").text)
    assert 'id="owner-actions"' not in pages.get("alice", f"/lookouts/{lid}").text
    assert "transfer accepted" in text_of(pages.get("alice", "/lookouts").text)
    again = pages.post("bob", f"/lookouts/transfers/{tid}/accept")
    assert again.status_code == 400 and "not pending" in text_of(again.text)


# --- every POST checks role and CSRF -----------------------------------------------------


def _post_targets(world: World) -> list[tuple[str, dict[str, str]]]:
    lid = approved(world)
    with world.ledger.transaction() as s:
        tid = transfers.request_transfer(world.ledger, s, "alice", lid, "O-BOB", INSTRUCTIONS).id
    return [
        ("/lookouts/acknowledge", {}),
        ("/lookouts/new", {**form_of(world), "intent": "place"}),
        (f"/lookouts/{lid}/approve", {"role": "supervisor", "statement": STATEMENT}),
        (f"/lookouts/{lid}/keep", {"reason": "Still needed after the interview.", "still_sought": "Organiser"}),
        (f"/lookouts/{lid}/remove", {"reason": "No longer needed after the interview."}),
        (f"/lookouts/{lid}/transfer", {"to_owner_id": "O-SUE", "instructions": INSTRUCTIONS}),
        (f"/lookouts/{lid}/renew", {"reassessment": "Reassessed: still needed.", "expires_at": "2019-02-01"}),
        (f"/lookouts/{lid}/renewal", {"statement": STATEMENT}),
        (f"/lookouts/{lid}/adopt", {"expires_at": "2019-02-01"}),
        (f"/lookouts/transfers/{tid}/accept", {}),
    ]


def _writes(ledger: Ledger) -> tuple[int, ...]:
    return tuple(count(ledger, m) for m in (Lookout, LookoutEvent, LookoutDecision, LookoutTransfer))


def test_every_post_refuses_a_role_that_may_not_do_it(pages: Pages, world: World, ledger: Ledger) -> None:
    targets = _post_targets(world)
    before = _writes(ledger)
    for path, data in targets:
        r = pages.post("pat", path, data)  # a port officer: screens travellers, owns and approves nothing
        assert r.status_code == 403, path
        assert "Not allowed" in r.text and "You are signed in as pat" in text_of(r.text), path
    assert _writes(ledger) == before


def test_owner_actions_by_another_owner_are_forbidden(pages: Pages, world: World, ledger: Ledger) -> None:
    targets = dict(_post_targets(world))
    before = _writes(ledger)
    for path, data in targets.items():
        if path.endswith(("/keep", "/renew", "/transfer", "/remove", "/adopt")):
            r = pages.post("bob", path, data)
            assert r.status_code == 403 and "O-ALICE" in text_of(r.text), path
    assert _writes(ledger) == before


def test_every_post_without_the_csrf_token_is_refused(pages: Pages, world: World, ledger: Ledger) -> None:
    targets = _post_targets(world)
    before = _writes(ledger)
    for path, data in targets:
        for user in ("alice", "sam", "bob"):
            r = pages.post(user, path, data, csrf=False)
            assert r.status_code == 403 and "CSRF token" in text_of(r.text), (user, path)
        c, _ = pages.as_("alice")
        wrong = c.post(path, data={**data, "csrf_token": "forged"}, follow_redirects=False)
        assert wrong.status_code == 403, path
    assert _writes(ledger) == before


def test_pages_need_a_session(ledger: Ledger, world: World) -> None:
    c = TestClient(create_app(ledger), base_url="http://testserver")
    for path in ("/lookouts", "/lookouts/new", "/lookouts/approvals", "/lookouts/transfers"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/signin?next="), path
