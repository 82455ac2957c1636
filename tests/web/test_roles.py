"""Role checks on every page and endpoint; the 403 says which role is needed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from support.web_scenario import S, sign_in

PAGES = ["/dashboard", "/dashboard/figure-1.svg", f"/records/lookout/{S.lookout}", f"/records/person/{S.journalist}"]
API = ["/api/audit", "/api/findings", f"/api/records/lookout/{S.lookout}"]


@pytest.mark.parametrize("path", PAGES)
def test_a_port_officer_is_refused_oversight_pages_with_the_role_named(lite_client: TestClient, path: str) -> None:
    sign_in(lite_client, "officer")
    r = lite_client.get(path)
    assert r.status_code == 403
    assert "needs the role auditor or admin" in r.text
    assert "officer" in r.text


@pytest.mark.parametrize("path", API)
def test_the_api_refuses_the_same_roles_in_json(lite_client: TestClient, path: str) -> None:
    sign_in(lite_client, "officer")
    r = lite_client.get(path)
    assert r.status_code == 403
    assert r.json()["roles_needed"] == ["auditor", "admin"]


@pytest.mark.parametrize("path", API)
def test_the_api_without_a_session_is_401(lite_client: TestClient, path: str) -> None:
    r = lite_client.get(path)
    assert r.status_code == 401
    assert "POST /api/session" in r.json()["error"]


@pytest.mark.parametrize("path", PAGES)
def test_auditor_and_admin_may_open_oversight_pages(lite_client: TestClient, path: str) -> None:
    for user in ("auditor", "admin"):
        lite_client.cookies.clear()
        sign_in(lite_client, user)
        assert lite_client.get(path).status_code == 200, user


def test_a_user_without_oversight_role_lands_on_a_home_page(lite_client: TestClient) -> None:
    sign_in(lite_client, "officer")
    r = lite_client.get("/")
    assert r.status_code == 200
    assert "Welcome, Pat Officer" in r.text
    assert "port officer" in r.text
