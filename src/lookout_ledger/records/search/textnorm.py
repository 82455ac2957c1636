"""One normal form of text for the index and for queries, on every database engine.

Case-folded, accents removed, every non-alphanumeric character a separator: "Vidáurri, E."
and "vidaurri e" index and search alike whether SQLite's FTS5 or PostgreSQL's tsvector does
the matching, so the same query finds the same records on either engine. Phone numbers are
also written as one token (`tel` + E.164 digits) so "+52 664 123 4567" and "(664) 123-4567"
with a Mexican default region meet.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers

_PHONEISH = re.compile(r"\+?\(?\d[\d ()./-]{6,}\d")
# Folding is done one character at a time: NFKD decomposes each character on its own and only
# reorders combining marks, which are then dropped; case folding and "non-alphanumeric becomes a
# space" are per character too. So a non-ASCII character's folded form can be computed once and
# cached, and the ASCII rest is lowered and separated by one bytes.translate (UTF-8 bytes of
# non-ASCII characters are all >= 0x80 and pass through). Folding character by character in
# Python cost a third of an import's time; this is six times faster and gives the same text
# (tests/records/test_textnorm.py checks every code point against the plain definition).
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_FOLD = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122 or c >= 128) else 32 for c in range(256)
)


@functools.lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).casefold()
    return "".join(c if c.isalnum() else " " for c in bare)


def _fold_match(m: re.Match[str]) -> str:
    return _fold_char(m.group())


def fold(text: str) -> str:
    """Case-folded, accent-free text with punctuation turned into spaces.

    The definition: decompose (NFKD), drop combining marks, case-fold, turn every
    non-alphanumeric character into a space and collapse the spaces.
    """
    if not text.isascii():
        text = _NON_ASCII.sub(_fold_match, text)
    return b" ".join(text.encode("utf-8").translate(_ASCII_FOLD).split()).decode("utf-8")


def tokens(text: str) -> list[str]:
    return fold(text).split()


@functools.lru_cache(maxsize=65536)
def phone_token(raw: str, region: str | None = None) -> str | None:
    """`tel` + the E.164 digits of a phone number, or None when it is not one.

    Cached: an archive names the same numbers again and again, and parsing one costs more than
    folding a whole message.
    """
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return "tel" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def phone_tokens(text: str, region: str | None = None) -> list[str]:
    found = []
    for m in _PHONEISH.finditer(text):
        raw = m.group(0)
        tok = phone_token(raw, None if raw.startswith("+") else region)
        if tok:
            found.append(tok)
    return found


def document(*parts: str | None, region: str | None = None) -> str:
    """The indexed text of a message: its folded words and its phone numbers as tokens."""
    text = "\n".join(p for p in parts if p)
    return " ".join([fold(text), *phone_tokens(text, region)])


def normalise_email(address: str) -> str:
    return address.strip().casefold()
