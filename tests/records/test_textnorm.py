"""The fast `fold` must equal the plain reading of its definition for every code point.

`fold` folds non-ASCII characters one at a time (cached) and the ASCII rest with one
bytes.translate; that is only right if folding is per character, which these tests check
against the definition applied to whole strings.
"""

from __future__ import annotations

import random
import sys
import unicodedata

from lookout_ledger.records.search import textnorm


def reference_fold(text: str) -> str:
    """The definition, character by character: NFKD, drop combining marks, casefold, non-alnum as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in bare).split())


def test_fold_equals_the_definition_for_every_code_point() -> None:
    differing = []
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)  # lone surrogates included: undecodable header bytes arrive as surrogate escapes
        for text in (ch, f"a{ch}b", f" {ch}É_1 ", f"{ch}\u0301\u0327x"):
            if textnorm.fold(text) != reference_fold(text):
                differing.append((hex(cp), text))
    assert differing == []


def test_fold_equals_the_definition_on_mixed_text() -> None:
    rnd = random.Random(6)
    pools = [(0x20, 0x7E), (0xA0, 0x2FF), (0x300, 0x36F), (0x370, 0x52F), (0x1E00, 0x1EFF), (0x2000, 0x206F)]
    for _ in range(5000):
        text = "".join(chr(rnd.randint(*rnd.choice(pools))) for _ in range(rnd.randint(0, 30)))
        assert textnorm.fold(text) == reference_fold(text), repr(text)


def test_fold_examples() -> None:
    assert textnorm.fold("Vidáurri, E.") == "vidaurri e"
    assert textnorm.fold("  ŁÓDŹ_straße  ") == "łodz strasse"
    assert textnorm.fold("İstanbul") == "istanbul"
    assert textnorm.fold("...") == ""
