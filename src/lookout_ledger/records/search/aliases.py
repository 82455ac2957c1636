"""How a person appears in messages, and finding people from what a searcher typed.

The units that answered "no records" searched for names as typed. People appear in messages
as a name in either order, with or without accents, a phone number in any format, an e-mail
address or a chat display name. Aliases are sealed like other SPII and found by keyed hash
(blind index) of their normal form, so the archive never holds a readable list of who is
being searched for.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.crypto import Keyring, normalise_name
from lookout_ledger.core.errors import LedgerError, NotFound
from lookout_ledger.core.ids import new_id
from lookout_ledger.people.models import Person, PersonOtherName, part_row
from lookout_ledger.records.archive_models import ALIAS_KINDS, PersonAlias
from lookout_ledger.records.search import textnorm

CONTEXT = "records.alias"


@dataclass(frozen=True)
class Alias:
    kind: str  # name | other_name | phone | email | chat_name
    value: str  # as a person would read it
    tokens: tuple[str, ...]  # what the full-text index is searched for (all of them)


def _normal(kind: str, value: str, region: str | None) -> tuple[str, str]:
    """(blind-index kind, normal form) of an alias value; raises on a value that is not of its kind."""
    if kind == "phone":
        tok = textnorm.phone_token(value, region)
        if tok is None:
            raise LedgerError(f"alias: {value!r} is not a phone number (give it with +country code)")
        return "phone", tok
    if kind == "email":
        if "@" not in value:
            raise LedgerError(f"alias: {value!r} is not an e-mail address")
        return "email", textnorm.normalise_email(value)
    return "name", normalise_name(value)


def add_alias(
    session: Session,
    keyring: Keyring,
    person_id: str,
    kind: str,
    value: str,
    actor: str,
    at: object,
    region: str | None = None,
) -> PersonAlias:
    if kind not in ALIAS_KINDS:
        raise LedgerError(f"alias kind: {kind!r} is not one of {', '.join(ALIAS_KINDS)}")
    if session.get(Person, person_id) is None:
        raise NotFound(f"no person {person_id!r}")
    value = value.strip()
    if not value:
        raise LedgerError("alias: empty value")
    bkind, norm = _normal(kind, value, region)
    stored = "+" + norm.removeprefix("tel") if kind == "phone" else value  # phones kept in E.164
    alias_id = new_id("al")
    row = PersonAlias(
        id=alias_id,
        person_id=person_id,
        kind=kind,
        value_enc=keyring.encrypt(stored, CONTEXT, alias_id),
        value_bidx=keyring.blind_index(norm, f"alias-{bkind}"),
        added_by=actor,
        added_at=at,
    )
    session.add(row)
    session.flush()
    return row


def aliases_of(session: Session, keyring: Keyring, person_id: str) -> list[Alias]:
    """Every alias of a person: the recorded name, other names, and the archive's aliases."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id!r}")
    given = keyring.decrypt(person.given_name_enc, "person.given_name", person_id) or ""
    family = keyring.decrypt(person.family_name_enc, "person.family_name", person_id) or ""
    out = [Alias("name", f"{given} {family}".strip(), tuple(textnorm.tokens(f"{given} {family}")))]
    others = session.execute(
        select(PersonOtherName.name_enc, PersonOtherName.position)
        .where(PersonOtherName.person_id == person_id)
        .order_by(PersonOtherName.position)
    ).all()
    for enc, position in others:
        name = keyring.decrypt(enc, "person.other_name", part_row(person_id, position)) or ""
        out.append(Alias("other_name", name, tuple(textnorm.tokens(name))))
    rows = session.execute(
        select(PersonAlias).where(PersonAlias.person_id == person_id).order_by(PersonAlias.added_at, PersonAlias.id)
    ).scalars()
    for a in rows:
        value = keyring.decrypt(a.value_enc, CONTEXT, a.id) or ""
        if a.kind == "phone":
            tokens: tuple[str, ...] = ("tel" + value.lstrip("+"),)
        else:
            tokens = tuple(textnorm.tokens(value))
        out.append(Alias(a.kind, value, tokens))
    seen: set[tuple[str, ...]] = set()
    unique = []
    for alias in out:
        if alias.tokens and alias.tokens not in seen:
            seen.add(alias.tokens)
            unique.append(alias)
    return unique


def find_people(session: Session, keyring: Keyring, query: str, region: str | None = None) -> list[str]:
    """Ids of people a query names: by name in any order and accents, phone, e-mail or chat name."""
    query = query.strip()
    if not query:
        return []
    found: list[str] = []
    candidates: list[tuple[str, str]] = []
    if "@" in query:
        candidates.append(("email", textnorm.normalise_email(query)))
    digits = sum(ch.isdigit() for ch in query)
    if digits >= 7 and digits >= len(query.replace(" ", "")) // 2:
        tok = textnorm.phone_token(query, region)
        if tok:
            candidates.append(("phone", tok))
    name_key = normalise_name(query)
    if name_key:
        name_bidx = keyring.blind_index(name_key, "name")
        found += session.execute(select(Person.id).where(Person.name_bidx == name_bidx)).scalars()
        found += session.execute(
            select(PersonOtherName.person_id).where(PersonOtherName.name_bidx == name_bidx)
        ).scalars()
        candidates.append(("name", name_key))
    for bkind, norm in candidates:
        bidx = keyring.blind_index(norm, f"alias-{bkind}")
        found += session.execute(select(PersonAlias.person_id).where(PersonAlias.value_bidx == bidx)).scalars()
    return list(dict.fromkeys(found))
