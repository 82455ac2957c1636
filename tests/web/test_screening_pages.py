"""The port officer's screen, the inspection form and the device-search approvals, through TestClient.

What a person sees and what a form changes: the referral banner shows what to ask (not the
owner's file), start and end times come from the system clock, refusals show their rule and
reason and write nothing, an over-long inspection is flagged at once, and every POST checks
role and CSRF token.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.inspections import Inspection
from lookout_ledger.inspections.live_models import DeviceSearch
from lookout_ledger.notifications.models import Notification
from lookout_ledger.screening import service
from lookout_ledger.server import create_app
from support.screening_world import screening_world
from support.web_scenario import sign_in

TRAVELER = {
    "port": "San Ysidro",
    "given_name": "Jose Maria",
    "family_name": "Garcia",
    "date_of_birth": "1980-03-07",
    "nationality": "mx",
    "doc_kind": "passport",
    "doc_number": "",
    "doc_country": "",
}
REASON = "Traveler photographed the fence sensors; his phone may hold the smuggling route the lookout describes."


class Pages:
    def __init__(self, ledger: Ledger) -> None:
        self.app = create_app(ledger)
        self.sessions: dict[str, tuple[TestClient, str]] = {}

    def as_(self, username: str) -> tuple[TestClient, str]:
        if username not in self.sessions:
            c = TestClient(self.app, base_url="http://testserver")
            self.sessions[username] = (c, sign_in(c, username))
        return self.sessions[username]

    def get(self, username: str, path: str) -> object:
        return self.as_(username)[0].get(path)

    def post(self, username: str, path: str, data: dict | None = None, csrf: bool = True) -> object:
        c, token = self.as_(username)
        form = {**(data or {}), **({"csrf_token": token} if csrf else {})}
        return c.post(path, data=form, follow_redirects=False)


def _referred(pages: Pages) -> str:
    r = pages.post("pat", "/screening", TRAVELER)
    assert r.status_code == 200, r.text
    m = re.search(r'action="/screening/crossings/([^"/]+)/inspect"', r.text)
    assert m, r.text
    return m.group(1)


def _start(pages: Pages, crossing: str) -> str:
    r = pages.post("pat", f"/screening/crossings/{crossing}/inspect")
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def test_referral_banner_shows_what_to_ask_not_the_owners_file(ledger: Ledger) -> None:
    service.forget_indexes()
    screening_world(ledger)
    pages = Pages(ledger)
    assert pages.get("pat", "/screening").status_code == 200
    r = pages.post("pat", "/screening", TRAVELER)
    assert 'id="referral"' in r.text and "Refer to secondary" in r.text
    assert "LK-MX" in r.text and "Who arranged the crossing" in r.text and "Vehicle ownership" in r.text
    assert "Instructions:" in r.text
    assert "fence gap" not in r.text  # the lookout's basis (owner's file) is not shown to the port officer
    miss = pages.post("pat", "/screening", {**TRAVELER, "date_of_birth": "1981-04-09"})
    assert 'id="no-referral"' in miss.text and 'id="referral"' not in miss.text
    notify_only = pages.post(
        "pat",
        "/screening",
        {**TRAVELER, "given_name": "Lucia", "family_name": "Dominguez Ortega", "date_of_birth": "1975-11-20"},
    )
    assert "No referral" in notify_only.text and "LK-NO" in notify_only.text  # owner told of the encounter
    bad = pages.post("pat", "/screening", {**TRAVELER, "date_of_birth": "07/03/1980"})
    assert bad.status_code == 400 and "date_of_birth" in bad.text and 'value="07/03/1980"' in bad.text


def test_roles_and_csrf_are_checked(ledger: Ledger) -> None:
    service.forget_indexes()
    screening_world(ledger)
    pages = Pages(ledger)
    assert pages.get("alice", "/screening").status_code == 403  # a lookout owner does not screen
    assert pages.post("alice", "/screening", TRAVELER).status_code == 403
    assert pages.get("pat", "/device-searches").status_code == 403  # an officer does not approve searches
    assert pages.post("pat", "/screening", TRAVELER, csrf=False).status_code == 403
    crossing = _referred(pages)
    assert pages.post("pat", f"/screening/crossings/{crossing}/inspect", csrf=False).status_code == 403
    iid = _start(pages, crossing)
    assert pages.post("pat", f"/inspections/{iid}/end", csrf=False).status_code == 403
    assert pages.post("zed", f"/inspections/{iid}/end").status_code == 403  # supervisors do not conduct
    assert pages.post("zed", f"/device-searches/{iid}", {"decision": "approve"}, csrf=False).status_code == 403
    with ledger.reading() as s:
        assert s.get(Inspection, iid).ended_at is None


def test_inspection_form_from_start_to_end_with_device_search(ledger: Ledger, clock: FixedClock) -> None:
    service.forget_indexes()
    screening_world(ledger)
    pages = Pages(ledger)
    iid = _start(pages, _referred(pages))
    started = ledger.now()
    page = pages.get("pat", f"/inspections/{iid}")
    assert page.status_code == 200 and "still open" in page.text and "(system time)" in page.text
    assert 'name="sought" value="Who arranged the crossing"' in page.text

    refused = pages.post(
        "pat",
        f"/inspections/{iid}/interview",
        {"sought": "Vehicle ownership", "information_obtained": "Car is his cousin's.", "restrained": "yes"},
    )
    assert refused.status_code == 409
    assert "IN-RESTRAINT-REASON" in refused.text and "reason is missing" in refused.text
    assert "Car is his cousin" in refused.text  # the officer's text survives the refusal
    with ledger.reading() as s:
        assert s.get(Inspection, iid).information_obtained is None  # nothing written

    ok = pages.post(
        "pat",
        f"/inspections/{iid}/interview",
        {
            "sought": "Vehicle ownership",
            "free_topics": "Travel companions",
            "information_obtained": "Car belongs to his cousin.",
            "new_information": "yes",
        },
    )
    assert ok.status_code == 303
    page = pages.get("pat", f"/inspections/{iid}")
    assert re.search(r'value="Vehicle ownership" checked', page.text)
    assert not re.search(r'value="Who arranged the crossing" checked', page.text)

    vague = pages.post("pat", f"/inspections/{iid}/device-search", {"reason": "phone"})
    assert vague.status_code == 409 and "IN-DEVICE-SEARCH" in vague.text and "detailed reason" in vague.text
    assert pages.post("pat", f"/inspections/{iid}/device-search", {"reason": REASON}).status_code == 303
    early = pages.post("pat", f"/inspections/{iid}/device-search/findings", {"findings": "Route photos found."})
    assert early.status_code == 409 and "IN-DEVICE-SEARCH" in early.text and "not approved yet" in early.text

    queue = pages.get("zed", "/device-searches")
    assert f'data-inspection="{iid}"' in queue.text and REASON in queue.text
    decided = pages.post("zed", f"/device-searches/{iid}", {"decision": "approve", "note": "Reason is specific."})
    assert decided.status_code == 200 and "approved" in decided.text and 'id="none-pending"' in decided.text
    assert (
        pages.post("pat", f"/inspections/{iid}/device-search/findings", {"findings": "Route photos found."}).status_code
        == 303
    )

    clock.advance(hours=5)  # past the policy's 4 hours: flagged as soon as the page is seen
    page = pages.get("pat", f"/inspections/{iid}")
    assert 'id="duration-flag"' in page.text and "limit of 4 hours" in page.text
    with ledger.reading() as s:
        kinds = set(s.execute(select(Notification.kind).where(Notification.recipient == "zed")).scalars())
    assert "inspection_open" in kinds

    assert pages.post("pat", f"/inspections/{iid}/end").status_code == 303
    page = pages.get("pat", f"/inspections/{iid}")
    assert 'id="ended-note"' in page.text and 'id="end-form"' not in page.text
    with ledger.reading() as s:
        ins = s.get(Inspection, iid)
        assert ins.started_at == started and ins.ended_at == ledger.now()  # both are system times
        assert s.get(DeviceSearch, iid).findings == "Route photos found."
        owner_kinds = set(s.execute(select(Notification.kind).where(Notification.recipient == "alice")).scalars())
    assert "inspection_report" in owner_kinds
    inbox = pages.get("alice", "/lookouts")
    assert "Inspection report for your lookout LK-MX" in inbox.text
