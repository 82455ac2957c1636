"""One's own account and the administrators' user list (issue 16, item 5), on pages and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.http.security import CSRF_HEADER
from support.web_scenario import PASSWORD, audit_actions, client_for, sign_in

NEW = "plum ferry lantern quartz"


def test_changing_a_password_needs_the_current_one_and_a_good_new_one(lite_ledger: Ledger) -> None:
    me, other = client_for(lite_ledger), client_for(lite_ledger)
    csrf = sign_in(me, "auditor")
    sign_in(other, "auditor")
    form = {"csrf_token": csrf, "current_password": "not my password", "new_password": NEW, "confirm_password": NEW}
    r = me.post("/account/password", data=form)
    assert r.status_code == 400 and "current password: it is not your current password" in r.text
    for weak, why in (
        ("12345678", "use at least 12"),
        ("password1234", "common password"),
        ("auditor-2026-x", "contains &#39;auditor&#39;"),
        ("abcdefghijklmnop", "sequence"),
    ):
        r = me.post(
            "/account/password",
            data={**form, "current_password": PASSWORD, "new_password": weak, "confirm_password": weak},
        )
        assert r.status_code == 400 and "new password: this password cannot be used" in r.text and why in r.text, weak
    r = me.post("/account/password", data={**form, "current_password": PASSWORD, "confirm_password": NEW + "x"})
    assert r.status_code == 400 and "the two new passwords differ" in r.text
    r = me.post("/account/password", data={**form, "current_password": PASSWORD})
    assert r.status_code == 200 and "Password changed. 1 other session(s) ended." in r.text
    assert me.get("/account").status_code == 200  # this session stays
    assert other.get("/account", follow_redirects=False).status_code == 303  # the other one ended
    fresh = client_for(lite_ledger)
    assert fresh.post("/api/session", json={"username": "auditor", "password": PASSWORD}).status_code == 401
    assert fresh.post("/api/session", json={"username": "auditor", "password": NEW}).status_code == 200
    assert ("auditor", "account.password_change", "auditor") in audit_actions(lite_ledger)


def test_sessions_are_listed_and_each_can_be_ended(lite_ledger: Ledger) -> None:
    me, phone = client_for(lite_ledger), client_for(lite_ledger)
    csrf = me.post("/api/session", json={"username": "officer", "password": PASSWORD}).json()["csrf_token"]
    phone.post("/api/session", json={"username": "officer", "password": PASSWORD})
    sessions = me.get("/api/account/sessions").json()
    assert len(sessions) == 2 and sum(s["current"] for s in sessions) == 1
    theirs = next(s["handle"] for s in sessions if not s["current"])
    page = me.get("/account")
    assert page.status_code == 200 and theirs in page.text
    assert me.delete(f"/api/account/sessions/{theirs}", headers={CSRF_HEADER: csrf}).status_code == 204
    assert phone.get("/api/account/sessions").status_code == 401
    assert me.delete(f"/api/account/sessions/{theirs}", headers={CSRF_HEADER: csrf}).status_code == 404
    assert me.delete("/api/account/sessions/zz", headers={CSRF_HEADER: csrf}).status_code == 400
    assert ("officer", "session.end", "officer") in audit_actions(lite_ledger)


def test_a_session_unused_for_thirty_minutes_ends(lite_ledger: Ledger) -> None:
    client = client_for(lite_ledger)
    now = [datetime.now(UTC)]
    client.app.state.wall_clock = lambda: now[0]
    sign_in(client, "auditor")
    now[0] += timedelta(minutes=29)
    assert client.get("/dashboard").status_code == 200  # used: the idle clock starts again
    now[0] += timedelta(minutes=29)
    assert client.get("/dashboard").status_code == 200
    now[0] += timedelta(minutes=31)
    r = client.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    now[0] -= timedelta(minutes=31)  # going back does not revive it: it was ended, not only refused
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    assert ("auditor", "session.idle_timeout", "auditor") in audit_actions(lite_ledger)


def test_an_administrator_deactivates_users_and_withdraws_roles_on_a_page(lite_ledger: Ledger) -> None:
    admin, officer, auditor = client_for(lite_ledger), client_for(lite_ledger), client_for(lite_ledger)
    csrf = sign_in(admin, "admin")
    officer_csrf = sign_in(officer, "officer")
    sign_in(auditor, "auditor")
    assert officer.get("/admin/users").status_code == 403
    assert officer.post("/admin/users/auditor/deactivate", data={"csrf_token": officer_csrf}).status_code == 403
    page = admin.get("/admin/users")
    assert page.status_code == 200 and 'data-user="officer"' in page.text
    r = admin.post("/admin/users/auditor/roles/auditor/withdraw", data={"csrf_token": csrf})
    assert r.status_code == 200 and "auditor withdrawn from auditor" in r.text
    assert auditor.get("/dashboard").status_code == 403  # at the next request
    assert admin.post("/admin/users/auditor/roles/auditor/withdraw", data={"csrf_token": csrf}).status_code == 400
    r = admin.post("/admin/users/officer/deactivate", data={"csrf_token": csrf})
    assert r.status_code == 200 and "officer deactivated" in r.text
    assert officer.get("/screening", follow_redirects=False).status_code == 303
    assert admin.post("/admin/users/nobody/deactivate", data={"csrf_token": csrf}).status_code == 404
    assert admin.post("/admin/users/admin/deactivate", data={"csrf_token": csrf}).status_code == 400
    assert admin.post("/admin/users/officer/deactivate").status_code == 403  # no CSRF token
    actions = audit_actions(lite_ledger)
    assert ("admin", "role.withdraw", "auditor") in actions and ("admin", "user.deactivate", "officer") in actions
    listed = {u["username"]: u for u in admin.get("/api/admin/users").json()}
    assert listed["officer"]["active"] is False and listed["auditor"]["roles"] == []


def test_api_password_change_is_throttled_like_a_sign_in(lite_client: TestClient) -> None:
    csrf = lite_client.post("/api/session", json={"username": "officer", "password": PASSWORD}).json()["csrf_token"]
    body = {"current_password": "guess number one", "new_password": NEW}
    codes = [
        lite_client.post("/api/account/password", json=body, headers={CSRF_HEADER: csrf}).status_code for _ in range(6)
    ]
    assert codes[:5] == [400] * 5
    r = lite_client.post(
        "/api/account/password", json={**body, "current_password": PASSWORD}, headers={CSRF_HEADER: csrf}
    )
    assert r.status_code == 400 and "Too many failed sign-ins" in r.json()["error"]
