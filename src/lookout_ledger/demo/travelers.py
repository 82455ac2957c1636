"""The scenario's travelers: invented persons with dates of birth, citizenships and passports.

Stories refer to travelers by a short key ("SIX", "J1", "X01"); this registry turns keys into
LIF person ids and remembers each traveler's lookout, so the disclosure and records stories can
name the same people the lookout story created.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lookout_ledger.demo.builder import LifBuilder
from lookout_ledger.demo.cast import NameBook


@dataclass
class Travelers:
    builder: LifBuilder
    names: NameBook = field(default_factory=NameBook)
    person_ids: dict[str, str] = field(default_factory=dict)
    lookout_ids: dict[str, str] = field(default_factory=dict)

    def add(
        self,
        key: str,
        *,
        us_person: bool = True,
        occupation: str | None = None,
        citizenship: list[str] | None = None,
        other_name: str | None = None,
    ) -> str:
        """Create a person; the n-th traveler's birth date and passport number derive from n."""
        if key in self.person_ids:
            raise ValueError(f"traveler {key!r} already exists")
        n = len(self.person_ids) + 1
        given, family = self.names.us_person() if us_person else self.names.foreign_national()
        countries = citizenship or (["US"] if us_person else ["MX"])
        birth = f"{1961 + (n * 7) % 36}-{1 + (n * 5) % 12:02d}-{1 + (n * 11) % 28:02d}"
        documents = [{"kind": "passport", "number": _passport_number(n, countries[0]), "country": countries[0]}]
        if len(countries) > 1:
            documents.append(
                {"kind": "passport", "number": _passport_number(n + 500, countries[1]), "country": countries[1]}
            )
        person_id = f"P-{n:03d}"
        self.builder.add(
            "person",
            id=person_id,
            given_name=given,
            family_name=family,
            other_names=[other_name] if other_name else [],
            date_of_birth=birth,
            citizenship=countries,
            us_person=us_person,
            occupation=occupation,
            documents=documents,
        )
        self.person_ids[key] = person_id
        return person_id

    def ids(self, keys: list[str]) -> list[str]:
        return [self.person_ids[k] for k in keys]


def _passport_number(n: int, country: str) -> str:
    """An invented passport number in the country's usual shape (9 digits for the U.S., a letter
    and 8 digits for Mexico and Central America); the multiplier spreads them out."""
    digits = (n * 7919 + 104_729) % 100_000_000
    if country == "US":
        return f"9{digits:08d}"
    return f"G{digits:08d}"
