"""Signing in and out: sessions, failures that reveal nothing, and the audit log."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import select

from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.http.security import SESSION_COOKIE, SESSION_MAX_AGE
from lookout_ledger.http.throttle import SigninThrottle
from support.web_scenario import PASSWORD, audit_actions, sign_in, signin_token


def test_sign_in_sets_a_strict_httponly_expiring_cookie_and_is_logged(client: TestClient, ledger: Ledger) -> None:
    token = signin_token(client)
    r = client.post(
        "/signin",
        data={"username": "auditor", "password": PASSWORD, "csrf_token": token, "next": "/dashboard"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/dashboard"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert f"Max-Age={SESSION_MAX_AGE}" in cookie
    assert ("auditor", "session.sign_in", "auditor") in audit_actions(ledger)
    assert client.get("/dashboard").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer(client: TestClient, ledger: Ledger) -> None:
    answers = []
    for username, password in (("auditor", "wrong password"), ("nobody-here", PASSWORD)):
        r = client.post(
            "/signin",
            data={"username": username, "password": password, "csrf_token": signin_token(client)},
            follow_redirects=False,
        )
        assert r.status_code == 401
        assert SESSION_COOKIE not in r.cookies
        answers.append(r.text.split('<p class="alert alert-error" role="alert">')[1].split("</p>")[0])
    assert answers[0] == answers[1] == "Unknown user or wrong password."
    failed = [a for a in audit_actions(ledger) if a[1] == "session.sign_in_failed"]
    assert len(failed) == 2
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session_and_is_logged(client: TestClient, ledger: Ledger) -> None:
    csrf = sign_in(client, "auditor")
    r = client.post("/signout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/signin"
    assert ("auditor", "session.sign_out", "auditor") in audit_actions(ledger)
    r = client.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/signin?next=/dashboard"


def test_signed_out_visitor_is_sent_to_sign_in_and_back(client: TestClient) -> None:
    r = client.get("/records/lookout/L-100", follow_redirects=False)
    assert r.headers["location"] == "/signin?next=/records/lookout/L-100"
    r = client.post(
        "/signin",
        data={
            "username": "auditor",
            "password": PASSWORD,
            "csrf_token": signin_token(client),
            "next": "/records/lookout/L-100",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/records/lookout/L-100"


def test_sign_in_never_redirects_off_site(client: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = client.post(
            "/signin",
            data={"username": "auditor", "password": PASSWORD, "csrf_token": signin_token(client), "next": target},
            follow_redirects=False,
        )
        assert r.headers["location"] == "/"
        client.cookies.clear()


def test_forged_and_expired_sessions_are_no_session(client: TestClient, ledger: Ledger, monkeypatch) -> None:
    client.cookies.set(SESSION_COOKIE, "eyJ1IjoiYXVkaXRvciIsImMiOiJ4In0.forged.signature")
    assert client.get("/dashboard", follow_redirects=False).status_code == 303

    client.cookies.clear()
    sign_in(client, "auditor")
    assert client.get("/dashboard").status_code == 200
    # Nine hours later (wall clock) the same cookie no longer opens anything.
    later = time.time() + SESSION_MAX_AGE + 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(later))
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_deactivated_user_loses_their_session(client: TestClient, ledger: Ledger) -> None:
    from lookout_ledger.core.auth import User

    sign_in(client, "auditor")
    with ledger.transaction() as s:
        s.get(User, "auditor").active = False
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_signing_out_ends_every_copy_of_the_session_cookie(client: TestClient, ledger: Ledger) -> None:
    """A stolen or copied cookie must not outlive the user's sign-out."""
    csrf = sign_in(client, "auditor")
    copied = client.cookies.get(SESSION_COOKIE)
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    assert client.post("/signout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    client.cookies.set(SESSION_COOKIE, copied)
    r = client.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    assert client.get("/api/inbox").status_code == 401


def test_api_sign_out_ends_the_session_too(client: TestClient) -> None:
    r = client.post("/api/session", json={"username": "auditor", "password": PASSWORD})
    assert r.status_code == 200
    copied, token = client.cookies.get(SESSION_COOKIE), r.json()["csrf_token"]
    assert client.get("/api/inbox").status_code == 200
    assert client.delete("/api/session", headers={"X-CSRF-Token": token}).status_code == 204
    client.cookies.set(SESSION_COOKIE, copied)
    assert client.get("/api/inbox").status_code == 401


def _api_signin(client: TestClient, username: str, password: str) -> object:
    return client.post("/api/session", json={"username": username, "password": password})


def test_sign_in_is_throttled_per_account_with_retry_after(lite_client: TestClient, lite_ledger: Ledger) -> None:
    """#16 item 5: 40 wrong passwords then the right one used to succeed."""
    clock = [5000.0]
    lite_client.app.state.signin_throttle = SigninThrottle(per_account=5, base_delay=30, clock=lambda: clock[0])
    for _ in range(5):
        assert _api_signin(lite_client, "auditor", "not the password at all").status_code == 401
    logged = len(audit_actions(lite_ledger))
    for password in ("still not the password", PASSWORD):
        r = _api_signin(lite_client, "auditor", password)
        assert r.status_code == 429 and r.headers["retry-after"] == "31", r.text
        assert r.json()["retry_after"] == 31 and "Too many failed sign-ins" in r.json()["error"]
    assert len(audit_actions(lite_ledger)) == logged  # a refused attempt writes nothing
    page = lite_client.post(
        "/signin", data={"username": "auditor", "password": PASSWORD, "csrf_token": signin_token(lite_client)}
    )
    assert page.status_code == 429 and page.headers["retry-after"] == "31"
    assert "Too many failed sign-ins" in page.text
    clock[0] += 31
    assert _api_signin(lite_client, "auditor", PASSWORD).status_code == 200


def test_a_failed_sign_in_keeps_a_keyed_digest_not_the_typed_name(lite_client: TestClient, lite_ledger: Ledger) -> None:
    """#16 item 4: the typed user name (once, a password) stayed in the log in clear."""
    typed = "correct-horse-typed-in-the-wrong-box"
    assert _api_signin(lite_client, typed, "whatever it was").status_code == 401
    with lite_ledger.reading() as s:
        entries = s.execute(select(AuditEntry).where(AuditEntry.action == "session.sign_in_failed")).scalars().all()
    assert entries
    assert all(typed not in e.detail for e in entries)
    expected = lite_ledger.keyring.blind_index(typed.lower(), "audit.sign_in_username")
    assert json.loads(entries[-1].detail)["username_digest"] == expected  # an auditor can still test a suspected name


def test_sign_in_answers_busy_when_no_argon2_slot_is_free(lite_client: TestClient) -> None:
    throttle = SigninThrottle(slots=1, slot_wait=0.01)
    lite_client.app.state.signin_throttle = throttle
    with throttle.argon2_slot():
        r = _api_signin(lite_client, "auditor", PASSWORD)
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert _api_signin(lite_client, "auditor", PASSWORD).status_code == 200
