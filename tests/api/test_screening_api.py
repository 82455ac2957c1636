"""Screening, inspection, device search and redress through the HTTP API (issue 4)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lookout_ledger.core.errors import AuthError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.screening import redress, service
from lookout_ledger.server import create_app
from support.lifecycle_world import PASSWORD
from support.screening_world import screening_world

TRAVELER = {
    "port": "San Ysidro",
    "given_name": "JOSE MARIA",
    "family_name": "GARCIA LOPEZ",
    "date_of_birth": "1980-03-07",
    "nationality": "MX",
    "documents": [],
}
REASON = "Traveler photographed the fence sensors; phone may hold the smuggling route the lookout describes."


def _client(ledger: Ledger, user: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(create_app(ledger), base_url="http://testserver")
    r = client.post("/api/session", json={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client, {"X-CSRF-Token": r.json()["csrf_token"]}


def test_officer_screens_inspects_and_supervisor_approves_the_device_search(ledger: Ledger) -> None:
    service.forget_indexes()
    screening_world(ledger)
    pat, ph = _client(ledger, "pat")
    r = pat.post("/api/screen", json=TRAVELER, headers=ph)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["refer"] and body["matches"][0]["lookout_id"] == "LK-MX"
    crossing = body["crossing_ids"][0]
    view = pat.get(f"/api/crossings/{crossing}/referral").json()
    assert view["information_sought"] == ["Who arranged the crossing", "Vehicle ownership"]
    iid = pat.post("/api/inspections", json={"crossing_id": crossing}, headers=ph).json()["id"]
    r = pat.post(
        f"/api/inspections/{iid}/interview",
        headers=ph,
        json={
            "sought_asked": ["Vehicle ownership"],
            "information_obtained": "Car belongs to his cousin.",
            "new_information": True,
        },
    )
    assert r.status_code == 200, r.text
    vague = pat.post(f"/api/inspections/{iid}/device-search", json={"reason": "phone"}, headers=ph)
    assert vague.status_code == 409 and vague.json()["refusal"]["rule"] == "IN-DEVICE-SEARCH"
    assert pat.post(f"/api/inspections/{iid}/device-search", json={"reason": REASON}, headers=ph).status_code == 200
    early = pat.post(f"/api/inspections/{iid}/device-search/findings", json={"findings": "Route photos."}, headers=ph)
    assert early.status_code == 409 and "approve" in early.json()["refusal"]["reason"]
    assert (
        pat.post(f"/api/inspections/{iid}/device-search/decision", json={"approve": True}, headers=ph).status_code
        == 403
    )
    zed, zh = _client(ledger, "zed")
    assert [d["inspection_id"] for d in zed.get("/api/device-searches").json()] == [iid]
    assert zed.post(f"/api/inspections/{iid}/device-search/decision", json={"approve": True}, headers=zh).json() == {
        "inspection_id": iid,
        "decision": "approved",
    }
    pat.post(f"/api/inspections/{iid}/device-search/findings", json={"findings": "Route photos found."}, headers=ph)
    ended = pat.post(f"/api/inspections/{iid}/end", headers=ph).json()
    assert ended["ended_at"] and ended["device_search"]["supervisor_approval_id"] == "O-ZED"
    r = pat.post(
        "/api/redress", json={"person_id": "P-MX", "complaint": "Referred on every trip this year."}, headers=ph
    )
    assert r.json()["lookout_ids"] == ["LK-MX"]
    out = zed.post(f"/api/redress/{r.json()['id']}/outcome", json={"outcome": "Owner removed the lookout."}, headers=zh)
    assert out.json()["status"] == "closed"


def test_the_server_builds_the_index_at_start_so_the_first_traveler_does_not_wait(ledger: Ledger) -> None:
    import time

    service.forget_indexes()
    screening_world(ledger)
    with TestClient(create_app(ledger), base_url="http://testserver"):
        deadline = time.monotonic() + 30
        while not service._indexes and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(service._indexes) == 1
        index, _ = next(iter(service._indexes.values()))
        assert "P-MX" in index.subjects


def test_only_the_port_a_supervisor_or_the_records_office_record_a_complaint(ledger: Ledger) -> None:
    """#16 item 6: auditor and admin could file redress complaints; any role could."""
    screening_world(ledger)
    body = {"person_id": "P-MX", "complaint": "Referred on every trip this year."}
    for user in ("alice", "cora"):  # a lookout owner, counsel
        client, headers = _client(ledger, user)
        r = client.post("/api/redress", json=body, headers=headers)
        assert r.status_code == 403 and "port_officer or supervisor or records_officer" in r.json()["error"], user
    with ledger.transaction() as s, pytest.raises(AuthError, match="needs the role port_officer"):
        redress.record_complaint(ledger, s, "cora", "P-MX", body["complaint"])
    zed, zh = _client(ledger, "zed")
    assert zed.post("/api/redress", json=body, headers=zh).status_code == 200
