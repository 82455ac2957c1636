"""Invented travelers with lookouts, on top of the lifecycle tests' organisation."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lookout_ledger.core.crypto import normalise_document, normalise_name
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.lookouts import Lookout, LookoutTopic, normalise_topic
from lookout_ledger.lookouts.lifecycle_models import LookoutApproval, LookoutControl
from lookout_ledger.people.models import Person, PersonCitizenship, PersonDocument
from support.lifecycle_world import World, build_world

__all__ = ["World", "add_person", "adopt", "build_world", "imported_lookout", "screening_world"]


def add_person(
    ledger: Ledger, s: Session, pid: str, given: str, family: str, dob: str | None, passport: str | None = None
) -> None:
    k = ledger.keyring
    s.add(
        Person(
            id=pid,
            given_name_enc=k.encrypt(given, "person.given_name", pid),
            family_name_enc=k.encrypt(family, "person.family_name", pid),
            date_of_birth_enc=k.encrypt(dob, "person.date_of_birth", pid),
            name_bidx=k.blind_index(normalise_name(given, family), "name"),
            us_person=False,
        )
    )
    s.flush()
    s.add(PersonCitizenship(person_id=pid, position=0, country="MX"))
    if passport:
        s.add(
            PersonDocument(
                person_id=pid,
                position=0,
                kind="passport",
                number_enc=k.encrypt(passport, "document.number", f"{pid}.0"),
                number_bidx=k.blind_index(normalise_document(passport), "document"),
                country="MX",
            )
        )
    s.flush()


def imported_lookout(
    s: Session, lid: str, pid: str, at: datetime, action: str = "refer_secondary", approved: bool = True
) -> None:
    """A lookout as LIF import writes it, then adopted under the current policy (an imported lookout
    refers nobody until adopted): live controls expiring in 90 days, and the supervisor's approval
    given (or, with `approved=False`, still pending)."""
    s.add(
        Lookout(
            id=lid,
            person_id=pid,
            owner_id="O-ALICE",
            created_by_id="O-ALICE",
            created_at=at - timedelta(days=10),
            created_at_offset=0,
            status_code="suspect",
            suspected_activity="alien smuggling",
            basis="Seen guiding a group through the fence gap; vehicle registered to him.",
            action=action,
            approved_by_id="O-SAM" if approved else None,
            approved_at=at - timedelta(days=9) if approved else None,
            approved_at_offset=0 if approved else None,
        )
    )
    s.flush()
    for i, topic in enumerate(["Who arranged the crossing", "Vehicle ownership"]):
        s.add(LookoutTopic(lookout_id=lid, position=i, topic=topic, topic_norm=normalise_topic(topic)))
    adopt(s, lid, at, approved)


def adopt(s: Session, lid: str, at: datetime, approved: bool = True) -> None:
    """What adoption under the current policy leaves: live controls and the supervisor's approval."""
    s.add(
        LookoutControl(
            lookout_id=lid,
            policy_name="test",
            policy_version="1",
            sensitive=False,
            sensitive_reasons="[]",
            review_window_days=7,
            periodic_review_days=90,
            referral_limit=2,
            referral_limit_days=30,
            expires_at=at + timedelta(days=90),
            next_review_at=at + timedelta(days=90),
        )
    )
    s.add(
        LookoutApproval(
            id=f"ap-{lid}",
            lookout_id=lid,
            role="supervisor",
            requested_at=at - timedelta(days=10),
            status="approved" if approved else "pending",
            decided_by_id="O-SAM" if approved else None,
            decided_at=at - timedelta(days=9) if approved else None,
        )
    )
    s.flush()


def screening_world(ledger: Ledger) -> World:
    """P-MX (referring lookout), P-NO (notify-only lookout), P-UN (unapproved lookout)."""
    world = build_world(ledger)
    now = ledger.now()
    with ledger.transaction() as s:
        add_person(ledger, s, "P-MX", "José María", "García López", "1980-03-07", "G1234567")
        add_person(ledger, s, "P-NO", "Lucía", "Domínguez Ortega", "1975-11-20")
        add_person(ledger, s, "P-UN", "Ramón", "Castillo Medina", "1990-01-02")
        imported_lookout(s, "LK-MX", "P-MX", now)
        imported_lookout(s, "LK-NO", "P-NO", now, action="notify_owner")
        imported_lookout(s, "LK-UN", "P-UN", now, approved=False)
    return world
