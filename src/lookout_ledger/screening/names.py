"""Comparing a presented name with a lookout subject's name, the way a port officer would.

An innocent traveler sent to secondary is the costliest error, so a name match needs every
token of the shorter name to find a counterpart (a maternal surname or a middle name may be
omitted, but no token may be *different*), and the date of birth must agree as well (see
`matcher`). Variation a human accepts as "the same name" is absorbed before comparing:
case, accents and script (normality's ICU transliteration), word order, hyphens and the
particles that join Hispanic surnames ("de", "del", "y" ...), spelling conventions of
transliteration ("ks"/"x", "kh"/"h", "y"/"j"/"i", doubled letters) and small typos
(rapidfuzz's optimal-string-alignment distance, scaled to the token length). Gendered
variants ("Mario"/"Maria", "Daniel"/"Daniela") are different names, not typos.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache

from normality import ascii_text
from rapidfuzz.distance import OSA

PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "di", "van", "von", "der"})
_SPELLING = (("ph", "f"), ("kh", "h"), ("ks", "x"), ("cs", "x"), ("ck", "k"), ("y", "i"), ("j", "i"), ("w", "v"))
_DOUBLE = re.compile(r"([b-df-hj-np-tv-z])\1+")  # doubled consonants; a doubled vowel is usually a typo
# ICU's scholarly Cyrillic romanisation ("Ûrij") is far from what passports print ("Yuriy"); these
# letters get the passport (ICAO 9303) spelling before the rest goes through ICU.
_CYRILLIC = str.maketrans(
    {
        "ю": "yu",
        "я": "ya",
        "ё": "yo",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ж": "zh",
        "й": "y",
        "ъ": "ie",
        "ь": "",
    }
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)
def _word_tokens(word: str) -> tuple[str, ...]:
    plain = word.lower() if word.isascii() else ascii_text(word.lower().translate(_CYRILLIC)).lower()
    return tuple(sys.intern(t) for t in _NON_ALNUM.split(plain) if t)


def raw_tokens(text: str) -> tuple[str, ...]:
    """Lower-case ASCII words (transliterated), particles included. Words are transliterated
    one at a time so the cache holds words, which repeat far more than whole names."""
    return tuple(t for word in text.split() for t in _word_tokens(word))


@lru_cache(maxsize=200_000)
def canonical(token: str) -> str:
    """One spelling for transliteration variants (Aleksandr/Alexandr, Sergei/Sergey/Sergej)."""
    for a, b in _SPELLING:
        token = token.replace(a, b)
    if token.startswith("ie") and len(token) > 4:
        token = token[1:]  # Yevgeny / Evgeny, Yelena / Elena
    token = _DOUBLE.sub(r"\1", token)
    return sys.intern(token[:-1] if token.endswith("ii") else token)  # Yuriy / Yuri / Iurii


def _joined_runs(raw: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sys.intern(canonical("".join(raw[i : i + n]))) for n in (2, 3) for i in range(len(raw) - n + 1))


@dataclass(frozen=True, slots=True, eq=False)
class NameKey:
    """A name prepared once for many comparisons: canonical tokens without particles, the raw
    token sequence, and adjacent pairs and triples of raw words (particles kept) joined and
    canonicalised, for surnames written joined ("Delarosa" for "de la Rosa"). The runs are
    kept, not derived per comparison: at a million lookouts no cache holds them all, and
    interned they cost little (the same surname pairs recur across names)."""

    tokens: tuple[str, ...]
    raw: tuple[str, ...]
    joined: tuple[str, ...]
    _hash: int = field(init=False, repr=False, compare=False)
    shortest_run: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Hashed once: name keys are looked up in the comparison cache for every candidate.
        object.__setattr__(self, "_hash", hash((self.tokens, self.raw)))
        # A token more than two letters shorter than every run cannot be a joined surname.
        object.__setattr__(self, "shortest_run", min(map(len, self.joined), default=1_000))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, NameKey) and self.tokens == other.tokens and self.raw == other.raw)

    @property
    def sort_key(self) -> str:
        return " ".join(sorted(self.tokens))


@lru_cache(maxsize=262_144)
def name_key(*parts: str | None) -> NameKey:
    """Cached: names repeat (a million lookouts hold far fewer distinct names), and equal
    names then share one immutable key in the index."""
    raw: list[str] = []
    for p in parts:
        if p:
            raw.extend(raw_tokens(p))
    tokens = tuple(canonical(t) for t in raw if t not in PARTICLES)
    raw_t = tuple(raw)
    return NameKey(tokens, tokens if tokens == raw_t else raw_t, _joined_runs(raw_t))


def _gender_variant(a: str, b: str) -> bool:
    if a[:-1] == b[:-1] and {a[-1], b[-1]} == {"a", "o"}:
        return True
    return a + "a" == b or b + "a" == a


@lru_cache(maxsize=500_000)
def token_similarity(a: str, b: str) -> float:
    """1.0 for equal tokens, a graded score for tolerated typos, 0.0 for different names.
    The cheap refusals come first: most pairs compared are plainly different names."""
    if a == b:
        return 1.0
    la, lb = len(a), len(b)
    n = la if la < lb else lb
    if n < 4:
        return 0.0  # short tokens must be equal
    allowed = 1 if n < 7 else 2
    if abs(la - lb) > allowed or (a[0] != b[0] and n < 7) or _gender_variant(a, b):
        return 0.0  # the edit distance is at least the difference in length
    d = OSA.distance(a, b, score_cutoff=allowed)
    if d > allowed:
        return 0.0
    return 1.0 - 0.08 * d


@dataclass(frozen=True)
class NameMatch:
    score: float
    matched: tuple[tuple[str, str, float], ...]  # (query token, candidate token, similarity)
    omitted: tuple[str, ...]  # tokens of the longer name with no counterpart
    how: str


def _pair(qs: list[str], cs: list[str]) -> list[tuple[int, int, float]]:
    """Greedy best-first pairing of tokens (names are short; greedy equals optimal in practice).
    Equal tokens pair first, in order (only they score 1.0); similarity is computed only for
    the tokens left over, which is where the time would go."""
    out: list[tuple[int, int, float]] = []
    used_c: set[int] = set()
    rest_q: list[int] = []
    for i, q in enumerate(qs):
        for j, c in enumerate(cs):
            if c == q and j not in used_c:
                used_c.add(j)
                out.append((i, j, 1.0))
                break
        else:
            rest_q.append(i)
    rest_c = [j for j in range(len(cs)) if j not in used_c]
    if not rest_q or not rest_c:
        return out
    cands = sorted(
        ((token_similarity(qs[i], cs[j]), i, j) for i in rest_q for j in rest_c),
        key=lambda t: -t[0],
    )
    used_q: set[int] = set()
    for sim, i, j in cands:
        if sim <= 0.0:
            break
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        out.append((i, j, sim))
    return out


def _absorb_joined(rest: list[str], other: NameKey) -> tuple[list[str], list[str], list[str]]:
    """Tokens of `rest` that equal a joined run of the other name's words (compound surnames),
    and the runs they matched."""
    if not rest:
        return rest, [], []
    left, absorbed, runs = [], [], []
    joined = other.joined
    for t in rest:
        n = len(t)  # a run more than two letters longer or shorter cannot be within two edits
        run = next((j for j in joined if abs(len(j) - n) <= 2 and token_similarity(t, j) > 0.0), None)
        if run is None:
            left.append(t)
        else:
            absorbed.append(t)
            runs.append(run)
    return left, absorbed, runs


def _inside(tokens: list[str], runs: list[str]) -> list[str]:
    return [t for t in tokens if not any(t in r for r in runs)]


def surely_apart(query: NameKey, candidate: NameKey) -> bool:
    """True when `full_comparison` would surely refuse, judged cheaply. Most candidates share
    one word (a surname, a given name) and nothing else; with one exact pair, a second covered
    token needs a possible typo pair or joined surname, and length and first letter alone can
    rule both out."""
    qs, cs = query.tokens, candidate.tokens
    common = set(qs).intersection(cs)
    if not common:
        return True  # no token spelt alike: too weak to send anyone to secondary
    if len(common) > 1:
        return False
    (shared,) = common
    if qs.count(shared) != 1 or cs.count(shared) != 1:
        return False
    lq = [t for t in qs if t != shared]
    lc = [t for t in cs if t != shared]
    for a in lq:
        for b in lc:
            if token_similarity(a, b) > 0.0:  # cached: the same word pairs recur all day
                return False
    return not (_may_absorb(lq, candidate) or _may_absorb(lc, query))


def _may_absorb(tokens: list[str], other: NameKey) -> bool:
    runs, shortest = other.joined, other.shortest_run
    for t in tokens:
        n = len(t)
        if n + 2 < shortest:
            continue
        for r in runs:
            if abs(len(r) - n) <= 2 and token_similarity(t, r) > 0.0:
                return True
    return False


@lru_cache(maxsize=200_000)
def compare_names(query: NameKey, candidate: NameKey) -> NameMatch | None:
    """A match when at least two tokens pair up and the shorter name is covered entirely.

    Cached: the answer depends on the two names alone, and names repeat (the same common
    given names and surnames meet each other at every port, every day)."""
    if not query.tokens or not candidate.tokens or surely_apart(query, candidate):
        return None
    return full_comparison(query, candidate)


def full_comparison(query: NameKey, candidate: NameKey) -> NameMatch | None:
    qs, cs = list(query.tokens), list(candidate.tokens)
    if not qs or not cs or set(qs).isdisjoint(cs):
        return None
    pairs = _pair(qs, cs)
    paired_q, paired_c = {p[0] for p in pairs}, {p[1] for p in pairs}
    q_left = [q for i, q in enumerate(qs) if i not in paired_q]
    c_left = [c for j, c in enumerate(cs) if j not in paired_c]
    q_left, q_joined, q_runs = _absorb_joined(q_left, candidate)
    c_left, c_joined, c_runs = _absorb_joined(c_left, query)
    # the words a joined surname stands for are covered by it
    q_left, c_left = _inside(q_left, c_runs), _inside(c_left, q_runs)
    covered = len(pairs) + len(q_joined) + len(c_joined)
    if covered < 2 or (q_left and c_left):
        return None
    if not any(p[2] == 1.0 for p in pairs):
        return None  # every token a typo: too weak to send anyone to secondary
    omitted = tuple(q_left or c_left)
    sims = [p[2] for p in pairs] + [0.95] * (len(q_joined) + len(c_joined))
    score = sum(sims) / len(sims) - 0.03 * len(omitted)
    order = [qs[i] for i, _, _ in sorted(pairs, key=lambda p: p[1])]
    bits = []
    if [qs[i] for i, _, _ in sorted(pairs)] != order:
        bits.append("name parts in another order")
    if any(s < 1.0 for s in sims[: len(pairs)]):
        bits.append("small spelling difference (typo or transliteration)")
    if q_joined or c_joined:
        bits.append("compound surname written joined")
    if omitted:
        bits.append(f"{len(omitted)} name part(s) omitted")
    how = ", ".join(bits) or "same name (after case, accents and script are set aside)"
    matched = tuple((qs[i], cs[j], s) for i, j, s in pairs)
    return NameMatch(round(max(0.0, min(1.0, score)), 4), matched, omitted, how)
