"""The site menu shows each role the pages it works in, and only those."""

from __future__ import annotations

from types import SimpleNamespace

from lookout_ledger.core.auth import Role
from lookout_ledger.web.navigation import LINKS, nav_links


def _principal(*roles: Role) -> SimpleNamespace:
    names = {str(r) for r in roles}
    return SimpleNamespace(has_role=lambda *wanted: bool(names & {str(w) for w in wanted}))


def _hrefs(*roles: Role) -> list[str]:
    return [link.href for link in nav_links(_principal(*roles))]


def test_nobody_signed_in_sees_no_menu() -> None:
    assert nav_links(None) == []


def test_each_role_sees_its_pages() -> None:
    assert _hrefs(Role.AUDITOR) == ["/dashboard", "/disclosures/log", "/disclosures/remediation", "/archive"]
    assert _hrefs(Role.PORT_OFFICER) == ["/screening", "/archive"]
    assert "/lookouts/approvals" in _hrefs(Role.SUPERVISOR) and "/lookouts/approvals" not in _hrefs(Role.LOOKOUT_OWNER)
    assert "/archive/officer" in _hrefs(Role.RECORDS_OFFICER)


def test_every_role_has_somewhere_to_go() -> None:
    for role in Role:
        assert _hrefs(role), role


def test_every_link_is_a_page_of_the_app(sqlite_ledger) -> None:  # type: ignore[no-untyped-def]
    """Signed out, every menu page sends you to sign in; a link to a page that does not exist would 404."""
    from fastapi.testclient import TestClient

    from lookout_ledger.server import create_app

    with TestClient(create_app(sqlite_ledger), follow_redirects=False) as client:
        for link in LINKS:
            response = client.get(link.href)
            assert response.status_code == 303, (link.href, response.status_code)
            assert response.headers["location"].startswith("/signin?next="), link.href
