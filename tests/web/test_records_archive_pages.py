"""Archive pages and API through the app: import, search by role, records request, refusals."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lookout_ledger.core.auth import Role, add_user
from lookout_ledger.core.ledger import Ledger
from support.chat_exports import ANDROID_ES
from support.records_world import world
from support.web_scenario import client_for, sign_in


@pytest.fixture
def archive(ledger: Ledger) -> Ledger:
    world(ledger)
    with ledger.transaction() as s:
        add_user(
            s, username="admin1", password="pw-admin1-123", roles=[Role.ADMIN], at=ledger.now(), display_name="Ad Min"
        )
        from support.factories import Factory

        Factory(s, ledger.keyring).person("P-RAM", given_name="Lucía", family_name="Ramírez")
    return ledger


def _upload(client: TestClient, csrf: str) -> str:
    r = client.post(
        "/archive/officer/import",
        data={
            "csrf_token": csrf,
            "channel": "whatsapp",
            "account": "personal",
            "owner": "OFF-WHITLOCK",
            "timezone": "America/Tijuana",
        },
        files={"file": ("WhatsApp Chat with Lic. Ramirez.txt", ANDROID_ES.encode(), "text/plain")},
    )
    assert r.status_code == 200, r.text
    return r.text


def test_officer_imports_searches_and_requests(archive: Ledger) -> None:
    client = client_for(archive)
    csrf = sign_in(client, "recorder", "pw-recorder-123")
    assert "Imported 4 message(s)" in _upload(client, csrf)
    assert "already imported" in _upload(client, csrf)
    page = client.get("/archive", params={"q": "alertados LISTA"})
    assert page.status_code == 200 and '<span id="total">1</span>' in page.text
    assert "<mark>Alertados</mark>" in page.text and "Lic. Ramírez" in page.text
    pkg = client.post("/archive/officer/request", data={"csrf_token": csrf, "people": "P-RAM", "reference": "R-1"})
    assert pkg.status_code == 200 and "Search certificate" in pkg.text and 'id="count-P-RAM"' in pkg.text
    pdf = client.post(
        "/archive/officer/request", data={"csrf_token": csrf, "people": "P-RAM", "reference": "R-2", "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and ".pdf" in pdf.headers["content-disposition"]
    bad = client.post("/archive/officer/request", data={"csrf_token": csrf, "people": "Nobody Atall"})
    assert bad.status_code == 422 and "identifies 0 people" in bad.text


def test_search_by_role_and_desk_forbidden(archive: Ledger) -> None:
    officer = client_for(archive)
    _upload(officer, sign_in(officer, "recorder", "pw-recorder-123"))
    liaison = client_for(archive)
    sign_in(liaison, "whitlock", "pw-whitlock-123")
    assert "Lic. Ramírez" in liaison.get("/archive", params={"q": "lista"}).text
    assert liaison.get("/archive/officer").status_code == 403
    admin = client_for(archive)
    sign_in(admin, "admin1", "pw-admin1-123")
    withheld = admin.get("/archive", params={"q": "lista"})
    assert "withheld" in withheld.text and "Lic. Ramírez" not in withheld.text
    api = admin.get("/api/archive/search", params={"q": "lista"})
    assert api.status_code == 200 and api.json()["content_withheld"] is True
    assert all(h["sender"] is None for h in api.json()["hits"])


def test_api_holds_and_disposition_refusals(archive: Ledger) -> None:
    client = client_for(archive)
    csrf = sign_in(client, "recorder", "pw-recorder-123")
    headers = {"X-CSRF-Token": csrf}
    _upload(client, csrf)
    hold = client.post(
        "/api/archive/holds", json={"reason": "litigation hold on the chat", "person_id": "P-RAM"}, headers=headers
    )
    assert hold.status_code == 200, hold.text
    nothing = client.post("/api/archive/dispositions", json={}, headers=headers)
    assert nothing.status_code == 400 and "nothing is due" in nothing.text
    req = client.post("/api/archive/requests", json={"person_ids": ["P-RAM"]}, headers=headers)
    assert req.status_code == 200 and req.json()["index"]["people"][0]["person_id"] == "P-RAM"
    missing = client.get("/api/archive/missing-transmissions")
    assert missing.status_code == 200 and missing.json() == []
