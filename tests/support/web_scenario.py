"""A small invented operation for the web and API tests: every page has something to show.

Two owners in one unit, a journalist with a non-suspect lookout that was inspected twice
without pursuing what it sought and transferred without notice, a second person whose lookout
was removed after the first inspection, a WhatsApp disclosure asking to deny entry, and the
message that carried it. Names are invented and deliberately odd, so a test can prove they
never appear where they must not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select

from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.auth import Role, add_user
from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.crypto import normalise_document
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.people.models import Person, PersonDocument
from support.factories import Factory

GIVEN = "Quillon"
FAMILY = "Vantrexia"
DOB = "1984-07-19"
PASSPORT = "ZX9081726"
PASSWORD = "correct horse battery"
NOW = "2019-03-01T00:00:00Z"  # the ledger clock the scenario is audited at
BASIS = "Seen near <b>the</b> crossing with an organizer; may know the organizer's phone number."


@dataclass(frozen=True)
class Scenario:
    unit: str = "U-EOC"
    other_unit: str = "U-SDS"
    owner: str = "O-OWNER-1"
    owner2: str = "O-OWNER-2"
    supervisor: str = "O-SUP"
    journalist: str = "P-JOURNALIST"
    second: str = "P-SECOND"
    lookout: str = "L-100"
    lookout2: str = "L-200"
    inspection1: str = "I-1"
    inspection2: str = "I-2"
    disclosure: str = "D-1"
    message: str = "M-1"


S = Scenario()


def build(ledger: Ledger) -> Scenario:
    """Insert the scenario and set the ledger clock to NOW (after the last record)."""
    ledger.clock = FixedClock(NOW)
    with ledger.transaction() as s:
        fx = Factory(s, ledger.keyring)
        fx.unit(S.unit, name="Emergency Operations Center")
        fx.unit(
            S.other_unit,
            name="San Diego Sector",
            restrict_disclosure_channels=True,
            required_disclosure_approvals=["counsel"],
        )
        fx.official(S.owner, unit_id=S.unit, name="Dana Owner")
        fx.official(S.owner2, unit_id=S.unit, name="Eli Inheritor")
        fx.official(S.supervisor, unit_id=S.other_unit, name="Sam Supervisor")
        fx.person(S.journalist, given_name=GIVEN, family_name=FAMILY, us_person=True, occupation="journalist")
        fx.person(S.second, given_name="Orrin", family_name="Bexleyward", us_person=True)
        p = s.get(Person, S.journalist)
        p.date_of_birth_enc = ledger.keyring.encrypt(DOB, "person.date_of_birth", S.journalist)
        s.add(
            PersonDocument(
                person_id=S.journalist,
                position=0,
                kind="passport",
                number_enc=ledger.keyring.encrypt(PASSPORT, "document.number", f"{S.journalist}.0"),
                number_bidx=ledger.keyring.blind_index(normalise_document(PASSPORT), "document"),
                country="US",
            )
        )
        fx.lookout(
            S.journalist,
            id=S.lookout,
            owner_id=S.owner,
            created_at="2018-12-01T09:00:00-08:00",
            status_code="non_suspect",
            suspected_activity=None,
            basis=BASIS,
            information_sought=["Organizer's phone number"],
            approved_by=S.supervisor,
            approved_at="2018-12-01T10:00:00-08:00",
        )
        c1 = fx.crossing(S.journalist, "2018-12-10T08:00:00-08:00", id="C-1", lookout_ids=[S.lookout])
        fx.inspection(
            S.journalist,
            "2018-12-10T08:30:00-08:00",
            [S.lookout],
            id=S.inspection1,
            crossing_id=c1,
            topics_asked=["Travel plans"],
            officer_ids=[S.owner2],
            device_search={
                "performed": True,
                "reason": None,
                "supervisor_approval_id": None,
                "findings_documented": False,
            },
        )
        fx.event(
            S.lookout,
            "transferred",
            "2018-12-20T12:00:00-08:00",
            id="E-1",
            notice=False,
            to_owner_id=S.owner2,
            actor_id=S.owner,
        )
        c2 = fx.crossing(S.journalist, "2019-01-05T08:00:00-08:00", id="C-2", lookout_ids=[S.lookout])
        fx.inspection(
            S.journalist,
            "2019-01-05T08:20:00-08:00",
            [S.lookout],
            id=S.inspection2,
            crossing_id=c2,
            topics_asked=["Employment"],
            new_information=False,
        )
        fx.lookout(
            S.second, id=S.lookout2, owner_id=S.owner2, created_at="2018-12-02T09:00:00Z", approved_by=S.supervisor
        )
        fx.inspection(S.second, "2018-12-11T09:00:00Z", [S.lookout2], id="I-3")
        fx.event(S.lookout2, "removed", "2018-12-12T09:00:00Z", id="E-2", actor_id=S.owner2, reason="No longer needed.")
        fx.disclosure(
            [S.journalist, S.second],
            "2018-12-15T14:03:00-08:00",
            id=S.disclosure,
            unit_id=S.other_unit,
            discloser_id=S.supervisor,
            channel="whatsapp",
            encrypted=None,
            confidentiality_advisement=False,
            sensitivity_marking=None,
            foreign_request={"none": True},
            requested_action="deny_entry",
            law_enforcement_reason=None,
            recorded=False,
        )
        fx.communication(
            "2018-12-15T14:05:00-08:00",
            id=S.message,
            channel="whatsapp",
            account="personal",
            disclosure_id=S.disclosure,
        )
        at = ledger.now()
        add_user(s, username="auditor", password=PASSWORD, roles=[Role.AUDITOR], at=at, display_name="Avery Auditor")
        add_user(s, username="admin", password=PASSWORD, roles=[Role.ADMIN], at=at, display_name="Ada Admin")
        add_user(s, username="officer", password=PASSWORD, roles=[Role.PORT_OFFICER], at=at, display_name="Pat Officer")
        ledger.audit(s, "loader", "lookout.place", "lookout", S.lookout, {"source": "web test scenario"})
    return S


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def client_for(ledger: Ledger) -> TestClient:
    from lookout_ledger.server import create_app

    return TestClient(create_app(ledger), base_url="http://testserver")


def signin_token(client: TestClient) -> str:
    page = client.get("/signin")
    match = CSRF_INPUT.search(page.text)
    assert match, "the sign-in form carries a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; return the session's CSRF token (as pages embed it)."""
    response = client.post(
        "/signin",
        data={"username": username, "password": password, "csrf_token": signin_token(client), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    home = client.get("/")
    match = CSRF_INPUT.search(home.text)
    assert match, "signed-in pages carry the session's CSRF token"
    return match.group(1)


def audit_actions(ledger: Ledger) -> list[tuple[str, str, str | None]]:
    with ledger.reading() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
        return [(e.actor, e.action, e.target_id) for e in rows]
