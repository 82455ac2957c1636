"""One lookout's life in a real browser: placed, approved, inspected, its review missed, disabled
by the server's own scheduled sweep, and handed over with instructions.

The server runs with a FixedClock the test advances, and LOOKOUT_SWEEP_SECONDS small, so the
automatic disabling is done by the schedule in the running server, not by the test. Each step
asserts what the person at the keyboard sees. Screenshots go to /tmp (lifecycle-*.png).
"""

from __future__ import annotations

import re

import pytest

from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.lookouts import reviews
from lookout_ledger.server import create_app
from support.lifecycle_world import PASSWORD, build_world
from support.live_server import SHOTS, serve

pytestmark = pytest.mark.browser

BASIS = "Agents saw him drive the van that carried a group through the Otay Mesa fence gap on 2018-12-20."
NEXUS = "He drove the smuggling van himself; his press work is not the reason for this lookout."
INSTRUCTIONS = "Organiser still unknown: ask who paid for the van; remove the lookout once named."
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !(e.parentElement && e.parentElement.closest('.table-wrap')))
  .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + (e.id ? '#' + e.id : ''))"""


def test_one_lookout_from_placement_to_transfer(
    sqlite_ledger: Ledger, clock: FixedClock, browser: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    ledger = sqlite_ledger
    world = build_world(ledger)
    monkeypatch.setenv("LOOKOUT_SWEEP_SECONDS", "0.3")
    problems: list[str] = []

    def session_of(base: str, username: str, viewport: dict | None = None) -> object:
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})  # type: ignore[attr-defined]
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{base}/lookouts")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(re.compile(r"/lookouts$"))
        return page

    def shot(page: object, name: str) -> None:
        page.screenshot(path=str(SHOTS / f"lifecycle-{name}.png"), full_page=True)  # type: ignore[attr-defined]

    with serve(create_app(ledger)) as base:
        # 1. The owner drafts a lookout on a journalist; the policy's feedback comes before submitting.
        alice = session_of(base, "alice")
        expect(alice.locator("h1")).to_have_text("My lookouts")
        expect(alice.locator("#my-lookouts")).to_contain_text("You own no lookouts")
        alice.click("text=Place a lookout")
        expect(alice.locator("h1")).to_have_text("Place a lookout")
        alice.fill("#f-person", "P-J")
        alice.fill("#f-activity", "alien smuggling across the Otay Mesa fence")
        alice.fill("#f-basis", BASIS)
        alice.fill("#f-topics", "Who paid for the van\nWhere the group was taken")
        alice.fill("#f-expires", "2019-02-15")
        alice.click("button[value=check]")
        feedback = alice.locator("#feedback")
        expect(feedback).to_contain_text("Would be refused")
        expect(feedback).to_contain_text("LC-FIRST-AMENDMENT")
        expect(feedback).to_contain_text("To proceed:")
        expect(alice.locator("#f-basis")).to_have_value(BASIS)  # the draft survives the check
        shot(alice, "1-feedback-refused")
        alice.fill("#f-nexus", NEXUS)
        alice.click("button[value=check]")
        expect(feedback).to_contain_text("Meets the standard")
        expect(alice.locator("#approvals-needed")).to_have_text("supervisor and counsel")
        expect(feedback).to_contain_text("within 3 days")
        shot(alice, "2-feedback-ok")
        alice.click("button[value=place]")
        expect(alice).to_have_url(re.compile(r"/lookouts/lo-[0-9a-f]+$"))
        lid = alice.url.rsplit("/", 1)[1]
        expect(alice.locator("#referral-state")).to_contain_text("Refers nobody")
        expect(alice.locator("#referral-state")).to_contain_text("LC-APPROVAL-REQUIRED")
        expect(alice.locator(".approve-form")).to_have_count(0)  # nobody approves their own request
        shot(alice, "3-placed")

        # 2. The supervisor finds it in the queue and approves in writing; counsel too (sensitive).
        for username, role, statement in (
            ("sam", "supervisor", "Basis checked against the sector report; topics are actionable."),
            ("cora", "counsel", "Nexus to smuggling stated; the lookout is not about his reporting."),
        ):
            approver = session_of(base, username)
            approver.click("text=Approvals")
            row = approver.locator(f'#approvals tr[data-lookout="{lid}"]')
            expect(row).to_contain_text(role)
            if username == "sam":
                shot(approver, "4-approval-queue")
            row.get_by_role("link", name=lid).click()
            approver.fill(f"#st-{role}", statement)
            approver.click(f'.approve-form[data-role="{role}"] button[value=approve]')
            expect(approver.locator(f'#approval-list li[data-role="{role}"]')).to_contain_text("approved")
            expect(approver.locator(f'#approval-list li[data-role="{role}"]')).to_contain_text(statement)
            approver.context.close()
        alice.reload()
        expect(alice.locator("#referral-state h2")).to_contain_text("Refers")
        expect(alice.locator("#referral-state h2")).not_to_contain_text("nobody")

        # 3. An inspection happens (issue 4's screens do not exist yet: the service it will call).
        clock.advance(hours=2)
        with ledger.transaction() as s:
            world.inspection(s, lid, "P-J", ledger.now(), "I-BROWSER-1")
            reviews.record_inspection(ledger, s, lid, "I-BROWSER-1", ledger.now())
        alice.goto(f"{base}/lookouts")
        row = alice.locator(f'#my-lookouts tr[data-lookout="{lid}"]')
        expect(row.locator(".refers")).to_have_text("No")
        expect(row).to_contain_text("LC-POST-INSPECTION-REVIEW")
        expect(row.locator(".review-due")).to_have_text("2019-01-04 02:00 (UTC+00:00)")
        expect(alice.locator('#inbox li[data-kind="review_due"]')).to_contain_text("caused an inspection")
        shot(alice, "5-review-due")

        # 4. Nobody decides; time passes the 3-day window; the server's scheduled sweep disables referral.
        clock.advance(days=3, hours=1)
        alice.goto(f"{base}/lookouts/{lid}")
        for _ in range(50):
            if "LC-REFERRAL-DISABLED" in alice.locator("#referral-state").inner_text():
                break
            alice.wait_for_timeout(200)
            alice.reload()
        expect(alice.locator("#referral-state")).to_contain_text("Refers nobody")
        expect(alice.locator("#referral-state")).to_contain_text("LC-REFERRAL-DISABLED")
        expect(alice.locator("#review-due")).to_contain_text("passed without a decision")
        disabled = alice.locator('#timeline li[data-kind="referral_disabled"]')
        expect(disabled).to_have_count(1)
        expect(disabled).to_contain_text("disabled automatically")
        shot(alice, "6-disabled")
        alice.goto(f"{base}/lookouts")
        expect(alice.locator('#inbox li[data-kind="review_missed"]')).to_contain_text("referral disabled")
        shot(alice, "7-inbox")

        # 5. The owner hands it over; the new owner accepts it with the instructions.
        alice.goto(f"{base}/lookouts/{lid}")
        alice.fill("#t-to", "O-BOB")
        alice.fill("#t-instr", INSTRUCTIONS)
        alice.click("#transfer-form button[type=submit]")
        expect(alice.locator("#pending-transfer")).to_contain_text("O-BOB")
        expect(alice.locator("#transfer-form")).to_have_count(0)
        bob = session_of(base, "bob")
        expect(bob.locator("#transfers-waiting")).to_have_text("1 transfer waiting for your acceptance")
        bob.click("#transfers-waiting")
        card = bob.locator(".transfer")
        expect(card).to_contain_text(lid)
        expect(card.locator(".instructions")).to_have_text(INSTRUCTIONS)
        shot(bob, "8-transfer-inbox")
        clock.advance(hours=1)
        card.get_by_role("button", name="Accept with these instructions").click()
        expect(bob).to_have_url(re.compile(rf"/lookouts/{lid}$"))
        expect(bob.locator(".page-head .meta")).to_contain_text("Official Bob (O-BOB)")
        transferred = bob.locator('#timeline li[data-kind="transferred"]')
        expect(transferred).to_contain_text("notice: True")
        expect(transferred).to_contain_text(INSTRUCTIONS)
        expect(bob.locator("#owner-actions")).to_be_visible()
        shot(bob, "9-accepted")
        bob.goto(f"{base}/lookouts")
        expect(bob.locator(f'#my-lookouts tr[data-lookout="{lid}"]')).to_be_visible()
        alice.goto(f"{base}/lookouts")
        expect(alice.locator('#inbox li[data-kind="transfer_accepted"]')).to_be_visible()
        expect(alice.locator(f'#my-lookouts tr[data-lookout="{lid}"]')).to_have_count(0)

        # The busiest page on a phone: nothing wider than the screen but the tables' own scrollers.
        phone = session_of(base, "bob", {"width": 390, "height": 844})
        for path in (f"/lookouts/{lid}", "/lookouts", "/lookouts/new"):
            phone.goto(f"{base}{path}")
            assert phone.evaluate(OVERFLOWING) == [], f"{path} is wider than a phone screen"
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390, f"{path} scrolls sideways"
        shot(phone, "10-phone")

    assert problems == [], f"browser console errors (CSP violations, script errors): {problems}"
