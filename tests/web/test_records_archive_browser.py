"""In Chromium: the records officer imports a chat export, finds a person in it, runs a records request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.server import create_app
from support.chat_exports import ANDROID_ES
from support.live_server import SHOTS, serve
from support.records_world import world

pytestmark = pytest.mark.browser


@pytest.fixture
def server(sqlite_ledger: Ledger) -> Iterator[str]:
    world(sqlite_ledger)
    with sqlite_ledger.transaction() as s:
        from support.factories import Factory

        Factory(s, sqlite_ledger.keyring).person("P-RAM", given_name="Lucía", family_name="Ramírez")
    with serve(create_app(sqlite_ledger)) as url:
        yield url


def test_import_find_and_request(server: str, browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    export = tmp_path / "WhatsApp Chat with Lic. Ramirez.txt"
    export.write_text(ANDROID_ES, encoding="utf-8")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()  # type: ignore[attr-defined]
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{server}/archive/officer")
    page.fill("#username", "recorder")
    page.fill("#password", "pw-recorder-123")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/archive/officer$"))

    page.set_input_files("#file", str(export))
    page.select_option("#channel", "whatsapp")
    page.select_option("#account", "personal")
    page.fill("#owner", "OFF-WHITLOCK")
    page.fill("#timezone", "America/Tijuana")
    page.click("#import-form button[type=submit]")
    expect(page.locator("#notice")).to_contain_text("Imported 4 message(s)")
    page.screenshot(path=str(SHOTS / "records-officer.png"), full_page=True)

    page.goto(f"{server}/archive")
    page.fill("#q", "ramirez")  # no accent, lower case: the chat writes "Lic. Ramírez"
    page.press("#q", "Enter")
    expect(page.locator("#total")).to_have_text("3")
    expect(page.locator("#hits .sender").first).to_have_text("Lic. Ramírez")
    expect(page.locator("#hits mark").first).to_have_text("Ramírez")
    page.screenshot(path=str(SHOTS / "records-search.png"), full_page=True)

    page.goto(f"{server}/archive/officer")
    page.fill("#people", "P-RAM")
    page.fill("#reference", "FOIA-2019-0054")
    page.click("#request-form button[type=submit]")
    expect(page.locator("h2").first).to_have_text("Search certificate")
    expect(page.locator("#count-P-RAM")).to_contain_text("Lucía Ramírez")
    page.screenshot(path=str(SHOTS / "records-request.png"), full_page=True)
    assert problems == []


def test_liaison_officer_notes_a_meeting_and_finds_it(server: str, browser: object) -> None:
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()  # type: ignore[attr-defined]
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{server}/archive/notes/new")
    page.fill("#username", "whitlock")
    page.fill("#password", "pw-whitlock-123")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/archive/notes/new$"))
    expect(page.locator("#n-author")).to_have_value("OFF-WHITLOCK")

    page.select_option("#n-kind", "meeting_note")
    page.fill("#n-at", "2018-12-20T10:00")
    page.fill("#n-timezone", "Mars/Olympus")
    page.fill("#n-participants", "INM regional director")
    page.fill("#n-subject", "Briefing on the caravan")
    page.fill("#n-body", "Shared the PowerPoint; the director asked for dates of birth and we committed to none.")
    page.click("#note-form button[type=submit]")
    expect(page.locator("#error")).to_contain_text("timezone: 'Mars/Olympus' is not an IANA time zone")
    expect(page.locator("#n-subject")).to_have_value("Briefing on the caravan")  # kept as entered
    expect(page.locator("#n-timezone")).to_have_attribute("aria-invalid", "true")

    page.fill("#n-timezone", "America/Tijuana")
    page.click("#note-form button[type=submit]")
    expect(page.locator("#notice")).to_contain_text("kept as a record")
    page.screenshot(path=str(SHOTS / "records-note.png"), full_page=True)

    page.goto(f"{server}/archive")
    page.fill("#q", "powerpoint director")
    page.press("#q", "Enter")
    expect(page.locator("#total")).to_have_text("1")
    expect(page.locator("body")).to_contain_text("Briefing on the caravan")
    assert problems == []
