"""The pages in a real browser: Debian's Chromium driven by Playwright, against uvicorn.

This is the test that catches what TestClient cannot: the CSP blocking our own script, htmx
not swapping the findings, a layout that breaks at 1280px or on a phone. Screenshots go to
/tmp so a person can look at them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.server import create_app
from support.live_server import SHOTS, serve
from support.web_scenario import PASSWORD, S, build

pytestmark = pytest.mark.browser

OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !(e.parentElement && e.parentElement.closest('.table-wrap')))
  .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + (e.id ? '#' + e.id : ''))"""


@pytest.fixture
def server(sqlite_ledger: Ledger) -> Iterator[str]:
    build(sqlite_ledger)
    with serve(create_app(sqlite_ledger)) as url:
        yield url


def test_auditor_signs_in_filters_findings_and_drills_down(server: str, browser: object) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text} {m.location}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{server}/dashboard")
    expect(page).to_have_url(re.compile(r"/signin\?next=/dashboard"))
    page.screenshot(path=str(SHOTS / "lookout-signin.png"), full_page=True)
    page.fill("#username", "auditor")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("h1")).to_have_text("Oversight dashboard")
    expect(page.locator("header.site")).to_contain_text("Avery Auditor")
    chart = page.locator("img.chart")
    expect(chart).to_be_visible()
    assert page.evaluate("document.querySelector('img.chart').naturalWidth") > 0, "Figure 1 did not load"
    expect(page.locator("table.matrix")).to_contain_text("Advisement")
    page.screenshot(path=str(SHOTS / "lookout-dashboard.png"), full_page=True)

    # Filter by rule: htmx swaps the findings section and pushes a bookmarkable URL.
    page.select_option("#f-rule", "LK-TRANSFER-WITHOUT-NOTICE")
    expect(page).to_have_url(re.compile(r"rule=LK-TRANSFER-WITHOUT-NOTICE"))
    rows = page.locator("#findings table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("LK-TRANSFER-WITHOUT-NOTICE")
    expect(page.locator("#findings .count")).to_contain_text("Showing 1–1 of 1 finding")

    # Follow the finding to its record and see the history.
    rows.first.get_by_role("link", name=S.lookout).click()
    expect(page).to_have_url(re.compile(rf"/records/lookout/{S.lookout}$"))
    expect(page.locator("h1")).to_contain_text(f"Lookout {S.lookout}")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Transferred")
    expect(timeline).to_contain_text("without notice")
    expect(timeline).to_contain_text("Inspection")
    expect(page.locator("#record-findings")).to_contain_text("LK-TRANSFER-WITHOUT-NOTICE")
    page.screenshot(path=str(SHOTS / "lookout-record.png"), full_page=True)

    # The same pages on a phone-sized screen: nothing wider than the viewport but the tables' own scrollers.
    phone = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    phone.add_cookies(context.cookies())
    small = phone.new_page()
    small.on("console", lambda m: problems.append(f"{small.url}: {m.text} {m.location}") if m.type == "error" else None)
    small.goto(f"{server}/dashboard")
    expect(small.locator("h1")).to_have_text("Oversight dashboard")
    assert small.evaluate(OVERFLOWING) == [], "wider than a phone screen"
    assert small.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways on a phone"
    small.screenshot(path=str(SHOTS / "lookout-dashboard-narrow.png"), full_page=True)
    small.goto(f"{server}/records/lookout/{S.lookout}")
    assert small.evaluate(OVERFLOWING) == [], "wider than a phone screen"
    assert small.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways on a phone"
    small.screenshot(path=str(SHOTS / "lookout-record-narrow.png"), full_page=True)

    assert problems == [], f"browser console errors (CSP violations, script errors): {problems}"
    phone.close()
    context.close()
