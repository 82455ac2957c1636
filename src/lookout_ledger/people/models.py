"""Persons, their other names and identity documents.

Names, dates of birth and document numbers are SPII: stored sealed (AES-GCM, see
core.crypto) with a keyed hash beside them for exact look-ups.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lookout_ledger.core import sealed, state
from lookout_ledger.core.db import Base
from lookout_ledger.org.models import FK

OCCUPATIONS = ("journalist", "attorney", "advocate", "photographer", "clergy", "other")
SENSITIVE_OCCUPATIONS = ("journalist", "attorney", "advocate", "photographer", "clergy")


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    given_name_enc: Mapped[str] = mapped_column(Text, nullable=False)
    family_name_enc: Mapped[str] = mapped_column(Text, nullable=False)
    date_of_birth_enc: Mapped[str | None] = mapped_column(Text)
    name_bidx: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    us_person: Mapped[bool] = mapped_column(Boolean, nullable=False)
    occupation: Mapped[str | None] = mapped_column(String(20))


class PersonOtherName(Base):
    __tablename__ = "person_other_names"

    person_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("persons.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_enc: Mapped[str] = mapped_column(Text, nullable=False)
    name_bidx: Mapped[str] = mapped_column(String(32), nullable=False, index=True)


class PersonCitizenship(Base):
    __tablename__ = "person_citizenships"

    person_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("persons.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(String(2), nullable=False)


class PersonDocument(Base):
    __tablename__ = "person_documents"

    person_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("persons.id", ondelete="CASCADE", **FK), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str | None] = mapped_column(Text)
    number_enc: Mapped[str | None] = mapped_column(Text)
    number_bidx: Mapped[str | None] = mapped_column(String(32), index=True)
    country: Mapped[str | None] = mapped_column(String(2))


def part_row(person_id: str, position: int) -> str:
    """The row a person's other name or document is bound to (AEAD associated data, with the column)."""
    return f"{person_id}.{position}"


# The sealed columns of people's records (key rotation re-seals every registered column). Each
# value is bound to its column and its row (#16 item 4: names could be swapped between persons).
for _table, _keys, _column, _context in (
    ("persons", ("id",), "given_name_enc", "person.given_name.{id}"),
    ("persons", ("id",), "family_name_enc", "person.family_name.{id}"),
    ("persons", ("id",), "date_of_birth_enc", "person.date_of_birth.{id}"),
    ("person_other_names", ("person_id", "position"), "name_enc", "person.other_name.{person_id}.{position}"),
    ("person_documents", ("person_id", "position"), "number_enc", "document.number.{person_id}.{position}"),
):
    sealed.register(_table, _keys, _column, _context)


# What `lookout verify` checks record by record (core/state.py).
state.track(
    "person",
    Person,
    parts=[(PersonOtherName, "person_id"), (PersonCitizenship, "person_id"), (PersonDocument, "person_id")],
)
