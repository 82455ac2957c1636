"""The liaison officer's pages: record a request, draft a disclosure, send it; refusals on the page.

Runs on the invented sector of the disclosure tests (three required approvals) with an
in-process SMTP server, so the package really leaves by e-mail.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.disclosures.workflow_models import DisclosureDraft, ForeignRequest
from lookout_ledger.http.security import CSRF_FIELD
from lookout_ledger.server import create_app
from support.disclosure_world import ADDRESS, AGENCY, PASSWORD, REQUEST_PDF, World, build_world
from support.mail_sink import Sink, attachment, free_port, with_smtp


@pytest.fixture
def world_and_mail(sqlite_ledger: Ledger) -> Iterator[tuple[World, Sink]]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield build_world(with_smtp(sqlite_ledger, port)), sink
    finally:
        controller.stop()


def _signed_in(app: object, username: str) -> tuple[TestClient, str]:
    c = TestClient(app, base_url="http://testserver", follow_redirects=False)  # type: ignore[arg-type]
    r = c.post("/api/session", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return c, r.json()["csrf_token"]


def _count(ledger: Ledger, model: type) -> int:
    with ledger.reading() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


REQUEST_FORM = {
    "unit_id": "U-FOB",
    "agency_id": AGENCY,
    "sender_name": "Lic. Ana Ejemplo Ficticia",
    "sent_on": "2018-12-30",
    "asked": "Identity and citizenship of two travellers named in the attached letter",
}


def test_liaison_records_a_request_drafts_and_sends_through_the_pages(world_and_mail: tuple[World, Sink]) -> None:
    world, sink = world_and_mail
    ledger = world.ledger
    app = create_app(ledger)
    lia, token = _signed_in(app, "lia")

    page = lia.get("/disclosures/requests")
    assert page.status_code == 200 and AGENCY in page.text and 'enctype="multipart/form-data"' in page.text

    # An oral request without the exigency stated is refused on the page; nothing is written.
    r = lia.post("/disclosures/requests", data={CSRF_FIELD: token, **REQUEST_FORM, "kind": "oral", "exigency": ""})
    assert r.status_code == 409 and "DX-WRITTEN-REQUEST" in r.text and "Nothing was saved" in r.text
    assert "no written form attached" in r.text and "To proceed:" in r.text
    r = lia.post("/disclosures/requests", data={CSRF_FIELD: token, **REQUEST_FORM, "kind": "written"})
    assert r.status_code == 400 and "document: a written request needs its document" in r.text
    assert _count(ledger, ForeignRequest) == 0
    r = lia.post(
        "/disclosures/requests",
        data={**REQUEST_FORM, "kind": "written"},
        files={"document": ("solicitud.pdf", REQUEST_PDF, "application/pdf")},
    )
    assert r.status_code == 403 and _count(ledger, ForeignRequest) == 0  # no CSRF token

    r = lia.post(
        "/disclosures/requests",
        data={CSRF_FIELD: token, **REQUEST_FORM, "kind": "written"},
        files={"document": ("solicitud.pdf", REQUEST_PDF, "application/pdf")},
    )
    assert r.status_code == 303, r.text
    rid = re.fullmatch(r"/disclosures/drafts/new\?request=(FR-\w+)", r.headers["location"]).group(1)  # type: ignore[union-attr]
    assert rid in lia.get("/disclosures/requests").text

    # An exigent oral request with its exigency is recorded, with the written form due.
    r = lia.post(
        "/disclosures/requests",
        data={
            CSRF_FIELD: token,
            **REQUEST_FORM,
            "kind": "oral",
            "exigency": "The traveller boards a flight within the hour",
        },
    )
    assert r.status_code == 303 and "written form due" in lia.get("/disclosures/requests").text

    form = lia.get(f"/disclosures/drafts/new?request={rid}")
    assert form.status_code == 200 and "19 U.S.C. 1628(a)(4)" in form.text and 'value="date_of_birth"' in form.text
    draft = {
        CSRF_FIELD: token,
        "request_id": rid,
        "person_ids": "P-US, P-MX",
        "fields": ["name", "citizenship"],
        "purpose": "1628a1",
        "law_enforcement_reason": "Investigation of a smuggling organisation using the two travellers' documents",
        "requested_action": "information_request",
        "recipient_official": "Lic. Ana Ejemplo Ficticia",
    }
    r = lia.post("/disclosures/drafts", data={**draft, "purpose": ""})
    assert r.status_code == 409 and "DX-PURPOSE" in r.text
    r = lia.post("/disclosures/drafts", data={**draft, "requested_action": "deny_entry"})
    assert r.status_code == 409 and "DX-DENY-ENTRY" in r.text and "P-US" in r.text
    assert "Investigation of a smuggling organisation" in r.text  # the form keeps what was typed
    assert _count(ledger, DisclosureDraft) == 0

    r = lia.post("/disclosures/drafts", data=draft)
    assert r.status_code == 303
    did = r.headers["location"].rsplit("/", 1)[-1]
    page = lia.get(f"/disclosures/drafts/{did}")
    assert page.text.count('data-state="pending"') == 3 and did in lia.get("/disclosures/drafts").text

    send = {CSRF_FIELD: token, "channel": "official_email", "address": ADDRESS}
    r = lia.post(f"/disclosures/drafts/{did}/send", data=send)
    assert r.status_code == 409 and "DX-APPROVAL-REQUIRED" in r.text and not sink.messages

    world.approve_all(did, rid)
    r = lia.post(f"/disclosures/drafts/{did}/send", data={**send, "channel": "whatsapp"})
    assert r.status_code == 409 and "DX-CHANNEL" in r.text and "WhatsApp is not a channel" in r.text
    r = lia.post(f"/disclosures/drafts/{did}/send", data={**send, "address": "enlace@yahoo.com"})
    assert r.status_code == 409 and "DX-CHANNEL" in r.text and not sink.messages

    r = lia.post(f"/disclosures/drafts/{did}/send", data=send)
    assert r.status_code == 200, r.text
    passphrase = re.search(r'<code id="passphrase">([^<]+)</code>', r.text).group(1)  # type: ignore[union-attr]
    assert len(sink.messages) == 1 and passphrase not in sink.messages[0][1].decode("utf-8", "replace")
    mailed = attachment(sink.parsed()[0])
    package = lia.get(f"/disclosures/drafts/{did}/package")
    assert package.status_code == 200 and package.content == mailed
    reader = PdfReader(io.BytesIO(package.content))
    assert reader.is_encrypted and not reader.decrypt("not the passphrase")
    assert reader.decrypt(passphrase)
    assert all("SENSITIVE" in p.extract_text() for p in reader.pages)
    # The passphrase is shown once: the draft page afterwards does not carry it.
    after = lia.get(f"/disclosures/drafts/{did}")
    assert passphrase not in after.text and 'id="sent"' in after.text

    # Only liaison officers use these pages.
    ace, _ = _signed_in(app, "ace")
    assert ace.get("/disclosures/requests").status_code == 403
    assert ace.get(f"/disclosures/drafts/{did}").status_code == 403


def test_withdraw_through_the_page_only_by_the_author(world_and_mail: tuple[World, Sink]) -> None:
    world, _ = world_and_mail
    app = create_app(world.ledger)
    did = world.draft(world.request())
    leo, leo_token = _signed_in(app, "leo")
    r = leo.post(f"/disclosures/drafts/{did}/withdraw", data={CSRF_FIELD: leo_token, "reason": "Not mine to take"})
    assert r.status_code == 403 and "only the author" in r.text
    lia, token = _signed_in(app, "lia")
    r = lia.post(f"/disclosures/drafts/{did}/withdraw", data={CSRF_FIELD: token, "reason": "short"})
    assert r.status_code == 400 and "reason: required" in r.text
    r = lia.post(f"/disclosures/drafts/{did}/withdraw", data={CSRF_FIELD: token, "reason": "The request was answered"})
    assert r.status_code == 303
    assert 'id="draft-status">withdrawn' in lia.get(f"/disclosures/drafts/{did}").text
