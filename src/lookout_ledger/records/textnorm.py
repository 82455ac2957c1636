"""One normal form of text for the index and for queries, on every database engine.

Case-folded, accents removed, every non-alphanumeric character a separator: "Vidáurri, E."
and "vidaurri e" index and search alike whether SQLite's FTS5 or PostgreSQL's tsvector does
the matching, so the same query finds the same records on either engine. Phone numbers are
also written as one token (`tel` + E.164 digits) so "+52 664 123 4567" and "(664) 123-4567"
with a Mexican default region meet.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

_PHONEISH = re.compile(r"\+?\(?\d[\d ()./-]{6,}\d")


def fold(text: str) -> str:
    """Case-folded, accent-free text with punctuation turned into spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in bare).split())


def tokens(text: str) -> list[str]:
    return fold(text).split()


def phone_token(raw: str, region: str | None = None) -> str | None:
    """`tel` + the E.164 digits of a phone number, or None when it is not one."""
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
