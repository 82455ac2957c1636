"""The in-memory screening index: who can be referred right now, findable in microseconds.

Screening must answer while the traveler waits, so names are decrypted once when the index
is built (never per screening) and kept only in this process's memory. Candidates are found
through two dictionaries: the document number's keyed hash (no decryption at all), and
(date of birth, canonical name token). A name match needs the date of birth (exact or day
and month swapped) and at least one name token spelt identically after normalisation (see
`names.compare_names`), so this lookup loses no match the comparison would accept and
leaves only a handful of candidates to compare.

Which lookouts take part is decided by `lookouts.state`'s own predicates (the same ones
`referral_state` explains), minus the action check: a matched `notify_owner` lookout tells
its owner instead of referring. `refresh` re-runs that set-based query and reloads only the
persons whose lookouts changed, so a change is visible without a full rebuild.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import not_, or_, select
from sqlalchemy.orm import Session

from lookout_ledger.core.crypto import Keyring, normalise_document
from lookout_ledger.lookouts.models import Lookout
from lookout_ledger.lookouts.state import _conditions
from lookout_ledger.people.models import Person, PersonCitizenship, PersonDocument, PersonOtherName
from lookout_ledger.policy.loader import Policy
from lookout_ledger.screening.names import NameKey, name_key

_CHUNK = 900  # bind parameters per IN (...) list, under SQLite's limit


@dataclass(frozen=True)
class IndexedLookout:
    lookout_id: str
    person_id: str
    owner_id: str
    action: str


@dataclass
class Subject:
    """A person with at least one active lookout, as screening needs them."""

    person_id: str
    names: list[NameKey]
    dob: date | None
    citizenships: frozenset[str]
    documents: list[tuple[str, str | None, str | None]]  # (number blind index, kind, country)
    lookouts: dict[str, IndexedLookout] = field(default_factory=dict)


def active_lookouts_query(at: datetime, policy: Policy):  # type: ignore[no-untyped-def]
    """Every lookout that is placed, approved, not removed, not disabled, unexpired,
    re-justified and under the referral limit at `at`, whatever its action."""
    conds = [c for blocker, c in _conditions(at, policy) if blocker.rule != "LC-ACTION"]
    return select(Lookout.id, Lookout.person_id, Lookout.owner_id, Lookout.action).where(not_(or_(*conds)))


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def swapped(dob: date) -> date | None:
    """The date with day and month exchanged, when that is another real date."""
    if dob.day > 12 or dob.day == dob.month:
        return None
    return dob.replace(month=dob.day, day=dob.month)


class ScreeningIndex:
    """Subjects by document hash and by (date of birth, name token); thread-safe updates."""

    def __init__(self, keyring: Keyring, policy: Policy) -> None:
        self.keyring = keyring
        self.policy = policy
        self.subjects: dict[str, Subject] = {}
        self.by_document: dict[str, set[str]] = defaultdict(set)
        self.by_dob_token: dict[tuple[date, str], set[str]] = defaultdict(set)
        self.lookouts: dict[str, IndexedLookout] = {}
        self.built_at: datetime | None = None
        self.as_of: datetime | None = None
        self._lock = threading.Lock()

    # --- building -----------------------------------------------------------------------
    @classmethod
    def build(cls, session: Session, keyring: Keyring, policy: Policy, at: datetime) -> ScreeningIndex:
        index = cls(keyring, policy)
        index.refresh(session, at)
        return index

    def refresh(self, session: Session, at: datetime) -> set[str]:
        """Bring the index to the lookouts active at `at`; returns the person ids reloaded."""
        rows = session.execute(active_lookouts_query(at, self.policy)).all()
        current = {r[0]: IndexedLookout(r[0], r[1], r[2], r[3]) for r in rows}
        changed = {lk.person_id for lid, lk in current.items() if self.lookouts.get(lid) != lk}
        changed |= {lk.person_id for lid, lk in self.lookouts.items() if lid not in current}
        by_person: dict[str, dict[str, IndexedLookout]] = defaultdict(dict)
        for lk in current.values():
            if lk.person_id in changed:
                by_person[lk.person_id][lk.lookout_id] = lk
        loaded = self._load_subjects(session, sorted(by_person))
        with self._lock:
            for pid in changed:
                self._remove(pid)
            for pid, subject in loaded.items():
                subject.lookouts = by_person[pid]
                self._add(subject)
            self.lookouts = current
            self.as_of = at
            if self.built_at is None:
                self.built_at = at
        return changed

    def reload_persons(self, session: Session, person_ids: Iterable[str]) -> None:
        """Re-read persons whose identity changed (names, date of birth, documents)."""
        ids = [p for p in person_ids if p in self.subjects]
        loaded = self._load_subjects(session, ids)
        with self._lock:
            for pid, subject in loaded.items():
                subject.lookouts = self.subjects[pid].lookouts
                self._remove(pid)
                self._add(subject)

    def _load_subjects(self, session: Session, person_ids: list[str]) -> dict[str, Subject]:
        ring = self.keyring
        out: dict[str, Subject] = {}
        others: dict[str, list[str]] = defaultdict(list)
        cits: dict[str, set[str]] = defaultdict(set)
        docs: dict[str, list[tuple[str, str | None, str | None]]] = defaultdict(list)
        for chunk in _chunks(person_ids):
            for pid, enc in session.execute(
                select(PersonOtherName.person_id, PersonOtherName.name_enc)
                .where(PersonOtherName.person_id.in_(chunk))
                .order_by(PersonOtherName.person_id, PersonOtherName.position)
            ):
                others[pid].append(ring.decrypt(enc, "person.other_name") or "")
            for pid, country in session.execute(
                select(PersonCitizenship.person_id, PersonCitizenship.country).where(
                    PersonCitizenship.person_id.in_(chunk)
                )
            ):
                cits[pid].add(country.upper())
            for pid, bidx, kind, country in session.execute(
                select(
                    PersonDocument.person_id, PersonDocument.number_bidx, PersonDocument.kind, PersonDocument.country
                ).where(PersonDocument.person_id.in_(chunk), PersonDocument.number_bidx.is_not(None))
            ):
                docs[pid].append((bidx, kind, country))
            for p in session.execute(select(Person).where(Person.id.in_(chunk))).scalars():
                given = ring.decrypt(p.given_name_enc, "person.given_name")
                family = ring.decrypt(p.family_name_enc, "person.family_name")
                dob_text = ring.decrypt(p.date_of_birth_enc, "person.date_of_birth")
                names = [name_key(given, family)] + [name_key(o) for o in others.get(p.id, [])]
                out[p.id] = Subject(
                    person_id=p.id,
                    names=[n for n in names if n.tokens],
                    dob=date.fromisoformat(dob_text) if dob_text else None,
                    citizenships=frozenset(cits.get(p.id, ())),
                    documents=docs.get(p.id, []),
                )
        return out

    def _add(self, subject: Subject) -> None:
        if not subject.lookouts:
            return
        self.subjects[subject.person_id] = subject
        for bidx, _, _ in subject.documents:
            self.by_document[bidx].add(subject.person_id)
        if subject.dob is not None:
            for key in subject.names:
                for token in key.tokens:
                    self.by_dob_token[(subject.dob, token)].add(subject.person_id)

    def _remove(self, person_id: str) -> None:
        subject = self.subjects.pop(person_id, None)
        if subject is None:
            return
        for bidx, _, _ in subject.documents:
            self._discard(self.by_document, bidx, person_id)
        if subject.dob is not None:
            for key in subject.names:
                for token in key.tokens:
                    self._discard(self.by_dob_token, (subject.dob, token), person_id)

    @staticmethod
    def _discard(table: dict, key: object, person_id: str) -> None:  # type: ignore[type-arg]
        bucket = table.get(key)
        if bucket is not None:
            bucket.discard(person_id)
            if not bucket:
                del table[key]

    # --- look-ups -----------------------------------------------------------------------
    def document_hash(self, number: str) -> str:
        return self.keyring.blind_index(normalise_document(number), "document")

    def by_documents(self, hashes: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for h in hashes:
            found |= self.by_document.get(h, set())
        return found

    def by_name_dob(self, key: NameKey, dob: date) -> set[str]:
        found: set[str] = set()
        for d in (dob, swapped(dob)):
            if d is None:
                continue
            for token in key.tokens:
                found |= self.by_dob_token.get((d, token), set())
        return found

    def __len__(self) -> int:
        return len(self.lookouts)
