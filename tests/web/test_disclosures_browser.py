"""A foreign disclosure in a real browser: a written request recorded with its document, a draft,
three written approvals by the three officials the unit's SOP requires (each opening the request
first), the encrypted package sent to the agency's registered address, opened with the passphrase
shown once, and the disclosure in the log.

Debian's Chromium through Playwright against uvicorn, with an in-process SMTP server, so the
package really leaves by e-mail. Screenshots go to /tmp (disclosure-*.png).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.disclosures.package import MARKING
from lookout_ledger.server import create_app
from support.disclosure_world import ADDRESS, AGENCY, PASSWORD, REQUEST_PDF, SECTOR_ROLES, build_world
from support.live_server import SHOTS, serve
from support.mail_sink import Sink, attachment, free_port, with_smtp

pytestmark = pytest.mark.browser

REASON = "Investigation of a smuggling organisation using the two travellers' documents"


def test_request_draft_three_approvals_encrypted_package_and_log(sqlite_ledger: Ledger, browser: object) -> None:
    from playwright.sync_api import expect

    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    ledger = with_smtp(sqlite_ledger, port)
    build_world(ledger)
    problems: list[str] = []
    contexts: list[object] = []

    def signed_in(base: str, username: str, start: str) -> object:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{base}{start}")
        expect(page).to_have_url(re.compile(r"/signin\?next="))
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(re.compile(re.escape(start) + "$"))
        return page

    def shot(page: object, name: str) -> None:
        page.screenshot(path=str(SHOTS / f"disclosure-{name}.png"), full_page=True)  # type: ignore[attr-defined]

    try:
        with serve(create_app(ledger)) as base:
            # 1. The liaison officer records the written request with its document.
            lia = signed_in(base, "lia", "/disclosures/requests")
            lia.select_option("#r-unit", "U-FOB")
            lia.select_option("#r-agency", AGENCY)
            lia.fill("#r-sender", "Lic. Ana Ejemplo Ficticia")
            lia.fill("#r-date", "2018-12-30")
            lia.fill("#r-asked", "Identity and citizenship of two travellers named in the attached letter")
            lia.check("#r-written")
            lia.set_input_files(
                "#r-document", files=[{"name": "solicitud.pdf", "mimeType": "application/pdf", "buffer": REQUEST_PDF}]
            )
            shot(lia, "request")
            lia.click("#request-form button[type=submit]")
            expect(lia).to_have_url(re.compile(r"/disclosures/drafts/new\?request=FR-\w+$"))
            request_id = lia.url.rsplit("=", 1)[-1]

            # 2. The draft: persons, fields one by one, purpose, reason, action.
            expect(lia.locator("h1")).to_have_text("Draft a disclosure")
            lia.fill("#d-persons", "P-US, P-MX")
            lia.check("#d-field-name")
            lia.check("#d-field-citizenship")
            lia.select_option("#d-purpose", "1628a1")
            lia.fill("#d-reason", REASON)
            lia.select_option("#d-action", "information_request")
            shot(lia, "draft-form")
            lia.click("#draft-form button[type=submit]")
            expect(lia).to_have_url(re.compile(r"/disclosures/drafts/DD-\w+$"))
            draft_id = lia.url.rsplit("/", 1)[-1]
            expect(lia.locator("#approvals li[data-state=pending]")).to_have_count(3)
            expect(lia.locator("#send-form button[type=submit]")).to_be_disabled()
            shot(lia, "draft")

            # 3. Three approvals by the three officials the unit requires, each in writing.
            for username, role in zip(("ace", "dco", "cal"), SECTOR_ROLES, strict=True):
                approver = signed_in(base, username, "/disclosures/queue")
                card = approver.locator(f"section[data-draft='{draft_id}']")
                expect(card).to_contain_text(role)
                card.locator("textarea[name=statement]").fill("Read the request; name and citizenship suffice.")
                if username == "ace":
                    # Deciding before opening the request itself is refused, with the rule.
                    card.get_by_role("button", name="Approve in writing").click()
                    expect(approver.locator("#refusal")).to_contain_text("DX-SEE-REQUEST")
                    expect(approver.locator("#refusal")).to_contain_text("has not opened request")
                    shot(approver, "approval-refused")
                    card = approver.locator(f"section[data-draft='{draft_id}']")
                    card.locator("textarea[name=statement]").fill("Read the request; name and citizenship suffice.")
                with approver.context.expect_page() as opened:  # type: ignore[attr-defined]
                    card.locator(f"#doc-{draft_id}").click()
                opened.value.close()
                card.get_by_role("button", name="Approve in writing").click()
                expect(approver).to_have_url(re.compile(r"/disclosures/queue$"))
                expect(approver.locator(f"section[data-draft='{draft_id}']")).to_have_count(0)
                shot(approver, f"approved-{username}")

            # 4. Sending: the package goes to the registered official address; the passphrase is shown once.
            lia.reload()
            expect(lia.locator("#approvals li[data-state=approved]")).to_have_count(3)
            lia.check("#s-official_email")
            lia.select_option("#s-address", ADDRESS)
            shot(lia, "ready")
            lia.click("#send-form button[type=submit]")
            expect(lia.locator("h1")).to_contain_text("sent")
            passphrase = lia.locator("#passphrase").inner_text().strip()
            assert len(passphrase) >= 16
            shot(lia, "sent")
            with lia.expect_download() as dl:
                lia.click("#package-link")
            downloaded = Path(dl.value.path()).read_bytes()

            ((rcpts, raw),) = sink.messages
            assert rcpts == [ADDRESS] and passphrase.encode() not in raw
            assert attachment(sink.parsed()[0]) == downloaded
            reader = PdfReader(io.BytesIO(downloaded))
            assert reader.is_encrypted and not reader.decrypt("a wrong passphrase")
            assert reader.decrypt(passphrase)
            pages = [" ".join(p.extract_text().split()) for p in reader.pages]
            assert pages and all(" ".join(MARKING.split()) in p for p in pages), "marking missing on a page"
            whole = " ".join(pages)
            assert "CONFIDENTIALITY ADVISEMENT" in whole and "hold it in confidence" in whole
            assert "AVISO DE CONFIDENCIALIDAD" in whole and "mantenerla en confidencialidad" in whole
            assert "Rowan Example" in whole and "1980-02-03" not in whole  # only the approved fields

            # The passphrase is not shown again.
            lia.goto(f"{base}/disclosures/drafts/{draft_id}")
            expect(lia.locator("#sent")).to_be_visible()
            assert passphrase not in lia.content()

            # 5. The privacy office sees it in the disclosure log.
            pia = signed_in(base, "pia", "/disclosures/log")
            row = pia.locator("#log tbody tr[data-disclosure^='FD-']")
            expect(row).to_have_count(1)
            expect(row).to_contain_text("workflow")
            expect(row).to_contain_text("official_email")
            expect(row).to_contain_text(ADDRESS)
            expect(row).to_contain_text(request_id)
            expect(row).to_contain_text(SECTOR_ROLES[2])
            shot(pia, "log")
    finally:
        for c in contexts:
            c.close()  # type: ignore[attr-defined]
        controller.stop()
    # The refused approval answers 409 on purpose (the page shows the refusal); nothing else may fail.
    problems = [m for m in problems if "/disclosures/queue/" not in m or "status of 409" not in m]
    assert problems == [], f"browser console errors (CSP violations, script errors): {problems}"
