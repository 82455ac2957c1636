"""The privacy office's pages on the demo scenario: the disclosure log and the remediation worklist."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.demo.load import DEMO_PASSWORD, load_demo
from lookout_ledger.http.security import CSRF_FIELD
from lookout_ledger.server import create_app


def _signed_in(app: object, username: str) -> tuple[TestClient, str]:
    c = TestClient(app, base_url="http://testserver")  # type: ignore[arg-type]
    r = c.post("/api/session", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return c, r.json()["csrf_token"]


def test_log_and_remediation_through_the_pages(sqlite_ledger: Ledger) -> None:
    load_demo(sqlite_ledger, "admin")
    app = create_app(sqlite_ledger)
    auditor, token = _signed_in(app, "auditor")
    log = auditor.get("/disclosures/log")
    assert log.status_code == 200 and log.text.count('data-disclosure="') == 9
    page = auditor.get("/disclosures/remediation")
    assert page.status_code == 200 and "0 of 9 disclosures remediated" in page.text
    deny = next(
        chunk.split('"')[0]
        for chunk in page.text.split('data-disclosure="')[1:]
        if 'data-action="rescission_letter"' in chunk.split("</section>")[0]
    )
    r = auditor.post(f"/disclosures/remediation/{deny}", data={CSRF_FIELD: token, "action": "rescission_letter"})
    assert r.status_code == 200 and "revocada" in r.text
    r = auditor.post(
        f"/disclosures/remediation/{deny}", data={CSRF_FIELD: token, "action": "reviewed", "conclusion": "x"}
    )
    assert r.status_code == 400 and "conclusion: required" in r.text
    for action in ("retroactive_advisement", "documented_record", "reviewed"):
        r = auditor.post(
            f"/disclosures/remediation/{deny}",
            data={
                CSRF_FIELD: token,
                "action": action,
                "what": "A list of names by e-mail",
                "reason": "None recorded at the time",
                "conclusion": "Unauthorized request; rescinded and advised.",
            },
        )
        assert r.status_code == 200, r.text
    assert "1 of 9 disclosures remediated" in auditor.get("/disclosures/remediation").text
    r = auditor.post(f"/disclosures/remediation/{deny}", data={"action": "reviewed", "conclusion": "no csrf token"})
    assert r.status_code == 403
    officer, _ = _signed_in(app, "officer")
    assert officer.get("/disclosures/remediation").status_code == 403
