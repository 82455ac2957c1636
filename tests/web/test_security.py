"""CSRF on every state-changing request, safe headers on every response, escaped output."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.http.security import CSRF_HEADER
from lookout_ledger.server import create_app
from support.web_scenario import BASIS, PASSWORD, S, audit_actions, sign_in


def test_sign_out_without_or_with_a_wrong_csrf_token_is_refused(lite_client: TestClient, lite_ledger: Ledger) -> None:
    csrf = sign_in(lite_client, "auditor")
    assert lite_client.post("/signout", data={}, follow_redirects=False).status_code == 403
    assert (
        lite_client.post("/signout", data={"csrf_token": csrf[:-2] + "xx"}, follow_redirects=False).status_code == 403
    )
    assert lite_client.post("/signout", headers={CSRF_HEADER: "nope"}, follow_redirects=False).status_code == 403
    assert not [a for a in audit_actions(lite_ledger) if a[1] == "session.sign_out"]
    # The htmx way (a header) and the form way (a field) both work with the right token.
    assert lite_client.post("/signout", headers={CSRF_HEADER: csrf}, follow_redirects=False).status_code == 303


def test_reveal_without_csrf_is_refused_and_reveals_nothing(lite_client: TestClient, lite_ledger: Ledger) -> None:
    sign_in(lite_client, "auditor")
    r = lite_client.post(f"/records/person/{S.journalist}/reveal", data={"purpose": "checking the lookout's basis"})
    assert r.status_code == 403
    assert "CSRF" in r.text
    assert "Quillon" not in r.text
    assert not [a for a in audit_actions(lite_ledger) if a[1] == "person.read"]


def test_a_token_from_another_session_does_not_work(lite_client: TestClient, lite_ledger: Ledger) -> None:
    other = TestClient(create_app(lite_ledger), base_url="http://testserver")
    other_csrf = sign_in(other, "admin")
    sign_in(lite_client, "auditor")
    assert lite_client.post("/signout", data={"csrf_token": other_csrf}, follow_redirects=False).status_code == 403


def test_sign_in_form_needs_its_own_token(lite_client: TestClient) -> None:
    r = lite_client.post("/signin", data={"username": "auditor", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    assert "ll_session" not in r.cookies


def test_api_sign_in_needs_json_and_api_writes_need_the_header(lite_client: TestClient) -> None:
    r = lite_client.post("/api/session", data={"username": "auditor", "password": PASSWORD})
    assert r.status_code == 403
    assert "application/json" in r.json()["error"]
    r = lite_client.post("/api/session", json={"username": "auditor", "password": PASSWORD})
    assert r.status_code == 200
    assert lite_client.delete("/api/session").status_code == 403
    assert lite_client.delete("/api/session", headers={CSRF_HEADER: r.json()["csrf_token"]}).status_code == 204


@pytest.mark.parametrize("path", ["/signin", "/dashboard", "/records/lookout/L-100", "/api/audit", "/nowhere"])
def test_safe_headers_on_every_response(lite_client: TestClient, path: str) -> None:
    sign_in(lite_client, "auditor")
    r = lite_client.get(path)
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert "camera=()" in r.headers["permissions-policy"]
    assert r.headers["cache-control"] == "no-store"


def test_static_files_are_cacheable_but_still_hardened(lite_client: TestClient) -> None:
    r = lite_client.get("/static/vendor/htmx.min.js")
    assert r.status_code == 200
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in r.headers["cache-control"]


def test_pages_load_no_inline_script_and_no_external_resource(lite_client: TestClient) -> None:
    sign_in(lite_client, "auditor")
    for path in ("/signin", "/dashboard", f"/records/lookout/{S.lookout}"):
        html = lite_client.get(path).text
        assert "<script>" not in html and "<script " not in html.replace('<script src="/static/', "")
        assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
        assert " style=" not in html and "<style" not in html


def test_record_text_is_escaped(lite_client: TestClient) -> None:
    sign_in(lite_client, "auditor")
    html = lite_client.get(f"/records/lookout/{S.lookout}").text
    assert "<b>the</b>" in BASIS
    assert "<b>the</b>" not in html
    assert "&lt;b&gt;the&lt;/b&gt;" in html


def test_an_unexpected_error_answers_with_a_correlation_id_the_log_carries(
    lite_ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    """#15: a 500 with no JSON body and no way to find it in the log."""
    from fastapi.testclient import TestClient as Client

    from lookout_ledger.server import create_app

    app = create_app(lite_ledger)

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret detail of a broken invariant")

    client = Client(app, base_url="http://testserver", raise_server_exceptions=False)
    with caplog.at_level("ERROR", logger="lookout_ledger.server"):
        r = client.get("/api/boom")
    assert r.status_code == 500
    body = r.json()
    assert body["correlation_id"] == r.headers["x-correlation-id"] and "secret detail" not in r.text
    assert any(body["correlation_id"] in rec.getMessage() and rec.exc_info for rec in caplog.records)
