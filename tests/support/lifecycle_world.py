"""A small invented organisation for lifecycle tests: two units, owners, supervisors, counsel.

Every person and official here is invented. Users act as officials; all have acknowledged
the active policy unless a test says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role, User, UserRole, hash_password
from lookout_ledger.core.crypto import normalise_name
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.inspections import Inspection, InspectionLookout
from lookout_ledger.lookouts.placement import LookoutDraft
from lookout_ledger.lookouts.training import acknowledge
from lookout_ledger.org.models import Official, Unit
from lookout_ledger.people.models import Person

PASSWORD = "correct horse battery"
USERS = {
    # username: (official, unit, roles)
    "alice": ("O-ALICE", "U-EOC", [Role.LOOKOUT_OWNER]),
    "bob": ("O-BOB", "U-EOC", [Role.LOOKOUT_OWNER]),
    "sam": ("O-SAM", "U-EOC", [Role.SUPERVISOR]),
    "sue": ("O-SUE", "U-EOC", [Role.SUPERVISOR, Role.LOOKOUT_OWNER]),
    "cora": ("O-CORA", "U-EOC", [Role.COUNSEL]),
    "zed": ("O-ZED", "U-PORT", [Role.SUPERVISOR]),
    "pat": ("O-PAT", "U-PORT", [Role.PORT_OFFICER]),
}


@dataclass
class World:
    ledger: Ledger

    def draft(self, person_id: str = "P-1", **over: object) -> LookoutDraft:
        values: dict[str, object] = {
            "person_id": person_id,
            "status_code": "suspect",
            "suspected_activity": "alien smuggling across the Otay Mesa fence",
            "basis": "Seen by agents guiding a group through the fence gap on 2018-12-20; vehicle registered to him.",
            "information_sought": ["Who arranged the 2018-12-20 crossing", "Vehicle ownership"],
            "action": "refer_secondary",
            "expires_at": self.ledger.now() + timedelta(days=60),
            "nexus": None,
        }
        values.update(over)
        return LookoutDraft(**values)  # type: ignore[arg-type]

    def draft_body(self, person_id: str = "P-1", **over: object) -> dict[str, object]:
        """`draft` as the JSON body of `POST /api/lookouts`."""
        d = self.draft(person_id, **over)
        return {
            "person_id": d.person_id,
            "status_code": d.status_code,
            "suspected_activity": d.suspected_activity,
            "basis": d.basis,
            "information_sought": d.information_sought,
            "action": d.action,
            "expires_at": d.expires_at.isoformat() if d.expires_at else "",
            "nexus": d.nexus,
        }

    def inspection(self, session: Session, lookout_id: str, person_id: str, at: datetime, iid: str) -> str:
        """An inspection inserted through the ORM (the inspections capability is issue 4)."""
        session.add(Inspection(id=iid, person_id=person_id, started_at=at, started_at_offset=0, documented=True))
        session.add(InspectionLookout(inspection_id=iid, position=0, lookout_id=lookout_id))
        session.flush()
        return iid


@cache
def _password_hash() -> str:
    """Argon2 is slow on purpose; every test user shares one hash of the same password."""
    return hash_password(PASSWORD)


def build_world(ledger: Ledger, acknowledged: bool = True) -> World:
    with ledger.transaction() as s:
        s.add_all([Unit(id="U-EOC", name="Emergency Operations Center"), Unit(id="U-PORT", name="Port of Entry")])
        s.flush()
        for username, (oid, unit, roles) in USERS.items():
            s.add(
                Official(
                    id=oid,
                    name=f"Official {username.title()}",
                    unit_id=unit,
                    role=str(roles[0]),
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
        k = ledger.keyring
        for pid, given, family, occupation in (
            ("P-1", "Rowan", "Example", None),
            ("P-2", "Quinn", "Sample", "other"),
            ("P-J", "Jordan", "Fictional", "journalist"),
        ):
            s.add(
                Person(
                    id=pid,
                    given_name_enc=k.encrypt(given, "person.given_name", pid),
                    family_name_enc=k.encrypt(family, "person.family_name", pid),
                    name_bidx=k.blind_index(normalise_name(given, family), "name"),
                    us_person=True,
                    occupation=occupation,
                )
            )
        s.flush()
        if acknowledged:
            for username in USERS:
                acknowledge(ledger, s, username)
    return World(ledger)
