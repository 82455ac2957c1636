"""The disclosure workflow over HTTP: request → draft → three approvals → send → log; refusals are 409."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.disclosures.package import MARKING
from lookout_ledger.disclosures.workflow_models import ForeignRequest
from lookout_ledger.server import create_app
from support.disclosure_world import ADDRESS, AGENCY, PASSWORD, REQUEST_PDF, SECTOR_ROLES, build_world
from support.mail_sink import Sink, free_port, with_smtp


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    s, port = Sink(), free_port()
    controller = Controller(s, hostname="127.0.0.1", port=port)
    controller.start()
    yield s, port
    controller.stop()


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

    def post(self, username: str, path: str, body: dict[str, Any]) -> Any:
        c, token = self.as_(username)
        return c.post(path, json=body, headers={"X-CSRF-Token": token})

    def get(self, username: str, path: str) -> Any:
        return self.as_(username)[0].get(path)


def test_disclosure_through_the_api(sqlite_ledger: Ledger, sink: tuple[Sink, int]) -> None:
    ledger = with_smtp(sqlite_ledger, sink[1])
    build_world(ledger)
    api = Api(ledger)
    r = _record(api, REQUEST_PDF, "solicitud.pdf")
    assert r.status_code == 200, r.text
    rid = r.json()["id"]
    body = {
        "request_id": rid,
        "person_ids": ["P-US"],
        "fields": ["name"],
        "purpose": "1628a1",
        "law_enforcement_reason": "Smuggling investigation naming the traveller",
        "recipient_official": "Lic. Ana Ejemplo Ficticia",
    }
    refused = api.post("lia", "/api/disclosures/drafts", {**body, "requested_action": "deny_entry"})
    assert refused.status_code == 409 and refused.json()["refusal"]["rule"] == "DX-DENY-ENTRY"
    r = api.post("lia", "/api/disclosures/drafts", body)
    assert r.status_code == 200, r.text
    did = r.json()["id"]
    assert (
        api.post(
            "ace", f"/api/disclosures/drafts/{did}/decision", {"role": SECTOR_ROLES[0], "statement": "x" * 12}
        ).json()["refusal"]["rule"]
        == "DX-SEE-REQUEST"
    )
    assert api.post("lia", f"/api/disclosures/drafts/{did}/send", {"address": ADDRESS}).status_code == 409
    for user, role in zip(("ace", "dco", "cal"), SECTOR_ROLES, strict=True):
        assert [q["role"] for q in api.get(user, "/api/disclosures/queue").json()] == [role]
        doc = api.get(user, f"/api/disclosures/requests/{rid}/document")
        assert doc.status_code == 200 and doc.content == REQUEST_PDF
        r = api.post(
            user, f"/api/disclosures/drafts/{did}/decision", {"role": role, "statement": "Request read; fields fit."}
        )
        assert r.status_code == 200, r.text
    assert api.post("lia", f"/api/disclosures/drafts/{did}/send", {"channel": "whatsapp"}).json()["refusal"][
        "rule"
    ] == ("DX-CHANNEL")
    r = api.post("lia", f"/api/disclosures/drafts/{did}/send", {"address": ADDRESS})
    assert r.status_code == 200, r.text
    sent = r.json()
    pdf = api.get("lia", f"/api/disclosures/drafts/{did}/package").content
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.decrypt(sent["passphrase"])
    assert all(" ".join(MARKING.split()) in " ".join(p.extract_text().split()) for p in reader.pages)
    log = api.get("pia", "/api/disclosures/log").json()
    assert [e["id"] for e in log] == [sent["disclosure_id"]] and log[0]["content_digest"] == sent["content_digest"]
    assert api.get("lia", "/api/disclosures/remediation").json()["progress"]["disclosures"] == 0
    assert api.get("adm", "/api/disclosures/log").status_code == 403


def _record(api: Api, data: bytes, name: str, declared: str = "application/pdf") -> Any:
    return api.post(
        "lia",
        "/api/disclosures/requests",
        {
            "unit_id": "U-FOB",
            "agency_id": AGENCY,
            "sender_name": "Lic. Ana Ejemplo Ficticia",
            "sent_on": "2018-12-30",
            "asked": "Identity of the travellers named in the letter",
            "document_base64": base64.b64encode(data).decode(),
            "document_name": name,
            "document_type": declared,
        },
    )


@pytest.mark.parametrize(
    "payload",
    [
        b"<script>fetch('/api/disclosures/drafts')</script>",
        b"\xef\xbb\xbf  <!DOCTYPE html><html><body>letter</body></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"alert(document.cookie); // see <a href='javascript:x'>",
        b"PK\x03\x04 an office file with macros",
    ],
)
def test_an_upload_that_could_run_in_a_browser_is_refused_and_nothing_is_written(
    sqlite_ledger: Ledger, payload: bytes
) -> None:
    """#16 item 1: a request's document served as text/javascript passed `script-src 'self'`."""
    build_world(sqlite_ledger)
    api = Api(sqlite_ledger)
    r = _record(api, payload, "letter.js", "text/javascript")
    assert r.status_code == 400 and r.json()["error"].startswith("document: the file must be a PDF"), r.text
    with sqlite_ledger.reading() as s:
        assert s.scalar(select(func.count()).select_from(ForeignRequest)) == 0


def test_a_document_is_served_only_as_a_sandboxed_download(sqlite_ledger: Ledger) -> None:
    build_world(sqlite_ledger)
    api = Api(sqlite_ledger)
    # A PDF declared as script is stored as what it is; the declared type is ignored.
    rid = _record(api, REQUEST_PDF, "Запрос №5 «срочно».pdf", "text/javascript").json()["id"]
    doc = api.get("ace", f"/api/disclosures/requests/{rid}/document")
    assert doc.status_code == 200 and doc.content == REQUEST_PDF
    assert doc.headers["content-type"] == "application/octet-stream"
    assert doc.headers["x-content-type-options"] == "nosniff"
    assert doc.headers.get_list("content-security-policy") == ["sandbox; default-src 'none'; frame-ancestors 'none'"]
    disposition = doc.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')  # a non-Latin-1 name no longer gives HTTP 500
    assert "filename*=UTF-8''%D0%97%D0%B0%D0%BF%D1%80%D0%BE%D1%81%20%E2%84%965" in disposition
    # A plain-text e-mail is accepted as text; a path in the name is dropped.
    mail = "From: enlace@inm.example\n\nSolicitud de información.\n".encode()
    rid = _record(api, mail, "../../mail.txt").json()["id"]
    doc = api.get("lia", f"/api/disclosures/requests/{rid}/document")
    assert doc.headers["content-disposition"] == 'attachment; filename="mail.txt"'


def test_the_api_gives_no_role_more_than_the_pages(sqlite_ledger: Ledger) -> None:
    """#16 item 6: request documents, drafts and sent packages went to every role over the API."""
    world = build_world(sqlite_ledger)
    rid = world.request()
    did = world.draft(rid)
    api = Api(sqlite_ledger)
    for user in ("adm",):  # neither liaison, approver nor privacy office
        assert api.get(user, f"/api/disclosures/requests/{rid}/document").status_code == 403
        assert api.get(user, "/api/disclosures/drafts").status_code == 403
        assert api.get(user, f"/api/disclosures/drafts/{did}").status_code == 403
        assert api.get(user, f"/api/disclosures/drafts/{did}/package").status_code == 403
    # the privacy office reviews documents and packages, not drafts in progress
    assert api.get("pia", f"/api/disclosures/requests/{rid}/document").status_code == 200
    assert api.get("pia", f"/api/disclosures/drafts/{did}").status_code == 403
    # an approver reads the drafts that ask for their approval, and no other
    assert [d["id"] for d in api.get("ace", "/api/disclosures/drafts").json()] == [did]
    assert api.get("ace", f"/api/disclosures/drafts/{did}").status_code == 200
    assert api.get("com", "/api/disclosures/drafts").json() == []  # a supervisor whose title it does not need
    r = api.get("com", f"/api/disclosures/drafts/{did}")
    assert r.status_code == 403 and "whose approval it asks for" in r.json()["error"]
    assert api.get("ace", f"/api/disclosures/drafts/{did}/package").status_code == 403  # not an approver's
    assert [d["id"] for d in api.get("leo", "/api/disclosures/drafts").json()] == [did]  # every liaison officer
