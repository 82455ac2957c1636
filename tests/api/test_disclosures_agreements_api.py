"""Agreements over HTTP (register, approval by each coordinating office, citable only then) and
withdrawing a draft; refusals answer 409 with the rule, and nothing is written."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.server import create_app
from support.disclosure_world import AGENCY, PASSWORD, REQUEST_PDF, build_world


class Api:
    def __init__(self, ledger: Ledger) -> None:
        self.app = create_app(ledger)
        self.clients: dict[str, tuple[TestClient, str]] = {}

    def _as(self, username: str) -> tuple[TestClient, str]:
        if username not in self.clients:
            c = TestClient(self.app, base_url="http://testserver")
            r = c.post("/api/session", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.clients[username] = (c, r.json()["csrf_token"])
        return self.clients[username]

    def post(self, username: str, path: str, body: dict[str, Any]) -> Any:
        c, token = self._as(username)
        return c.post(path, json=body, headers={"X-CSRF-Token": token})

    def get(self, username: str, path: str) -> Any:
        return self._as(username)[0].get(path)


def _request_body(**over: Any) -> dict[str, Any]:
    body = {
        "unit_id": "U-FOB",
        "agency_id": AGENCY,
        "sender_name": "Lic. Ana Ejemplo Ficticia",
        "sent_on": "2018-12-30",
        "asked": "Identity and citizenship of two travellers named in the attached letter",
        "document_base64": base64.b64encode(REQUEST_PDF).decode(),
        "document_name": "solicitud.pdf",
    }
    return {**body, **over}


def test_agreement_is_citable_only_after_every_office_approved(ledger: Ledger) -> None:
    build_world(ledger)
    api = Api(ledger)
    r = api.post("lia", "/api/disclosures/agreements", {"title": "Memorando ficticio", "country": "MX"})
    assert r.status_code == 200, r.text
    ag = r.json()
    assert ag["citable"] is False and ag["missing_offices"] == ["international affairs", "privacy", "chief counsel"]
    url = f"/api/disclosures/agreements/{ag['id']}/approvals"

    r = api.post("ian", url, {"office": "privacy", "statement": "Privacy impact assessed."})
    assert r.status_code == 403 and "does not belong to the privacy office" in r.json()["error"]
    r = api.post("pia", url, {"office": "privacy", "statement": "Privacy impact assessed."})
    assert r.status_code == 200 and r.json()["missing_offices"] == ["international affairs", "chief counsel"]
    r = api.post("ian", url, {"office": "international affairs", "statement": "Coordinated with State."})
    assert r.status_code == 200
    r = api.post("lia", "/api/disclosures/requests", _request_body(agreement_id=ag["id"]))
    assert r.status_code == 409 and r.json()["refusal"]["rule"] == "DX-AGREEMENT-COORDINATION"
    assert "chief counsel" in r.json()["refusal"]["reason"]
    assert api.get("lia", "/api/disclosures/agreements/" + ag["id"]).json()["citable"] is False

    r = api.post("cal", url, {"office": "chief counsel", "statement": "Legal sufficiency reviewed."})
    assert r.status_code == 403  # the sector's assistant chief counsel is not the chief counsel
    r = api.post("ccl", url, {"office": "chief counsel", "statement": "ok"})
    assert r.status_code == 400 and "statement: required" in r.json()["error"]
    r = api.post("ccl", url, {"office": "chief counsel", "statement": "Legal sufficiency reviewed."})
    assert r.status_code == 200 and r.json()["citable"] is True
    assert [a["office"] for a in r.json()["approvals"]] == ["international affairs", "privacy", "chief counsel"]
    r = api.post("lia", "/api/disclosures/requests", _request_body(agreement_id=ag["id"]))
    assert r.status_code == 200, r.text

    # Whoever registered an agreement does not also approve it.
    r = api.post("pia", "/api/disclosures/agreements", {"title": "Second memorandum", "country": "MX"})
    r = api.post("pia", f"/api/disclosures/agreements/{r.json()['id']}/approvals", {"office": "privacy",
                 "statement": "Privacy impact assessed."})  # fmt: skip
    assert r.status_code == 409 and r.json()["refusal"]["rule"] == "DX-SEPARATION-OF-DUTIES"
    assert api.get("pia", "/api/disclosures/agreements/AG-NONE").status_code == 404


def test_withdraw_a_draft_over_http(ledger: Ledger) -> None:
    world = build_world(ledger)
    api = Api(ledger)
    did = world.draft(world.request())
    path = f"/api/disclosures/drafts/{did}/withdraw"
    assert api.post("leo", path, {"reason": "Not my draft to withdraw"}).status_code == 403
    assert api.post("ace", path, {"reason": "Not my draft to withdraw"}).status_code == 403  # not a liaison officer
    r = api.post("lia", path, {"reason": "short"})
    assert r.status_code == 400 and "reason: required" in r.json()["error"]
    assert api.get("lia", f"/api/disclosures/drafts/{did}").json()["status"] == "draft"
    r = api.post("lia", path, {"reason": "The request was answered by telephone"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert api.post("lia", path, {"reason": "The request was answered by telephone"}).status_code == 400
    r = api.post("lia", f"/api/disclosures/drafts/{did}/send", {"channel": "official_email"})
    assert r.status_code == 400 and "withdrawn" in r.json()["error"]
    assert all(d["id"] != did for d in api.get("ace", "/api/disclosures/queue").json())
