"""Deciding whether a presented identity is a lookout's subject, with reasons an officer can read.

Two independent routes lead to a match. A document number equal to one on file (compared as
keyed hashes) is the strongest evidence there is. Otherwise name and date of birth must both
agree: the date exactly or with day and month swapped (a common data-entry error between
U.S. and other formats), the name as `names.compare_names` allows. A name alone never
matches: common names would send innocent travelers to secondary. The score threshold is
the policy's `screening_min_score`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.timefmt import parse_date, to_micros
from lookout_ledger.screening.index import IndexedLookout, ScreeningIndex, Subject, swapped
from lookout_ledger.screening.names import NameKey, compare_names, name_key

DEFAULT_MIN_SCORE = 0.85
SWAPPED_DOB_FACTOR = 0.95
OTHER_COUNTRY_FACTOR = 0.97


@dataclass(frozen=True)
class PresentedDocument:
    kind: str | None
    number: str
    country: str | None


@dataclass(frozen=True)
class Presented:
    """The identity as the traveler presented it."""

    id: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    nationality: str | None
    documents: tuple[PresentedDocument, ...] = ()

    @classmethod
    def from_dict(cls, data: Any, where: str = "input") -> Presented:
        """Validate one presented identity; every error names the field."""
        if not isinstance(data, dict):
            raise LedgerError(f"{where}: expected a JSON object")

        def text(key: str, required: bool = False) -> str | None:
            value = data.get(key)
            if value is None or value == "":
                if required:
                    raise LedgerError(f"{where}: field {key!r} is required")
                return None
            if not isinstance(value, str):
                raise LedgerError(f"{where}: field {key!r} must be a string")
            return value.strip()

        ident = data.get("id")
        if not isinstance(ident, str | int) or isinstance(ident, bool) or str(ident) == "":
            raise LedgerError(f"{where}: field 'id' is required (a string)")
        dob_text = text("date_of_birth")
        try:
            dob = parse_date(dob_text) if dob_text else None
        except ValueError as exc:
            raise LedgerError(f"{where}: field 'date_of_birth' must be {exc}") from None
        docs_in = data.get("documents") or []
        if not isinstance(docs_in, list):
            raise LedgerError(f"{where}: field 'documents' must be a list")
        docs = []
        for i, d in enumerate(docs_in):
            if not isinstance(d, dict) or not isinstance(d.get("number"), str) or not d["number"].strip():
                raise LedgerError(f"{where}: documents[{i}].number is required (a string)")
            docs.append(PresentedDocument(d.get("kind"), d["number"], (d.get("country") or None)))
        given, family = text("given_name"), text("family_name")
        if not (given or family) and not docs:
            raise LedgerError(f"{where}: a name or a document is required")
        nationality = text("nationality")
        return cls(
            str(ident), given or "", family or "", dob, nationality.upper() if nationality else None, tuple(docs)
        )


@dataclass(frozen=True)
class Match:
    lookout: IndexedLookout
    score: float
    explanation: str
    via: str  # "document" or "name_dob"

    def as_dict(self) -> dict[str, Any]:
        return {
            "lookout_id": self.lookout.lookout_id,
            "person_id": self.lookout.person_id,
            "score": self.score,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class SubjectMatch:
    subject: Subject
    score: float
    explanation: str
    via: str
    lookouts: list[IndexedLookout] = field(default_factory=list)


def _document_evidence(subject: Subject, presented: Presented, hashes: list[str]) -> tuple[float, str] | None:
    for doc, h in zip(presented.documents, hashes, strict=True):
        for bidx, kind, country in subject.documents:
            if bidx != h:
                continue
            label = (doc.kind or kind or "document").replace("_", " ")
            if doc.country and country and doc.country.upper() != country.upper():
                return 0.9, f"{label} number matches exactly, but issued by another country than on file"
            issued = f" issued by {country.upper()}" if country else ""
            return 1.0, f"{label} number matches exactly{issued}"
    return None


def _name_evidence(
    subject: Subject, presented: Presented, query: NameKey, dob_swapped: date | None = None
) -> tuple[float, str] | None:
    """Name and date of birth; `dob_swapped` is the presented date with day and month swapped
    (computed once per screening, not per candidate)."""
    if subject.dob is None or presented.date_of_birth is None:
        return None
    if presented.date_of_birth == subject.dob:
        dob_factor, dob_how = 1.0, "date of birth matches exactly"
    elif (dob_swapped or swapped(presented.date_of_birth)) == subject.dob:
        dob_factor, dob_how = SWAPPED_DOB_FACTOR, "date of birth matches with day and month swapped"
    else:
        return None
    best = None
    for i, key in enumerate(subject.names):
        m = compare_names(query, key)
        if m is not None and (best is None or m.score > best[0].score):
            best = (m, i)
    if best is None:
        return None
    m, i = best
    which = "name" if i == 0 else "another name on file (alias)"
    score = m.score * dob_factor
    how = f"{which} matches ({m.how}); {dob_how}"
    if presented.nationality and subject.citizenships and presented.nationality not in subject.citizenships:
        score *= OTHER_COUNTRY_FACTOR
        how += "; nationality differs from the citizenships on file"
    elif presented.nationality and presented.nationality in subject.citizenships:
        how += "; nationality matches"
    return round(score, 4), how


def match(
    index: ScreeningIndex, presented: Presented, min_score: float = DEFAULT_MIN_SCORE, at: datetime | None = None
) -> list[SubjectMatch]:
    """Every indexed subject the presented identity matches at or above `min_score`, best first,
    with the subject's lookouts still unexpired at `at` (all of them when `at` is None)."""
    at_micros = to_micros(at) if at is not None else None
    hashes = [index.document_hash(d.number) for d in presented.documents]
    found: list[SubjectMatch] = []
    doc_hits = index.by_documents(hashes)
    name_hits: set[str] = set()
    query = name_key(presented.given_name, presented.family_name)
    if presented.date_of_birth is not None:
        name_hits = index.by_name_dob(query, presented.date_of_birth)
    dob_swapped = swapped(presented.date_of_birth) if presented.date_of_birth is not None else None
    subjects = index.subjects
    for pid in sorted(doc_hits | name_hits) if doc_hits else sorted(name_hits):
        subject = subjects.get(pid)
        if subject is None:
            continue
        by_doc = _document_evidence(subject, presented, hashes) if pid in doc_hits else None
        by_name = _name_evidence(subject, presented, query, dob_swapped) if pid in name_hits else None
        if by_doc is None and by_name is None:
            continue  # most candidates end here: checked before anything else is built
        if by_doc is not None and (by_name is None or by_doc[0] >= by_name[0]):
            (score, how), via, other = by_doc, "document", by_name
        else:
            (score, how), via, other = by_name, "name_dob", by_doc  # type: ignore[misc]
        if other is not None:
            how = f"{how}; also {other[1]}"
        if score < min_score:
            continue
        live = subject.live_lookouts(at_micros)
        if live:
            found.append(SubjectMatch(subject, score, how, via, list(live)))
    found.sort(key=lambda m: (-m.score, m.subject.person_id))
    return found


def referring_matches(matches: list[SubjectMatch]) -> list[Match]:
    """The (lookout, score, explanation) of every matched lookout whose action refers."""
    return [
        Match(lk, m.score, m.explanation, m.via) for m in matches for lk in m.lookouts if lk.action == "refer_secondary"
    ]


def notifying_matches(matches: list[SubjectMatch]) -> list[Match]:
    return [
        Match(lk, m.score, m.explanation, m.via) for m in matches for lk in m.lookouts if lk.action != "refer_secondary"
    ]
