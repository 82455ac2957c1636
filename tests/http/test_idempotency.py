"""A retried API write with the same Idempotency-Key acts once (issue 15, item 8)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.lookouts import Lookout
from lookout_ledger.server import create_app
from support.lifecycle_world import PASSWORD, build_world


def _client(app: object, user: str) -> tuple[TestClient, dict[str, str]]:
    c = TestClient(app, base_url="http://testserver", raise_server_exceptions=False)  # type: ignore[arg-type]
    r = c.post("/api/session", json={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}


def _lookouts(ledger: Ledger) -> int:
    with ledger.reading() as s:
        return int(s.scalar(select(func.count()).select_from(Lookout)) or 0)


def test_a_retry_with_the_same_key_gets_the_first_answer_and_places_nothing_more(ledger: Ledger) -> None:
    world = build_world(ledger)
    app = create_app(ledger)
    alice, headers = _client(app, "alice")
    keyed = {**headers, "Idempotency-Key": "place-P-1-attempt"}
    first = alice.post("/api/lookouts", json=world.draft_body(), headers=keyed)
    assert first.status_code == 201, first.text
    again = alice.post("/api/lookouts", json=world.draft_body(), headers=keyed)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true" and "content-security-policy" in again.headers
    assert _lookouts(ledger) == 1
    other = alice.post(
        "/api/lookouts", json={**world.draft_body(), "basis": "Another basis, a different request."}, headers=keyed
    )
    assert other.status_code == 422 and "different request" in other.json()["error"]
    assert alice.post("/api/lookouts", json=world.draft_body(), headers=headers).status_code == 201  # no key: acts
    assert _lookouts(ledger) == 2
    bob, bob_headers = _client(app, "bob")  # keys are per user
    r = bob.post(
        "/api/lookouts",
        json={**world.draft_body(), "person_id": "P-2"},
        headers={**bob_headers, "Idempotency-Key": "place-P-1-attempt"},
    )
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert (
        alice.post("/api/lookouts", json=world.draft_body(), headers={**keyed, "X-CSRF-Token": "wrong"}).status_code
        == 403
    )


def test_a_server_error_is_not_kept_so_the_retry_runs(ledger: Ledger) -> None:
    build_world(ledger)
    app = create_app(ledger)
    calls: list[int] = []

    @app.post("/api/flaky")
    def flaky() -> dict[str, int]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("lost the answer")
        return {"done": len(calls)}

    c, headers = _client(app, "alice")
    keyed = {**headers, "Idempotency-Key": "k-1"}
    assert c.post("/api/flaky", headers=keyed).status_code == 500
    assert c.post("/api/flaky", headers=keyed).json() == {"done": 2}
    assert c.post("/api/flaky", headers=keyed).json() == {"done": 2} and len(calls) == 2
