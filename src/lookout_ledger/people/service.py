"""Use cases on persons: revealing a person's identifying data for a stated purpose.

Names, dates of birth and document numbers are sealed at rest and pages show persons by id.
The review found SPII passed around with no record of who looked at it or why, so the only
way to read it is this use case: it checks the reader's role, requires a purpose in words,
decrypts, and appends a "person.read" audit entry in the same transaction, so a read that is
not logged cannot happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import SPII_ROLES, User
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.people.models import Person, PersonCitizenship, PersonDocument, PersonOtherName, part_row

MIN_PURPOSE_CHARS = 10
MAX_PURPOSE_CHARS = 500


@dataclass(frozen=True)
class DocumentView:
    kind: str | None
    number: str | None
    country: str | None


@dataclass(frozen=True)
class PersonView:
    """A person's identifying data in clear, for one reader and one stated purpose."""

    id: str
    given_name: str
    family_name: str
    date_of_birth: str | None
    us_person: bool
    occupation: str | None
    other_names: list[str] = field(default_factory=list)
    citizenship: list[str] = field(default_factory=list)
    documents: list[DocumentView] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "other_names": list(self.other_names),
            "date_of_birth": self.date_of_birth,
            "citizenship": list(self.citizenship),
            "us_person": self.us_person,
            "occupation": self.occupation,
            "documents": [{"kind": d.kind, "number": d.number, "country": d.country} for d in self.documents],
        }


def check_purpose(purpose: str | None) -> str:
    """A purpose a later reviewer can judge: words, not a blank or a single character."""
    text = " ".join((purpose or "").split())
    if len(text) < MIN_PURPOSE_CHARS:
        raise LedgerError(
            f"purpose: state why you need this person's identifying data, in at least {MIN_PURPOSE_CHARS} characters"
        )
    if len(text) > MAX_PURPOSE_CHARS:
        raise LedgerError(f"purpose: at most {MAX_PURPOSE_CHARS} characters")
    return text


def can_read_spii(user: User) -> bool:
    return user.active and user.has_role(*SPII_ROLES)


def reveal_person(ledger: Ledger, session: Session, person_id: str, actor: str, purpose: str) -> PersonView:
    """Decrypt one person's SPII for `actor` and log the read with its purpose.

    `session` must be the caller's write transaction (`ledger.transaction()`): the decrypted
    view is only returned once the audit entry is part of that transaction, and it commits or
    rolls back with it.
    """
    reader = session.get(User, actor)
    if reader is None or not can_read_spii(reader):
        need = " or ".join(sorted(str(r) for r in SPII_ROLES))
        raise AuthError(f"{actor} needs one of the roles {need} to see a person's identifying data")
    text = check_purpose(purpose)
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person with id {person_id!r}")
    ring = ledger.keyring
    other_names = session.execute(
        select(PersonOtherName.name_enc, PersonOtherName.position)
        .where(PersonOtherName.person_id == person_id)
        .order_by(PersonOtherName.position)
    ).all()
    citizenship = session.execute(
        select(PersonCitizenship.country)
        .where(PersonCitizenship.person_id == person_id)
        .order_by(PersonCitizenship.position)
    ).scalars()
    documents = session.execute(
        select(PersonDocument).where(PersonDocument.person_id == person_id).order_by(PersonDocument.position)
    ).scalars()
    view = PersonView(
        id=person.id,
        given_name=ring.decrypt(person.given_name_enc, "person.given_name", person.id) or "",
        family_name=ring.decrypt(person.family_name_enc, "person.family_name", person.id) or "",
        date_of_birth=ring.decrypt(person.date_of_birth_enc, "person.date_of_birth", person.id),
        us_person=person.us_person,
        occupation=person.occupation,
        other_names=[ring.decrypt(n, "person.other_name", part_row(person.id, i)) or "" for n, i in other_names],
        citizenship=list(citizenship),
        documents=[
            DocumentView(
                kind=d.kind,
                number=ring.decrypt(d.number_enc, "document.number", part_row(d.person_id, d.position)),
                country=d.country,
            )
            for d in documents
        ],
    )
    ledger.audit(
        session,
        actor,
        "person.read",
        "person",
        person_id,
        {"purpose": text, "fields": ["name", "date_of_birth", "other_names", "documents"]},
    )
    return view
