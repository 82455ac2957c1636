"""The site menu: which pages each role works in.

One table, so the menu and the home page agree. Showing a link is a convenience, not a
control: every page checks the role itself and answers 403 with the role it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lookout_ledger.core.auth import Role


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str
    roles: tuple[Role, ...]
    purpose: str


LINKS = (
    NavLink(
        "Dashboard", "/dashboard", (Role.AUDITOR, Role.ADMIN), "oversight metrics, findings and the Appendix C matrix"
    ),
    NavLink(
        "My lookouts",
        "/lookouts",
        (Role.LOOKOUT_OWNER, Role.SUPERVISOR, Role.COUNSEL),
        "lookouts you own, reviews due after inspections, your inbox",
    ),
    NavLink("Approvals", "/lookouts/approvals", (Role.SUPERVISOR, Role.COUNSEL), "lookouts waiting for your approval"),
    NavLink("Screening", "/screening", (Role.PORT_OFFICER,), "screen a traveler; secondary inspections"),
    NavLink("Device searches", "/device-searches", (Role.SUPERVISOR,), "device-search requests to approve"),
    NavLink(
        "Requests and drafts",
        "/disclosures/requests",
        (Role.LIAISON_OFFICER,),
        "foreign requests, disclosure drafts, sending",
    ),
    NavLink(
        "Disclosure approvals",
        "/disclosures/queue",
        (Role.SUPERVISOR, Role.COUNSEL),
        "disclosures waiting for your written approval",
    ),
    NavLink("Disclosure log", "/disclosures/log", (Role.AUDITOR, Role.LIAISON_OFFICER), "every disclosure made"),
    NavLink("Remediation", "/disclosures/remediation", (Role.AUDITOR,), "past disclosures to remedy"),
    NavLink("Records", "/archive", tuple(Role), "search communications your role may see"),
    NavLink(
        "Records desk", "/archive/officer", (Role.RECORDS_OFFICER,), "imports, holds, dispositions, records requests"
    ),
    NavLink("Users", "/admin/users", (Role.ADMIN,), "deactivate users, withdraw roles"),
)


def nav_links(principal: Any) -> list[NavLink]:
    """The links for a signed-in principal (none before sign-in)."""
    if principal is None:
        return []
    return [link for link in LINKS if principal.has_role(*link.roles)]
