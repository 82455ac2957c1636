"""The JSON API: same use cases, same role checks, the spec's audit object, JSON errors."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import parse_instant
from lookout_ledger.oversight.audit import run_audit
from support.web_scenario import DOB, FAMILY, GIVEN, PASSPORT, PASSWORD, S, audit_actions


def api_sign_in(client: TestClient, username: str = "auditor") -> str:
    r = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    assert "ll_session" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    return r.json()["csrf_token"]


def test_sign_in_returns_roles_and_a_csrf_token(client: TestClient, ledger: Ledger) -> None:
    r = client.post("/api/session", json={"username": "auditor", "password": PASSWORD})
    assert r.json()["roles"] == ["auditor"]
    assert r.json()["csrf_token"]
    assert ("auditor", "session.sign_in", "auditor") in audit_actions(ledger)
    bad = client.post("/api/session", json={"username": "auditor", "password": "not the password"})
    assert bad.status_code == 401
    assert bad.json() == {"error": "Unknown user or wrong password."}


def test_audit_is_the_spec_object_at_the_ledger_clock(client: TestClient, ledger: Ledger) -> None:
    api_sign_in(client)
    body = client.get("/api/audit").json()
    with ledger.reading() as s:
        want = run_audit(s, now=ledger.now(), policy=ledger.policy).to_spec()
    assert body == json.loads(json.dumps(want))
    assert list(body) == ["version", "evaluated_at", "policy", "metrics", "disclosures", "findings"]
    assert body["evaluated_at"] == "2019-03-01T00:00:00+00:00"


def test_audit_at_another_time(client: TestClient, ledger: Ledger) -> None:
    api_sign_in(client)
    body = client.get("/api/audit", params={"now": "2018-12-31T00:00:00Z"}).json()
    with ledger.reading() as s:
        want = run_audit(s, now=parse_instant("2018-12-31T00:00:00Z"), policy=ledger.policy).to_spec()
    assert body == json.loads(json.dumps(want))
    bad = client.get("/api/audit", params={"now": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("now: ")


def test_findings_filters(client: TestClient, ledger: Ledger) -> None:
    api_sign_in(client)
    body = client.get("/api/findings", params={"rule": "IN-PURPOSE-NOT-PURSUED"}).json()
    assert {f["record_id"] for f in body["findings"]} == {S.inspection1, S.inspection2}
    assert body["counts"] == {"IN-PURPOSE-NOT-PURSUED": 2}
    body = client.get("/api/findings", params={"owner": S.supervisor}).json()
    assert body["total"] == len(body["findings"]) > 0
    assert {f["owner_id"] for f in body["findings"]} == {S.supervisor}
    assert {f["record_id"] for f in body["findings"]} == {S.disclosure}
    assert client.get("/api/findings", params={"owner": S.owner2}).json()["total"] == 0
    body = client.get(
        "/api/findings", params={"unit": S.other_unit, "since": "2018-12-15", "until": "2018-12-15"}
    ).json()
    assert {f["record_id"] for f in body["findings"]} == {S.disclosure}
    assert all(f["unit_id"] == S.other_unit for f in body["findings"])
    bad = client.get("/api/findings", params={"rule": "NOT-A-RULE"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("rule: unknown rule")
    bad = client.get("/api/findings", params={"until": "31/12/2018"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("until: ")


def test_record_endpoint_has_history_findings_and_no_spii(client: TestClient) -> None:
    api_sign_in(client)
    body = client.get(f"/api/records/lookout/{S.lookout}").json()
    assert body["facts"]["status_code"] == "non_suspect"
    assert [e["kind"] for e in body["events"]] == ["transferred"]
    assert body["events"][0]["notice"] is False
    assert [i["id"] for i in body["inspections"]] == [S.inspection1, S.inspection2]
    assert {f["rule"] for f in body["findings"]} >= {"LK-NON-SUSPECT", "LK-TRANSFER-WITHOUT-NOTICE"}
    assert body["audit_log"][0]["action"] == "lookout.place"
    person = client.get(f"/api/records/person/{S.journalist}").text
    assert not [v for v in (GIVEN, FAMILY, DOB, PASSPORT) if v in person]
    missing = client.get("/api/records/inspection/I-NOPE")
    assert missing.status_code == 404 and "no inspection with id" in missing.json()["error"]


def test_admin_gets_no_spii_and_no_personal_free_text_anywhere(client: TestClient) -> None:
    api_sign_in(client, "admin")
    texts = [
        client.get(f"/api/records/{t}/{i}").text
        for t, i in (
            ("person", S.journalist),
            ("lookout", S.lookout),
            ("inspection", S.inspection1),
            ("disclosure", S.disclosure),
            ("communication", S.message),
        )
    ]
    texts += [client.get("/api/audit").text, client.get("/api/findings").text]
    for text in texts:
        assert not [v for v in (GIVEN, FAMILY, DOB, PASSPORT, "Synthetic message.", "organizer") if v in text]
    body = client.get(f"/api/records/communication/{S.message}").json()
    assert body["facts"]["body"] is None and "body" in body["withheld"]


def test_reveal_through_the_api(client: TestClient, ledger: Ledger) -> None:
    csrf = api_sign_in(client)
    url = f"/api/records/person/{S.journalist}/reveal"
    purpose = {"purpose": "checking the identity behind finding DS-DENY-ENTRY-REQUEST"}
    assert client.post(url, json=purpose).status_code == 403
    short = client.post(url, json={"purpose": "why"}, headers={"X-CSRF-Token": csrf})
    assert short.status_code == 400 and short.json()["error"].startswith("purpose: ")
    r = client.post(url, json=purpose, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    assert r.json()["given_name"] == GIVEN and r.json()["date_of_birth"] == DOB
    assert r.json()["documents"] == [{"kind": "passport", "number": PASSPORT, "country": "US"}]
    reads = [a for a in audit_actions(ledger) if a[1] == "person.read"]
    assert reads == [("auditor", "person.read", S.journalist)]


def test_openapi_describes_the_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/audit", "/api/findings", "/api/records/{record_type}/{record_id}", "/api/session"):
        assert path in paths
    assert "/dashboard" not in paths and "/signin" not in paths


def test_validation_errors_are_json_and_name_the_field(client: TestClient) -> None:
    r = client.post("/api/session", json={"username": "auditor"})
    assert r.status_code == 422
    assert "password" in r.json()["error"]
