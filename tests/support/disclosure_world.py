"""An invented sector for disclosure tests: a liaison unit whose SOP requires three approvals,
the three approvers, counsel, a privacy officer, a recipient agency and its official address.

Every person, official, agency and address here is invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from lookout_ledger.core.auth import Role, User, UserRole, hash_password
from lookout_ledger.core.crypto import normalise_name
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.disclosures import drafts, requests
from lookout_ledger.disclosures.drafts import DraftInput
from lookout_ledger.disclosures.requests import RequestInput
from lookout_ledger.org.models import Official, Unit, UnitRequiredApproval
from lookout_ledger.people.models import Person, PersonCitizenship, PersonDocument

PASSWORD = "correct horse battery"
SECTOR_ROLES = ["FOB assistant chief", "division chief of operations", "sector assistant chief counsel"]
USERS = {
    # username: (official, unit, official role, system roles)
    "lia": ("O-LIA", "U-FOB", "liaison officer", [Role.LIAISON_OFFICER]),
    "leo": ("O-LEO", "U-FOB", "liaison officer", [Role.LIAISON_OFFICER]),
    "ace": ("O-ACE", "U-FOB", "FOB assistant chief", [Role.SUPERVISOR]),
    "dco": ("O-DCO", "U-SECTOR", "division chief of operations", [Role.SUPERVISOR]),
    "cal": ("O-CAL", "U-COUNSEL", "sector assistant chief counsel", [Role.COUNSEL]),
    "pia": ("O-PIA", "U-PRIV", "privacy officer", [Role.AUDITOR]),
    "ian": ("O-IAN", "U-PRIV", "international affairs liaison", [Role.SUPERVISOR]),
    "ccl": ("O-CCL", "U-COUNSEL", "chief counsel", [Role.COUNSEL]),
    "com": ("O-COM", "U-HQ", "commissioner", [Role.SUPERVISOR]),
    "adm": ("O-ADM", "U-HQ", "systems administrator", [Role.ADMIN]),
    # an official who acts as the assistant chief AND drafts (separation of duties)
    "dual": ("O-DUAL", "U-FOB", "FOB assistant chief", [Role.SUPERVISOR, Role.LIAISON_OFFICER]),
}
AGENCY = "AG-INM"
ADDRESS = "enlace.cbp@inm.gob.example"
REQUEST_PDF = b"%PDF-1.4\n% invented written request from the Instituto Nacional de Migracion\n"


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class World:
    ledger: Ledger

    def request(self, **over: object) -> str:
        values: dict[str, object] = {
            "unit_id": "U-FOB",
            "agency_id": AGENCY,
            "sender_name": "Lic. Ana Ejemplo Ficticia",
            "sent_on": self.ledger.now() - timedelta(days=1),
            "asked": "Identity and citizenship of two travellers named in the attached letter",
            "document": REQUEST_PDF,
            "document_name": "solicitud.pdf",
        }
        values.update(over)
        with self.ledger.transaction() as s:
            return requests.record_request(self.ledger, s, "lia", RequestInput(**values)).id  # type: ignore[arg-type]

    def draft(self, request_id: str, username: str = "lia", **over: object) -> str:
        values: dict[str, object] = {
            "request_id": request_id,
            "person_ids": ["P-US", "P-MX"],
            "fields": ["name", "citizenship"],
            "purpose": "1628a1",
            "law_enforcement_reason": "Investigation of a smuggling organisation using the two travellers' documents",
            "requested_action": "information_request",
            "recipient_official": "Lic. Ana Ejemplo Ficticia",
        }
        values.update(over)
        with self.ledger.transaction() as s:
            return drafts.create_draft(self.ledger, s, username, DraftInput(**values)).draft.id  # type: ignore[arg-type]

    def open_request(self, username: str, request_id: str) -> None:
        with self.ledger.transaction() as s:
            requests.open_document(self.ledger, s, username, request_id)

    def approve_all(self, draft_id: str, request_id: str, approvers: tuple[str, ...] = ("ace", "dco", "cal")) -> None:
        roles = dict(zip(("ace", "dco", "cal"), SECTOR_ROLES, strict=True))
        for u in approvers:
            self.open_request(u, request_id)
            with self.ledger.transaction() as s:
                drafts.decide(self.ledger, s, u, draft_id, roles[u], True, "Checked the request and the fields.")


def build_world(ledger: Ledger) -> World:
    k = ledger.keyring
    with ledger.transaction() as s:
        for uid, name in (
            ("U-FOB", "Foreign Operations Branch"),
            ("U-SECTOR", "Sector Headquarters"),
            ("U-COUNSEL", "Office of the Sector Assistant Chief Counsel"),
            ("U-PRIV", "Privacy Office"),
            ("U-HQ", "Headquarters"),
        ):
            s.add(Unit(id=uid, name=name, restrict_disclosure_channels=uid == "U-FOB"))
        s.flush()
        for i, role in enumerate(SECTOR_ROLES):
            s.add(UnitRequiredApproval(unit_id="U-FOB", position=i, role=role))
        for username, (oid, unit, orole, roles) in USERS.items():
            s.add(
                Official(
                    id=oid,
                    name=f"Official {username.title()}",
                    unit_id=unit,
                    role=orole,
                    title_confirmed_by="test-setup",
                )
            )
            s.flush()
            user = User(
                username=username,
                display_name=f"Official {username.title()}",
                password_hash=_password_hash(),
                official_id=oid,
                active=True,
                created_at=ledger.now(),
            )
            user.roles = [UserRole(role=str(r)) for r in roles]
            s.add(user)
        s.flush()
        for pid, given, family, us, dob, country in (
            ("P-US", "Rowan", "Example", True, "1980-02-03", "US"),
            ("P-MX", "Quinn", "Muestra", False, "1975-06-07", "MX"),
            ("P-US2", "Jordan", "Fictional", True, None, "US"),
        ):
            s.add(
                Person(
                    id=pid,
                    given_name_enc=k.encrypt(given, "person.given_name", pid),
                    family_name_enc=k.encrypt(family, "person.family_name", pid),
                    date_of_birth_enc=k.encrypt(dob, "person.date_of_birth", pid),
                    name_bidx=k.blind_index(normalise_name(given, family), "name"),
                    us_person=us,
                )
            )
            s.flush()
            s.add(PersonCitizenship(person_id=pid, position=0, country=country))
            s.add(
                PersonDocument(
                    person_id=pid,
                    position=0,
                    kind="passport",
                    number_enc=k.encrypt(f"X{pid[-2:]}1234567", "document.number", f"{pid}.0"),
                    country=country,
                )
            )
        s.flush()
        requests.register_agency(ledger, s, "adm", AGENCY, "MX", "Instituto Nacional de Migración (ficticio)")
        requests.register_address(ledger, s, "adm", AGENCY, ADDRESS, "Enlace CBP")
    return World(ledger)
