"""A labelled set of invented identity pairs for screening quality (shared with bench/).

Every name is invented by combining common first names and surnames; no pair describes a
real person. Each pair is (record on file, identity as presented, whether they are the same
person). True variants exercise what travelers' documents really do to names (accents,
order, omitted or joined maternal surnames, transliteration, typos, swapped day and month);
hard non-matches are the errors that would send an innocent traveler to secondary (same
surnames with another given name, same name with another birth date, common names).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.policy.loader import Policy
from lookout_ledger.screening.index import IndexedLookout, ScreeningIndex, Subject
from lookout_ledger.screening.matcher import DEFAULT_MIN_SCORE, Presented, PresentedDocument, match
from lookout_ledger.screening.names import name_key, token_similarity

GIVEN_ES = [
    "José",
    "María",
    "Juan",
    "Lucía",
    "Andrés",
    "Sofía",
    "Martín",
    "Valentina",
    "Joaquín",
    "Camila",
    "Tomás",
    "Mariana",
    "Ignacio",
    "Gabriela",
    "Sebastián",
    "Florencia",
    "Rodrigo",
    "Paula",
    "Álvaro",
    "Inés",
    "Héctor",
    "Ramón",
    "Beatriz",
    "Agustín",
    "Renata",
    "Esteban",
    "Ximena",
    "Fernando",
    "Lorena",
    "Guillermo",
    "Patricia",
    "Emilio",
    "Rocío",
    "Federico",
    "Natalia",
    "Cristóbal",
    "Jimena",
    "Aurelio",
]
SURNAMES_ES = [
    "García",
    "Rodríguez",
    "González",
    "Fernández",
    "López",
    "Martínez",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Díaz",
    "Hernández",
    "Álvarez",
    "Jiménez",
    "Moreno",
    "Muñoz",
    "Romero",
    "Navarro",
    "Torres",
    "Domínguez",
    "Vázquez",
    "Ramos",
    "Gil",
    "Serrano",
    "Molina",
    "Blanco",
    "Suárez",
    "Castro",
    "Ortega",
    "Delgado",
    "Ortiz",
    "Marín",
    "Rubio",
    "Medina",
    "Sanz",
    "Iglesias",
    "Castillo",
    "Cortés",
    "Garrido",
    "Santos",
    "Guerrero",
    "Lozano",
    "Cano",
    "Prieto",
    "Méndez",
    "Calvo",
]
COMPOUND_ES = ["de la Cruz", "del Río", "de la Rosa", "de los Santos", "del Valle", "de la Torre"]
GIVEN_EN = [
    "Rowan",
    "Quinn",
    "Harper",
    "Emerson",
    "Finley",
    "Avery",
    "Jordan",
    "Morgan",
    "Riley",
    "Casey",
    "Elliot",
    "Hayden",
    "Reese",
    "Sawyer",
    "Parker",
    "Logan",
    "Blake",
    "Dakota",
    "Skyler",
    "Peyton",
]
SURNAMES_EN = [
    "Whitfield",
    "Ashdown",
    "Kingsley",
    "Thornbury",
    "Hollins",
    "Marsden",
    "Pemberton",
    "Radcliffe",
    "Stanfield",
    "Woodward",
    "Crowther",
    "Bramwell",
    "Fairbanks",
    "Hargreaves",
    "Lockwood",
    "Merriman",
]
# Cyrillic on file, with the Latin spellings travelers' documents use for it.
CYRILLIC = [
    ("Сергей", ["Sergei", "Sergey", "Serguei"]),
    ("Алексей", ["Aleksei", "Alexey", "Aleksey"]),
    ("Дмитрий", ["Dmitry", "Dmitriy", "Dmitrii"]),
    ("Юрий", ["Yuri", "Yuriy", "Iurii"]),
    ("Александр", ["Aleksandr", "Alexandr", "Alexander"]),
    ("Андрей", ["Andrei", "Andrey"]),
    ("Николай", ["Nikolai", "Nikolay"]),
    ("Евгений", ["Evgeny", "Evgenii", "Yevgeny"]),
]
SURNAMES_RU = [
    ("Иванов", ["Ivanov"]),
    ("Смирнов", ["Smirnov"]),
    ("Кузнецов", ["Kuznetsov"]),
    ("Соколов", ["Sokolov"]),
    ("Попов", ["Popov"]),
    ("Лебедев", ["Lebedev"]),
    ("Козлов", ["Kozlov"]),
    ("Новиков", ["Novikov"]),
    ("Морозов", ["Morozov"]),
    ("Волков", ["Volkov"]),
    ("Фёдоров", ["Fedorov", "Fyodorov"]),
    ("Михайлов", ["Mikhailov", "Mikhaylov"]),
]


@dataclass(frozen=True)
class Identity:
    key: str
    given: str
    family: str
    dob: date
    nationality: str
    document: str | None


@dataclass(frozen=True)
class Pair:
    record: Identity
    presented: Identity
    same: bool
    kind: str


def _dob(rng: random.Random) -> date:
    return date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))


def _doc(rng: random.Random) -> str:
    return f"{rng.choice('ABCEGKMPX')}{rng.randrange(10**7, 10**8)}"


def _typo(rng: random.Random, word: str) -> str:
    """One slip of the keyboard in a longer word, never its first letter or its last vowel."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(["swap", "drop", "double", "replace"])
    if op == "swap" and i < len(word) - 2:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]


def _strip_accents(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _records(rng: random.Random, n: int) -> list[tuple[Identity, str, list[str]]]:
    """(record, family of names it belongs to, Latin spellings of its given name)."""
    out = []
    for i in range(n):
        style = rng.random()
        if style < 0.6:
            given = rng.choice(GIVEN_ES) + ((" " + rng.choice(GIVEN_ES)) if rng.random() < 0.3 else "")
            paternal = rng.choice(SURNAMES_ES + COMPOUND_ES[:1])
            maternal = rng.choice(SURNAMES_ES)
            while maternal == paternal:
                maternal = rng.choice(SURNAMES_ES)
            rec = Identity(f"R{i}", given, f"{paternal} {maternal}", _dob(rng), "MX", _doc(rng))
            out.append((rec, "es", []))
        elif style < 0.8:
            rec = Identity(f"R{i}", rng.choice(GIVEN_EN), rng.choice(SURNAMES_EN), _dob(rng), "GB", _doc(rng))
            out.append((rec, "en", []))
        else:
            g, latin = rng.choice(CYRILLIC)
            f, flatin = rng.choice(SURNAMES_RU)
            rec = Identity(f"R{i}", g, f, _dob(rng), "RU", _doc(rng))
            out.append((rec, "ru", [*latin, "|", *flatin]))
    return out


def _variant(rng: random.Random, rec: Identity, style: str, latin: list[str]) -> tuple[Identity, str]:
    given, family, dob = rec.given, rec.family, rec.dob
    if style == "ru":
        g_lat = latin[: latin.index("|")]
        f_lat = latin[latin.index("|") + 1 :]
        p = replace(rec, given=rng.choice(g_lat), family=rng.choice(f_lat), document=None)
        return p, "transliteration"
    kinds = ["case_accents", "order", "typo", "dob_swap", "document", "combo"]
    if style == "es":
        kinds += ["maternal_omitted", "hyphen", "y_join", "maternal_omitted", "de_join"]
    kind = rng.choice(kinds)
    doc = None
    if kind == "case_accents":
        given, family = _strip_accents(given).upper(), _strip_accents(family).lower()
    elif kind == "order":
        given, family = family, given
    elif kind == "typo":
        words = family.split()
        j = max(range(len(words)), key=lambda k: len(words[k]))
        words[j] = _typo(rng, words[j])
        family = " ".join(words)
    elif kind == "dob_swap":
        if dob.day <= 12 and dob.day != dob.month:
            dob = dob.replace(month=dob.day, day=dob.month)
        else:
            given = _strip_accents(given)
    elif kind == "document":
        doc = rec.document
        given = rng.choice(GIVEN_EN)  # a nickname or a wholly different rendering: the document decides
    elif kind == "combo":
        given, family = _strip_accents(family), _strip_accents(given).lower()
    elif kind == "maternal_omitted":
        family = family.rsplit(" ", 1)[0]
    elif kind == "hyphen":
        family = "-".join(family.rsplit(" ", 1))
    elif kind == "y_join":
        family = " y ".join(family.rsplit(" ", 1))
    elif kind == "de_join":
        family = " de ".join(family.rsplit(" ", 1))
    return replace(rec, given=given, family=family, dob=dob, document=doc), kind


def _other_given(rng: random.Random, given: str, pool: list[str]) -> str:
    own = name_key(given).tokens
    while True:
        cand = rng.choice(pool)
        if all(token_similarity(a, b) == 0.0 for a in name_key(cand).tokens for b in own):
            return cand


def _other_surname(rng: random.Random, family: str, pool: list[str]) -> str:
    own = name_key(family).tokens
    while True:
        cand = rng.choice(pool)
        if all(token_similarity(a, b) == 0.0 for a in name_key(cand).tokens for b in own):
            return cand


def _negative(rng: random.Random, rec: Identity, style: str) -> tuple[Identity, str]:
    kind = rng.choice(["same_surnames", "same_name_other_dob", "common_name", "near_document"])
    pool = GIVEN_ES if style == "es" else GIVEN_EN if style == "en" else [g for g, _ in CYRILLIC]
    if kind == "same_surnames":
        return replace(rec, given=_other_given(rng, rec.given, pool), document=None), kind
    if kind == "same_name_other_dob":
        while True:
            other = _dob(rng)
            swapped = other.replace(month=other.day, day=other.month) if other.day <= 12 else None
            if other != rec.dob and swapped != rec.dob:
                return replace(rec, dob=other, document=None), kind
    if kind == "common_name":
        fam_pool = SURNAMES_ES if style == "es" else SURNAMES_EN if style == "en" else [f for f, _ in SURNAMES_RU]
        first = rec.given.split()[0]
        return replace(rec, given=first, family=_other_surname(rng, rec.family, fam_pool), document=None), kind
    assert rec.document is not None
    digits = rec.document[1:]
    i = rng.randrange(len(digits))
    near = rec.document[0] + digits[:i] + str((int(digits[i]) + 1) % 10) + digits[i + 1 :]
    given = _other_given(rng, rec.given, pool)
    return replace(rec, given=given, dob=_dob(rng), document=near), kind


def labelled_pairs(n_records: int = 1100, seed: int = 20261128) -> list[Pair]:
    """One true variant and one hard non-match per record (2 * n_records pairs)."""
    rng = random.Random(seed)
    pairs = []
    for rec, style, latin in _records(rng, n_records):
        presented, kind = _variant(rng, rec, style, latin)
        pairs.append(Pair(rec, replace(presented, key=f"{rec.key}+"), True, kind))
        presented, kind = _negative(rng, rec, style)
        pairs.append(Pair(rec, replace(presented, key=f"{rec.key}-"), False, kind))
    return pairs


@dataclass(frozen=True)
class Quality:
    tp: int
    fp: int
    fn: int
    tn: int
    errors: list[tuple[str, str, str]]  # (kind, record key, presented key)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def index_of(records: list[Identity], keyring: Keyring, policy: Policy) -> ScreeningIndex:
    """An index holding every record as the subject of one referring lookout (no database)."""
    index = ScreeningIndex(keyring, policy)
    for rec in {r.key: r for r in records}.values():
        docs = [(index.document_hash(rec.document), "passport", rec.nationality)] if rec.document else []
        lookout = IndexedLookout(f"L-{rec.key}", rec.key, "O-1", "refer_secondary")
        names = (name_key(rec.given, rec.family),)
        index.add_subject(Subject(rec.key, names, rec.dob, frozenset({rec.nationality}), tuple(docs), (lookout,)))
    return index


def presented_of(p: Identity) -> Presented:
    docs = [PresentedDocument("passport", p.document, p.nationality)] if p.document else []
    return Presented(p.key, p.given, p.family, p.dob, p.nationality, tuple(docs))


def evaluate(pairs: list[Pair], index: ScreeningIndex, min_score: float = DEFAULT_MIN_SCORE) -> Quality:
    """Every match counts: a presented identity matching any record other than its own true
    counterpart is a false positive."""
    tp = fp = fn = tn = 0
    errors = []
    for pair in pairs:
        hits = {m.subject.person_id for m in match(index, presented_of(pair.presented), min_score)}
        if pair.same:
            if pair.record.key in hits:
                tp += 1
            else:
                fn += 1
                errors.append((pair.kind, pair.record.key, pair.presented.key))
            wrong = hits - {pair.record.key}
        else:
            wrong = hits
            tn += not hits
        if wrong:
            fp += len(wrong)
            errors.append((pair.kind + ":fp", ",".join(sorted(wrong)), pair.presented.key))
    return Quality(tp, fp, fn, tn, errors)
