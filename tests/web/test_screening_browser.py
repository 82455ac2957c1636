"""A traveler at the port in a real browser: screened, referred, inspected, the inspection
ended, and the lookout owner's notification in their inbox.

Each step asserts what the person at the keyboard sees; the server runs in this process with
the tests' FixedClock, so the start and end times on the page are the system's. Screenshots go
to /tmp (screening-*.png).
"""

from __future__ import annotations

import re

import pytest

from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.screening import service
from lookout_ledger.server import create_app
from support.lifecycle_world import PASSWORD
from support.live_server import SHOTS, serve
from support.screening_world import screening_world

pytestmark = pytest.mark.browser

REASON = "He photographed the fence sensors; his phone may hold the smuggling route the lookout describes."


def test_traveler_from_screening_to_the_owners_notification(
    sqlite_ledger: Ledger, clock: FixedClock, browser: object
) -> None:
    from playwright.sync_api import expect

    ledger = sqlite_ledger
    service.forget_indexes()
    screening_world(ledger)
    problems: list[str] = []

    def session_of(base: str, username: str, start: str) -> object:
        context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{base}{start}")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(re.compile(re.escape(start) + "$"))
        return page

    def shot(page: object, name: str) -> None:
        page.screenshot(path=str(SHOTS / f"screening-{name}.png"), full_page=True)  # type: ignore[attr-defined]

    with serve(create_app(ledger)) as base:
        # 1. The port officer screens a traveler whose name is spelt without accents and with one surname.
        pat = session_of(base, "pat", "/screening")
        expect(pat.locator("h1")).to_have_text("Screen a traveler")
        pat.fill("#s-port", "San Ysidro")
        pat.fill("#s-given", "Jose Maria")
        pat.fill("#s-family", "Garcia")
        pat.fill("#s-dob", "1980-03-07")
        pat.fill("#s-nat", "MX")
        pat.click("#screen-form button[type=submit]")
        banner = pat.locator("#referral")
        expect(banner).to_contain_text("Refer to secondary")
        expect(banner).to_contain_text("LK-MX")
        expect(banner.locator(".sought-topics li")).to_have_text(["Who arranged the crossing", "Vehicle ownership"])
        expect(banner).not_to_contain_text("fence gap")  # the owner's basis stays in the owner's file
        shot(pat, "1-referral")

        # 2. The inspection starts at the system's time; the officer ticks a sought topic and adds one.
        pat.click("#referral button[type=submit]")
        expect(pat).to_have_url(re.compile(r"/inspections/in-[0-9a-f]+$"))
        iid = pat.url.rsplit("/", 1)[1]
        expect(pat.locator("#ended")).to_have_text("still open")
        pat.check('input[name=sought][value="Vehicle ownership"]')
        pat.fill("#i-free", "Travel companions")
        pat.fill("#i-info", "The car belongs to his cousin in Tijuana.")
        pat.check('input[name=new_information][value="yes"]')
        pat.click("#save-interview")
        expect(pat.locator('input[name=sought][value="Vehicle ownership"]')).to_be_checked()
        expect(pat.locator('input[name=sought][value="Who arranged the crossing"]')).not_to_be_checked()

        # 3. A device search is requested; recording it before approval is refused with the rule.
        pat.fill("#d-reason", REASON)
        pat.click("#request-search")
        expect(pat.locator("#ds-decision")).to_have_text("waiting")
        pat.fill("#d-findings", "Photos of the route found.")
        pat.click("#record-search")
        expect(pat.locator("#refusal")).to_contain_text("IN-DEVICE-SEARCH")
        expect(pat.locator("#refusal")).to_contain_text("not approved yet")
        shot(pat, "2-inspection-refused")

        zed = session_of(base, "zed", "/device-searches")
        card = zed.locator(f'section[data-inspection="{iid}"]')
        expect(card).to_contain_text(REASON)
        shot(zed, "3-device-search-approvals")
        card.locator("button[value=approve]").click()
        expect(zed.locator("#decided")).to_contain_text("approved")
        expect(zed.locator("#none-pending")).to_be_visible()

        pat.goto(f"{base}/inspections/{iid}")  # the refused POST is not reloaded
        expect(pat.locator("#ds-decision")).to_contain_text("approved by O-ZED")
        pat.fill("#d-findings", "Photos of the route found.")
        pat.click("#record-search")
        expect(pat.locator("#ds-findings")).to_have_text("Photos of the route found.")

        # 4. The inspection ends (system time, 40 minutes later); the owner has the report.
        clock.advance(minutes=40)
        pat.click("#end-inspection")
        expect(pat.locator("#ended-note")).to_contain_text("Report sent")
        expect(pat.locator("#duration")).to_have_text("0 h 40 min")
        expect(pat.locator("#end-form")).to_have_count(0)
        shot(pat, "4-ended")

        alice = session_of(base, "alice", "/lookouts")
        report = alice.locator('#inbox li[data-kind="inspection_report"]')
        expect(report).to_contain_text("Inspection report for your lookout LK-MX")
        expect(report).to_contain_text("Vehicle ownership")
        expect(report).to_contain_text("The car belongs to his cousin in Tijuana.")
        shot(alice, "5-owner-inbox")

    # A refusal page answers 409 on purpose (Chromium logs that status); anything else is a fault.
    faults = [m for m in problems if "status of 409" not in m]
    assert faults == [], f"browser console errors (CSP violations, script errors): {faults}"
