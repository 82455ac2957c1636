"""The access-control matrix: every route, every kind of caller, the outcome declared once.

Issue 16 asked for access control as a tested property: for every page and API route, and each
kind of caller (signed out, deactivated, a role withdrawn, each role), the expected outcome is
declared here, in `DECLARED`, and asserted by real requests; a route that appears without a
declaration, or whose declaration changed, fails the suite. Object-level rules (owner, teammate,
same-role outsider, a supervisor of another unit) are asserted for the lookout lifecycle in
`test_ownership_matrix`, where a real lookout exists (healthchecks' owner/teammate/outsider
pattern, made exhaustive for those routes). The same table is printed in docs/security.md.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from lookout_ledger.core.auth import Role, User, UserRole, add_user
from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.config import Settings
from lookout_ledger.core.db import get_engine
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.policy.loader import load_policy
from lookout_ledger.http.access import PUBLIC, SIGNED_IN, route_access
from lookout_ledger.server import create_app
from support.keys import TEST_KEY
from support.lifecycle_world import PASSWORD as WORLD_PASSWORD
from support.lifecycle_world import World, build_world
from support.web_scenario import NOW, PASSWORD, build

# method, path, who: "public", "signed-in" (the use case checks the rest), "any-role",
# "case-workers" (every role but auditor and admin), or the roles of which one is needed.
# Keep it in path order; docs/security.md prints it.
DECLARED = """
    GET    /                                                          public
    GET    /account                                                   signed-in
    POST   /account/password                                          signed-in
    POST   /account/sessions/{handle}/end                             signed-in
    GET    /admin/users                                               admin
    POST   /admin/users/{username}/deactivate                         admin
    POST   /admin/users/{username}/roles/{role}/withdraw              admin
    POST   /api/account/password                                      signed-in
    GET    /api/account/sessions                                      signed-in
    DELETE /api/account/sessions/{handle}                             signed-in
    GET    /api/admin/users                                           admin
    POST   /api/admin/users/{username}/deactivate                     admin
    POST   /api/admin/users/{username}/roles/{role}/withdraw          admin
    GET    /api/approvals                                             supervisor,counsel
    POST   /api/archive/dispositions                                  records_officer
    POST   /api/archive/dispositions/{disposition_id}/approve         records_officer
    POST   /api/archive/holds                                         records_officer
    POST   /api/archive/holds/{hold_id}/release                       records_officer
    POST   /api/archive/imports                                       records_officer
    GET    /api/archive/missing-transmissions                         records_officer
    POST   /api/archive/requests                                      records_officer
    GET    /api/archive/search                                        signed-in
    GET    /api/audit                                                 auditor,admin
    GET    /api/crossings/{crossing_id}/referral                      port_officer
    GET    /api/device-searches                                       supervisor
    POST   /api/disclosures/agreements                                any-role
    GET    /api/disclosures/agreements/{agreement_id}                 any-role
    POST   /api/disclosures/agreements/{agreement_id}/approvals       any-role
    GET    /api/disclosures/drafts                                    liaison_officer,supervisor,counsel
    POST   /api/disclosures/drafts                                    liaison_officer
    GET    /api/disclosures/drafts/{draft_id}                         liaison_officer,supervisor,counsel
    POST   /api/disclosures/drafts/{draft_id}/decision                supervisor,counsel
    GET    /api/disclosures/drafts/{draft_id}/package                 liaison_officer,auditor
    POST   /api/disclosures/drafts/{draft_id}/send                    liaison_officer
    POST   /api/disclosures/drafts/{draft_id}/withdraw                liaison_officer
    GET    /api/disclosures/log                                       auditor,liaison_officer,supervisor,counsel
    GET    /api/disclosures/queue                                     supervisor,counsel
    GET    /api/disclosures/remediation                               auditor,liaison_officer,supervisor,counsel
    POST   /api/disclosures/remediation/{disclosure_id}               auditor,liaison_officer,supervisor,counsel
    POST   /api/disclosures/requests                                  liaison_officer
    GET    /api/disclosures/requests/{request_id}/document            liaison_officer,supervisor,counsel,auditor
    GET    /api/findings                                              auditor,admin
    GET    /api/inbox                                                 signed-in
    POST   /api/inspections                                           port_officer
    POST   /api/inspections/{iid}/device-search                       port_officer
    POST   /api/inspections/{iid}/device-search/decision              supervisor
    POST   /api/inspections/{iid}/device-search/findings              port_officer
    POST   /api/inspections/{iid}/end                                 port_officer
    POST   /api/inspections/{iid}/interview                           port_officer
    GET    /api/integrity                                             auditor,admin
    GET    /api/integrity/checkpoint                                  auditor,admin
    POST   /api/lookouts                                              lookout_owner
    GET    /api/lookouts/mine                                         signed-in
    POST   /api/lookouts/preview                                      lookout_owner
    GET    /api/lookouts/referring                                    port_officer,supervisor,auditor,admin
    GET    /api/lookouts/{lookout_id}                                 signed-in
    POST   /api/lookouts/{lookout_id}/adopt                           lookout_owner
    POST   /api/lookouts/{lookout_id}/approvals                       supervisor,counsel
    POST   /api/lookouts/{lookout_id}/clear-referral-limit            supervisor
    POST   /api/lookouts/{lookout_id}/disable                         lookout_owner,supervisor
    POST   /api/lookouts/{lookout_id}/enable                          lookout_owner
    POST   /api/lookouts/{lookout_id}/keep                            lookout_owner
    POST   /api/lookouts/{lookout_id}/modify                          lookout_owner
    POST   /api/lookouts/{lookout_id}/remove                          lookout_owner,supervisor
    POST   /api/lookouts/{lookout_id}/renew                           lookout_owner
    POST   /api/lookouts/{lookout_id}/renewal                         supervisor
    POST   /api/lookouts/{lookout_id}/transfers                       lookout_owner,supervisor
    POST   /api/officials/{official_id}/leave-unit                    supervisor,admin
    GET    /api/policy                                                signed-in
    POST   /api/policy/acknowledge                                    lookout_owner,supervisor,counsel
    POST   /api/records/person/{person_id}/reveal                     auditor,admin
    GET    /api/records/{record_type}/{record_id}                     auditor,admin
    POST   /api/redress                                               port_officer,supervisor,records_officer
    POST   /api/redress/{cid}/outcome                                 supervisor
    POST   /api/screen                                                port_officer
    DELETE /api/session                                               signed-in
    POST   /api/session                                               public
    POST   /api/sweep                                                 supervisor,admin
    GET    /api/transfers                                             signed-in
    POST   /api/transfers/{transfer_id}/accept                        lookout_owner
    POST   /api/transfers/{transfer_id}/cancel                        lookout_owner,supervisor
    GET    /archive                                                   signed-in
    POST   /archive/notes                                             case-workers
    GET    /archive/notes/new                                         case-workers
    GET    /archive/officer                                           records_officer
    POST   /archive/officer/dispose                                   records_officer
    POST   /archive/officer/dispose/{disposition_id}/approve          records_officer
    POST   /archive/officer/hold                                      records_officer
    POST   /archive/officer/import                                    records_officer
    POST   /archive/officer/request                                   records_officer
    GET    /dashboard                                                 auditor,admin
    GET    /dashboard/checkpoint                                      auditor,admin
    GET    /dashboard/figure-1.svg                                    auditor,admin
    GET    /device-searches                                           supervisor
    POST   /device-searches/{inspection_id}                           supervisor
    GET    /disclosures/drafts                                        liaison_officer
    POST   /disclosures/drafts                                        liaison_officer
    GET    /disclosures/drafts/new                                    liaison_officer
    GET    /disclosures/drafts/{draft_id}                             liaison_officer
    GET    /disclosures/drafts/{draft_id}/package                     liaison_officer,auditor
    POST   /disclosures/drafts/{draft_id}/send                        liaison_officer
    POST   /disclosures/drafts/{draft_id}/withdraw                    liaison_officer
    GET    /disclosures/log                                           auditor,liaison_officer,supervisor,counsel
    GET    /disclosures/queue                                         supervisor,counsel
    POST   /disclosures/queue/{draft_id}                              supervisor,counsel
    GET    /disclosures/remediation                                   auditor,liaison_officer,supervisor,counsel
    POST   /disclosures/remediation/{disclosure_id}                   auditor,liaison_officer,supervisor,counsel
    GET    /disclosures/requests                                      liaison_officer
    POST   /disclosures/requests                                      liaison_officer
    GET    /inspections/{inspection_id}                               port_officer,supervisor
    POST   /inspections/{inspection_id}/device-search                 port_officer
    POST   /inspections/{inspection_id}/device-search/findings        port_officer
    POST   /inspections/{inspection_id}/end                           port_officer
    POST   /inspections/{inspection_id}/interview                     port_officer
    GET    /lookouts                                                  signed-in
    POST   /lookouts/acknowledge                                      lookout_owner,supervisor,counsel
    GET    /lookouts/approvals                                        supervisor,counsel
    GET    /lookouts/new                                              lookout_owner
    POST   /lookouts/new                                              lookout_owner
    GET    /lookouts/transfers                                        signed-in
    POST   /lookouts/transfers/{transfer_id}/accept                   lookout_owner
    GET    /lookouts/{lookout_id}                                     signed-in
    POST   /lookouts/{lookout_id}/adopt                               lookout_owner
    POST   /lookouts/{lookout_id}/approve                             supervisor,counsel
    POST   /lookouts/{lookout_id}/keep                                lookout_owner
    POST   /lookouts/{lookout_id}/remove                              lookout_owner,supervisor
    POST   /lookouts/{lookout_id}/renew                               lookout_owner
    POST   /lookouts/{lookout_id}/renewal                             supervisor
    POST   /lookouts/{lookout_id}/transfer                            lookout_owner,supervisor
    POST   /records/person/{person_id}/reveal                         auditor,admin
    GET    /records/{record_type}/{record_id}                         auditor,admin
    GET    /screening                                                 port_officer
    POST   /screening                                                 port_officer
    POST   /screening/crossings/{crossing_id}/inspect                 port_officer
    GET    /signin                                                    public
    POST   /signin                                                    public
    POST   /signout                                                   signed-in
"""

ANY_ROLE = tuple(str(r) for r in Role)
CASE_WORKERS = tuple(r for r in ANY_ROLE if r not in ("auditor", "admin"))  # everyone but oversight
SIGN_OUT = {("POST", "/signout"), ("DELETE", "/api/session")}
SENDS_TO_SIGN_IN = {("GET", "/")}  # public, and what it does for a visitor is send them to sign in
PATH_VALUES = {"role": "auditor", "record_type": "lookout", "username": "nobody", "handle": "0" * 16}


def declared() -> dict[tuple[str, str], str | tuple[str, ...]]:
    out: dict[tuple[str, str], str | tuple[str, ...]] = {}
    for line in DECLARED.strip().splitlines():
        method, path, who = line.split()
        named = {"any-role": ANY_ROLE, "case-workers": CASE_WORKERS}
        out[method, path] = who if who in (PUBLIC, SIGNED_IN) else named.get(who) or tuple(who.split(","))
    return out


def test_every_route_is_declared_and_declares_what_is_declared_here(sqlite_ledger: Ledger) -> None:
    actual = {(r.method, r.path): r.needs for r in route_access(create_app(sqlite_ledger))}
    table = declared()
    missing = sorted(set(actual) - set(table))
    assert not missing, f"routes with no declaration in DECLARED (add them): {missing}"
    gone = sorted(set(table) - set(actual))
    assert not gone, f"declared routes that no longer exist: {gone}"
    changed = {
        k: (table[k], actual[k])
        for k in table
        if set(table[k]) != set(actual[k]) or (isinstance(table[k], str) != isinstance(actual[k], str))
    }
    assert not changed, f"declared (here) and declared (by the route) differ: {changed}"


# --- every route × every kind of caller -----------------------------------------------------------

PERSONAS = ["anonymous", "deactivated", "withdrawn", *ANY_ROLE]


def _sign_in(app: object, username: str) -> tuple[TestClient, str]:
    c = TestClient(app, base_url="http://testserver", follow_redirects=False)  # type: ignore[arg-type]
    r = c.post("/api/session", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, (username, r.text)
    return c, r.json()["csrf_token"]


@pytest.fixture(scope="module")
def matrix_app(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[object, dict[str, tuple[TestClient, str]]]]:
    """The web scenario with one user per role, a deactivated user and one whose role was withdrawn,
    each signed in before the change (a session that outlives the change is the case that matters)."""
    db = tmp_path_factory.mktemp("matrix") / "ledger.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    ledger = Ledger(Settings(database_url=url), get_engine(url), TEST_KEY, FixedClock(NOW), load_policy())
    build(ledger)
    with ledger.transaction() as s:
        existing = {u.username for u in s.query(User)}
        for role in Role:
            name = f"as-{role}"
            add_user(s, username=name, password=PASSWORD, roles=[role], at=ledger.now())
        for name in ("deactivated", "withdrawn"):
            if name not in existing:
                add_user(s, username=name, password=PASSWORD, roles=[Role.AUDITOR], at=ledger.now())
    app = create_app(ledger)
    clients = {p: _sign_in(app, f"as-{p}" if p in ANY_ROLE else p) for p in PERSONAS if p != "anonymous"}
    clients["anonymous"] = (TestClient(app, base_url="http://testserver", follow_redirects=False), "")
    with ledger.transaction() as s:
        s.get(User, "deactivated").active = False  # type: ignore[union-attr]
        s.execute(delete(UserRole).where(UserRole.username == "withdrawn"))
    yield app, clients


def _path(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + "X-NONE" + path[end + 1 :]
    return path


def _call(client: TestClient, csrf: str, method: str, path: str) -> object:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    url = _path(path)
    if method == "GET":
        return client.get(url, headers=headers)
    if path.startswith("/api"):
        return client.request(method, url, json={}, headers=headers)
    return client.request(method, url, data={}, headers=headers)


def _outcome(response: object, api: bool) -> str:
    """signed-out, refused (the route's role check), or through (the route let the caller in)."""
    status = response.status_code  # type: ignore[attr-defined]
    if status == 401 or (not api and status == 303 and response.headers["location"].startswith("/signin")):  # type: ignore[attr-defined]
        return "signed-out"
    if status == 403:
        body = response.text  # type: ignore[attr-defined]
        if "no valid session" in body:  # the CSRF guard, before any route: nobody is signed in
            return "signed-out"
        if ("roles_needed" in body) if api else ("This page needs the role" in body):
            return "refused"
    return "through"


def _expected(needs: str | tuple[str, ...], persona: str, route: tuple[str, str]) -> str:
    if route in SENDS_TO_SIGN_IN and persona in ("anonymous", "deactivated"):
        return "signed-out"
    if needs == PUBLIC:
        return "through"
    if persona in ("anonymous", "deactivated"):
        return "signed-out"
    if needs == SIGNED_IN:
        return "through"
    return "through" if persona in needs else "refused"


def _cases() -> list[tuple[str, str, str]]:
    return [(m, p, persona) for (m, p) in declared() for persona in PERSONAS]


@pytest.mark.parametrize(("method", "path"), sorted(declared()), ids=lambda v: v)
def test_access_matrix(matrix_app: tuple[object, dict[str, tuple[TestClient, str]]], method: str, path: str) -> None:
    app, clients = matrix_app
    needs = declared()[method, path]
    wrong = []
    for persona in PERSONAS:
        client, csrf = clients[persona]
        if (method, path) in SIGN_OUT and persona not in ("anonymous", "deactivated"):
            if persona == "withdrawn":
                continue  # signing out would end the session the other routes use; roles do not matter here
            client, csrf = _sign_in(app, f"as-{persona}")
        response = _call(client, csrf, method, path)
        got = _outcome(response, path.startswith("/api"))
        signed_in = persona not in ("anonymous", "deactivated")
        if (method, path) in SIGN_OUT and signed_in and response.status_code in (204, 303):  # type: ignore[attr-defined]
            got = "through"  # signed out: its answer is the way back to the sign-in page
        expected = _expected(needs, persona, (method, path))
        if got != expected:
            wrong.append((persona, expected, got))
    assert not wrong, f"{method} {path}: (persona, expected, got) {wrong}"


# --- object level: the lookout lifecycle ------------------------------------------------------------

LIFECYCLE = {
    # route: (body, who may: the owner, a supervisor of the owner's unit)
    "keep": ({"reason": "Organiser still unknown after interview.", "still_sought": ["Organiser"]}, ("alice",)),
    "modify": ({"reason": "Adding the vehicle registration we found."}, ("alice",)),
    "enable": ({"reason": "Case review done; still needed."}, ("alice",)),
    "renew": ({"reassessment": "Reassessed: still organising crossings.", "expires_at": "2099-01-01"}, ("alice",)),
    "disable": ({"reason": "Pausing while the case is reviewed."}, ("alice", "sam")),
    "transfers": ({"to_owner_id": "O-BOB", "instructions": "Handing over the case file."}, ("alice", "sam")),
    "remove": ({"reason": "No longer needed after the interview."}, ("alice", "sam")),
}
# alice owns it; bob is a teammate (owner, same unit); otto an owner in another unit (same-role
# outsider); sam a supervisor of its unit; zed a supervisor of another; pat and cora other roles.
CALLERS = ("alice", "bob", "otto", "sam", "zed", "pat", "cora")


@pytest.fixture
def lifecycle(ledger: Ledger) -> tuple[World, TestClient]:
    from lookout_ledger.org.models import Official

    world = build_world(ledger)
    with ledger.transaction() as s:
        s.add(Official(id="O-OTTO", name="Otto Outsider", unit_id="U-PORT", role="owner"))
        s.flush()
        add_user(
            s,
            username="otto",
            password=WORLD_PASSWORD,
            roles=[Role.LOOKOUT_OWNER],
            at=ledger.now(),
            official_id="O-OTTO",
        )
    return world, create_app(ledger)


@pytest.mark.parametrize("action", sorted(LIFECYCLE))
def test_ownership_matrix(lifecycle: tuple[World, object], ledger: Ledger, action: str) -> None:
    world, app = lifecycle
    clients = {}
    for user in CALLERS:
        c = TestClient(app, base_url="http://testserver")  # type: ignore[arg-type]
        r = c.post("/api/session", json={"username": user, "password": WORLD_PASSWORD})
        assert r.status_code == 200, r.text
        clients[user] = (c, r.json()["csrf_token"])
    body, allowed = LIFECYCLE[action]
    wrong = []
    for user in CALLERS:
        c, csrf = clients["alice"]
        lid = c.post("/api/lookouts", json=world.draft_body(), headers={"X-CSRF-Token": csrf}).json()["id"]
        if action == "enable":
            c.post(
                f"/api/lookouts/{lid}/disable",
                json={"reason": "Pausing while the case is reviewed."},
                headers={"X-CSRF-Token": csrf},
            )
        c, csrf = clients[user]
        r = c.post(f"/api/lookouts/{lid}/{action}", json=body, headers={"X-CSRF-Token": csrf})
        got = "refused" if r.status_code == 403 else "through"
        expected = "through" if user in allowed else "refused"
        if got != expected:
            wrong.append((user, expected, r.status_code, r.text[:200]))
    assert not wrong, f"{action}: {wrong}"
