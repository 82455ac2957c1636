"""The in-memory screening index: who can be referred right now, findable in microseconds.

Screening must answer while the traveler waits, so names are decrypted once when the index
is built (never per screening) and kept only in this process's memory. Candidates are found
through two tables: the document number's keyed hash (no decryption at all), and
(date of birth, canonical name token). A name match needs the date of birth (exact or day
and month swapped) and at least one name token spelt identically after normalisation (see
`names.compare_names`), so this lookup loses no match the comparison would accept and
leaves only a handful of candidates to compare.

Which lookouts take part is decided by `lookouts.state`'s own predicates (the same ones
`referral_state` explains), minus the action check: a matched `notify_owner` lookout tells
its owner instead of referring.

Staying current without a rebuild: `catch_up` reads the change feed (`screening.changes`)
past the last sequence number applied and reloads only the persons named there. Time alone
also changes referrals: expiry is checked per matched lookout at screening time, and every
other future instant that can flip a person's lookouts (a placement or approval dated
later, a referral-limit window closing ...) is kept in a heap, so the person is reloaded
when that instant passes.

Memory matters at a million lookouts: subjects and lookouts use slotted classes, name
tokens, dates, countries and owners are shared objects, and the (date, token) table is
keyed by one integer per entry with a bare person id as the value until a second person
shares the key.
"""

from __future__ import annotations

import heapq
import sys
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import func, not_, or_, select, union_all
from sqlalchemy.orm import Session

from lookout_ledger.core.crypto import Keyring, normalise_document
from lookout_ledger.core.policy.loader import Policy
from lookout_ledger.core.timefmt import MICROS_PER_DAY, to_micros
from lookout_ledger.history.inspections import Inspection, InspectionLookout
from lookout_ledger.history.lookouts import Lookout, LookoutEvent
from lookout_ledger.lookouts.lifecycle_models import LookoutApproval, LookoutControl, LookoutReview
from lookout_ledger.lookouts.state import referral_conditions
from lookout_ledger.people.models import Person, PersonCitizenship, PersonDocument, PersonOtherName, part_row
from lookout_ledger.screening.changes import ScreeningChange
from lookout_ledger.screening.names import NameKey, name_key

_CHUNK = 900  # bind parameters per IN (...) list, under SQLite's limit


@dataclass(frozen=True, slots=True)
class IndexedLookout:
    lookout_id: str
    person_id: str
    owner_id: str
    action: str
    expires: int | None = None  # UTC micros; the lookout stops referring at this instant


@dataclass(slots=True)
class Subject:
    """A person with at least one active lookout, as screening needs them."""

    person_id: str
    names: tuple[NameKey, ...]
    dob: date | None
    citizenships: frozenset[str]
    documents: tuple[tuple[str, str | None, str | None], ...]  # (number blind index, kind, country)
    lookouts: tuple[IndexedLookout, ...] = ()

    def live_lookouts(self, at_micros: int | None) -> tuple[IndexedLookout, ...]:
        if at_micros is None:
            return self.lookouts
        return tuple(lk for lk in self.lookouts if lk.expires is None or at_micros < lk.expires)


class RebuildNeeded(Exception):
    """The feed says a bulk write happened, or time went backwards: only a rebuild is right."""


def active_lookouts_query(at: datetime, policy: Policy):  # type: ignore[no-untyped-def]
    """Every lookout that is placed, approved, not removed, not disabled, unexpired,
    re-justified and under the referral limit at `at`, whatever its action, with its expiry."""
    conds = [c for blocker, c in referral_conditions(at, policy) if blocker.rule != "LC-ACTION"]
    return (
        select(
            Lookout.id,
            Lookout.person_id,
            Lookout.owner_id,
            Lookout.action,
            select(LookoutControl.expires_at)
            .where(LookoutControl.lookout_id == Lookout.id)
            .correlate(Lookout)
            .scalar_subquery(),
        )
        .where(not_(or_(*conds)))
        .order_by(Lookout.person_id)
    )


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def swapped(dob: date) -> date | None:
    """The date with day and month exchanged, when that is another real date."""
    if dob.day > 12 or dob.day == dob.month:
        return None
    return dob.replace(month=dob.day, day=dob.month)


def _in_scope(column, scope: list[str] | None):  # type: ignore[no-untyped-def]
    return column.in_(scope) if scope is not None else column.is_not(None)


def _future_instants(t: int, scope: list[str] | None):  # type: ignore[no-untyped-def]
    """(person id, instant) of every dated fact after `t` that bears on referral."""
    person = _in_scope(Lookout.person_id, scope)
    return union_all(
        select(Lookout.person_id, Lookout.created_at).where(Lookout.created_at > t, person),
        select(Lookout.person_id, Lookout.approved_at).where(Lookout.approved_at > t, person),
        select(Lookout.person_id, LookoutApproval.decided_at).where(
            LookoutApproval.lookout_id == Lookout.id, LookoutApproval.decided_at > t, person
        ),
        select(Lookout.person_id, LookoutEvent.at).where(
            LookoutEvent.lookout_id == Lookout.id, LookoutEvent.at > t, person
        ),
        select(Lookout.person_id, LookoutReview.decided_at).where(
            LookoutReview.lookout_id == Lookout.id, LookoutReview.decided_at > t, person
        ),
        select(Inspection.person_id, Inspection.started_at).where(
            Inspection.started_at > t, _in_scope(Inspection.person_id, scope)
        ),
    )


def _key(dob: date, token: str) -> int:
    # One int instead of a (date, token) tuple: a collision (astronomically rare) only adds a
    # candidate, which the full comparison then rejects.
    return hash((dob.toordinal(), token))


def _bucket_add(table: dict, key: object, pid: str) -> None:  # type: ignore[type-arg]
    cur = table.get(key)
    if cur is None:
        table[key] = pid
    elif type(cur) is str:
        if cur != pid:
            table[key] = [cur, pid]
    elif pid not in cur:
        cur.append(pid)


def _bucket_discard(table: dict, key: object, pid: str) -> None:  # type: ignore[type-arg]
    cur = table.get(key)
    if cur is None:
        return
    if type(cur) is str:
        if cur == pid:
            del table[key]
        return
    if pid in cur:
        cur.remove(pid)
        if len(cur) == 1:
            table[key] = cur[0]


class _Shared:
    """One object per distinct date, country set, owner and action across the index."""

    def __init__(self) -> None:
        self.dates: dict[str, date] = {}
        self.countries: dict[frozenset[str], frozenset[str]] = {}

    def date(self, text: str | None) -> date | None:
        if not text:
            return None
        d = self.dates.get(text)
        if d is None:
            d = self.dates[text] = date.fromisoformat(text)
        return d

    def country_set(self, values: Iterable[str]) -> frozenset[str]:
        s = frozenset(values)
        return self.countries.setdefault(s, s)


class ScreeningIndex:
    """Subjects by document hash and by (date of birth, name token); thread-safe updates."""

    def __init__(self, keyring: Keyring, policy: Policy) -> None:
        self.keyring = keyring
        self.policy = policy
        self.subjects: dict[str, Subject] = {}
        self.by_document: dict[str, str | list[str]] = {}
        self.by_dob_token: dict[int, str | list[str]] = {}
        self.lookout_count = 0
        self.built_at: datetime | None = None
        self.as_of: datetime | None = None
        self.seq = 0  # the last change-feed entry applied
        self._due: list[tuple[int, str]] = []  # (instant, person id): reload when it passes
        self._shared = _Shared()
        self._lock = threading.Lock()

    # --- building -----------------------------------------------------------------------
    @classmethod
    def build(cls, session: Session, keyring: Keyring, policy: Policy, at: datetime) -> ScreeningIndex:
        """Everything active at `at`, from the database. The feed position is read first, so a
        change committed while the build runs is applied again by the next `catch_up`."""
        index = cls(keyring, policy)
        index.seq = session.execute(select(func.coalesce(func.max(ScreeningChange.seq), 0))).scalar_one()
        index._reload(session, at, None)
        index.built_at = at
        return index

    def catch_up(self, session: Session, at: datetime) -> set[str]:
        """Apply the change feed and the instants that have passed; returns the persons reloaded.
        Raises RebuildNeeded after a bulk write or when `at` is earlier than the index."""
        if self.as_of is not None and at < self.as_of:
            raise RebuildNeeded("screening time is earlier than the index")
        rows = session.execute(
            select(ScreeningChange.seq, ScreeningChange.person_id, ScreeningChange.lookout_id)
            .where(ScreeningChange.seq > self.seq)
            .order_by(ScreeningChange.seq)
        ).all()
        persons = {r.person_id for r in rows if r.person_id}
        if any(r.person_id is None and r.lookout_id is None for r in rows):
            raise RebuildNeeded("a bulk write changed the lookouts")
        lookout_ids = sorted({r.lookout_id for r in rows if r.lookout_id and not r.person_id})
        for chunk in _chunks(lookout_ids):
            persons.update(session.execute(select(Lookout.person_id).where(Lookout.id.in_(chunk))).scalars())
        t = to_micros(at)
        while self._due and self._due[0][0] <= t:
            persons.add(heapq.heappop(self._due)[1])
        if persons:
            self._reload(session, at, sorted(persons))
        if rows:
            self.seq = rows[-1].seq
        self.as_of = at
        return persons

    def _reload(self, session: Session, at: datetime, person_ids: list[str] | None) -> None:
        """Re-read the given persons (None: everyone) as of `at` and swap them in."""
        query = active_lookouts_query(at, self.policy)
        owners: dict[str, str] = {}
        by_person: dict[str, list[IndexedLookout]] = defaultdict(list)
        scopes: Iterable[list[str] | None] = _chunks(person_ids) if person_ids is not None else [None]
        for scope in scopes:
            q = query if scope is None else query.where(Lookout.person_id.in_(scope))
            for lid, pid, owner, action, expires in session.execute(q):
                owner = owners.setdefault(owner, owner)
                action = sys.intern(action)
                expiry = to_micros(expires) if expires is not None else None
                by_person[pid].append(IndexedLookout(lid, pid, owner, action, expiry))
        loaded = self._load_subjects(session, list(by_person), everyone=person_ids is None)
        due = self._next_instants(session, at, person_ids)
        with self._lock:
            for pid in person_ids if person_ids is not None else list(self.subjects):
                self._remove(pid)
            for pid, subject in loaded.items():
                subject.lookouts = tuple(sorted(by_person[pid], key=lambda lk: lk.lookout_id))
                self._add(subject)
            for pid, instant in due.items():
                heapq.heappush(self._due, (instant, pid))
            self.as_of = at

    def _load_subjects(self, session: Session, person_ids: list[str], everyone: bool = False) -> dict[str, Subject]:
        """The persons' identities, decrypted and normalised. `everyone`: a full build, which
        reads whole tables (no IN lists to compile) and keeps the rows of `person_ids`."""
        ring, shared = self.keyring, self._shared
        open_given, open_family = ring.opener("person.given_name"), ring.opener("person.family_name")
        open_dob, open_other = ring.opener("person.date_of_birth"), ring.opener("person.other_name")
        wanted = set(person_ids)
        out: dict[str, Subject] = {}
        scopes: Iterable[list[str] | None] = [None] if everyone else _chunks(person_ids)
        for scope in scopes:
            others: dict[str, list[str]] = defaultdict(list)
            cits: dict[str, list[str]] = defaultdict(list)
            docs: dict[str, list[tuple[str, str | None, str | None]]] = defaultdict(list)
            for pid, enc, position in session.execute(
                select(PersonOtherName.person_id, PersonOtherName.name_enc, PersonOtherName.position)
                .where(_in_scope(PersonOtherName.person_id, scope))
                .order_by(PersonOtherName.person_id, PersonOtherName.position)
            ):
                if pid in wanted:
                    others[pid].append(open_other(enc, part_row(pid, position)) or "")
            for pid, country in session.execute(
                select(PersonCitizenship.person_id, PersonCitizenship.country).where(
                    _in_scope(PersonCitizenship.person_id, scope)
                )
            ):
                if pid in wanted:
                    cits[pid].append(sys.intern(country.upper()))
            for pid, bidx, kind, doc_country in session.execute(
                select(
                    PersonDocument.person_id, PersonDocument.number_bidx, PersonDocument.kind, PersonDocument.country
                ).where(_in_scope(PersonDocument.person_id, scope), PersonDocument.number_bidx.is_not(None))
            ):
                if pid in wanted:
                    docs[pid].append(
                        (
                            cast(str, bidx),
                            sys.intern(kind) if kind else None,
                            sys.intern(doc_country) if doc_country else None,
                        )
                    )
            no_docs: tuple[tuple[str, str | None, str | None], ...] = ()
            for pid, g, f, d in session.execute(
                select(Person.id, Person.given_name_enc, Person.family_name_enc, Person.date_of_birth_enc).where(
                    _in_scope(Person.id, scope)
                )
            ):
                if pid not in wanted:
                    continue
                names = [name_key(open_given(g, pid), open_family(f, pid))]
                if pid in others:
                    names += [name_key(o) for o in others[pid]]
                out[pid] = Subject(
                    person_id=pid,
                    names=tuple(n for n in names if n.tokens),
                    dob=shared.date(open_dob(d, pid)),
                    citizenships=shared.country_set(cits.get(pid, ())),
                    documents=tuple(docs[pid]) if pid in docs else no_docs,
                )
        return out

    def _next_instants(self, session: Session, at: datetime, person_ids: list[str] | None) -> dict[str, int]:
        """For each person, the earliest instant after `at` at which time alone could change
        whether one of their lookouts refers (expiry aside: it is checked per screening)."""
        t = to_micros(at)
        default_days = int(self.policy.param("referral_limit_days", 30))
        out: dict[str, int] = {}

        def keep(pid: str, instant: int) -> None:
            if instant > t and (pid not in out or instant < out[pid]):
                out[pid] = instant

        scopes: Iterable[list[str] | None] = _chunks(person_ids) if person_ids is not None else [None]
        for scope in scopes:
            # The limit windows in play for these persons (not a scan of every control per poll).
            windows = select(LookoutControl.referral_limit_days).where(
                LookoutControl.lookout_id == Lookout.id, _in_scope(Lookout.person_id, scope)
            )
            days = {default_days} | {d for d in session.execute(windows.distinct()).scalars() if d}
            for pid, instant in session.execute(_future_instants(t, scope)):
                keep(pid, to_micros(instant))
            # A referral-limit window closes `days` after each recent lookout-linked inspection.
            linked = select(InspectionLookout.inspection_id).where(InspectionLookout.inspection_id == Inspection.id)
            recent = select(Inspection.person_id, Inspection.started_at).where(
                Inspection.started_at <= t,
                Inspection.started_at > t - max(days) * MICROS_PER_DAY,
                _in_scope(Inspection.person_id, scope),
                linked.exists(),
            )
            for pid, started in session.execute(recent):
                for d in days:
                    keep(pid, to_micros(started) + d * MICROS_PER_DAY)
        return out

    # --- maintenance ------------------------------------------------------------------------
    def add_subject(self, subject: Subject) -> None:
        """Index one subject directly (the labelled quality set and benchmarks, no database)."""
        with self._lock:
            self._remove(subject.person_id)
            self._add(subject)

    def _add(self, subject: Subject) -> None:
        if not subject.lookouts:
            return
        pid = subject.person_id
        self.subjects[pid] = subject
        self.lookout_count += len(subject.lookouts)
        for bidx, _, _ in subject.documents:
            _bucket_add(self.by_document, bidx, pid)
        if subject.dob is not None:
            for token in {t for key in subject.names for t in key.tokens}:
                _bucket_add(self.by_dob_token, _key(subject.dob, token), pid)

    def _remove(self, person_id: str) -> None:
        subject = self.subjects.pop(person_id, None)
        if subject is None:
            return
        self.lookout_count -= len(subject.lookouts)
        for bidx, _, _ in subject.documents:
            _bucket_discard(self.by_document, bidx, person_id)
        if subject.dob is not None:
            for token in {t for key in subject.names for t in key.tokens}:
                _bucket_discard(self.by_dob_token, _key(subject.dob, token), person_id)

    # --- look-ups -----------------------------------------------------------------------
    def document_hash(self, number: str) -> str:
        return self.keyring.blind_index(normalise_document(number), "document")

    def by_documents(self, hashes: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for h in hashes:
            hit = self.by_document.get(h)
            if hit is not None:
                found.update((hit,) if type(hit) is str else hit)
        return found

    def by_name_dob(self, key: NameKey, dob: date) -> set[str]:
        found: set[str] = set()
        table = self.by_dob_token
        for d in (dob, swapped(dob)):
            if d is None:
                continue
            for token in key.tokens:
                hit = table.get(_key(d, token))
                if hit is not None:
                    found.update((hit,) if type(hit) is str else hit)
        return found

    def __len__(self) -> int:
        return self.lookout_count
