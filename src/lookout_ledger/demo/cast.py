"""Who is in the demo scenario: units, officials, and invented travelers' names.

Every name here is invented. The structure follows the review (an operations center that
places lookouts, a foreign-operations branch under a sector that restricts disclosure
channels and requires three written approvals, a national targeting center that does not,
interview teams, ports), but no person in the review, and no real person, is named.
"""

from __future__ import annotations

from typing import Any

from lookout_ledger.demo.builder import LifBuilder, Port

OPERATION = "Operation Clear Passage"

# The sector's disclosure SOP: these three must approve in writing, in advance, any
# disclosure about a U.S. person (the review's San Diego Disclosure SOP 1.6.2.1).
SECTOR_APPROVALS = ["FOB assistant chief", "division chief of operations", "sector assistant chief counsel"]
NTC_APPROVALS = ["NTC supervisor"]

UNITS: list[dict[str, Any]] = [
    {
        "id": "U-EOC",
        "name": f"Emergency Operations Center, Intelligence Section ({OPERATION})",
        "restrict_disclosure_channels": False,
        "required_disclosure_approvals": [],
    },
    {
        "id": "U-FOB",
        "name": "Sector Foreign Operations Branch",
        "restrict_disclosure_channels": True,
        "required_disclosure_approvals": SECTOR_APPROVALS,
    },
    {
        "id": "U-SECTOR",
        "name": "Sector Headquarters, Division of Operations",
        "restrict_disclosure_channels": True,
        "required_disclosure_approvals": SECTOR_APPROVALS,
    },
    {"id": "U-COUNSEL", "name": "Office of the Sector Assistant Chief Counsel"},
    {
        "id": "U-NTC",
        "name": "National Targeting Center",
        "restrict_disclosure_channels": False,
        "required_disclosure_approvals": NTC_APPROVALS,
    },
    {"id": "U-TTRT", "name": "Tactical Terrorism Response Team"},
    {"id": "U-INTEL", "name": "Field Intelligence Office"},
    {"id": "U-HSI", "name": "Partner-agency Special Agents (immigration investigations)"},
    {"id": "U-PORT-AZ", "name": "Arizona Port of Entry, Passenger Operations"},
    {"id": "U-AIRPORT", "name": "International Airport Passenger Operations"},
    {"id": "U-RECORDS", "name": "Records and Information Management"},
    {"id": "U-OVERSIGHT", "name": "Privacy and Oversight Office"},
    {"id": "U-IT", "name": "Systems Administration"},
]

# id -> (name, unit, role). Ids name the part an official plays in the story.
OFFICIALS: dict[str, tuple[str, str, str]] = {
    "OFF-EOC-1": ("Dorian Pettibone", "U-EOC", "intelligence officer; placed most caravan lookouts"),
    "OFF-EOC-2": ("Lyle Marchbanks", "U-EOC", "intelligence officer"),
    "OFF-EOC-3": ("Corinne Abernathy-Vale", "U-EOC", "intelligence section supervisor"),
    "OFF-EOC-4": ("Howell Brandeis-Quint", "U-EOC", "operations center commander"),
    "OFF-EOC-5": ("Tobias Wrenfield", "U-EOC", "intelligence officer; inherited lookouts"),
    "OFF-EOC-6": ("Marisol Quintanar Olea", "U-EOC", "intelligence officer"),
    "OFF-EOC-7": ("Ansel Fairbrook", "U-EOC", "intelligence officer; inherited lookouts"),
    "OFF-FOB-1": ("Emilio Santacruz Beltrán", "U-FOB", "liaison officer"),
    "OFF-FOB-2": ("Garrett Loomis-Pike", "U-FOB", "liaison officer"),
    "OFF-FOB-3": ("Vernon Okafor-Lindqvist", "U-FOB", "liaison officer"),
    "OFF-FOB-4": ("Hollis Renard", "U-FOB", "liaison officer; drafted the English text"),
    "OFF-FOB-5": ("Marguerite Dunleavy", "U-FOB", "liaison officer; copied on the request"),
    "OFF-FOB-6": ("Nadia Okonkwo-Reyes", "U-FOB", "liaison officer"),
    "OFF-FOB-AC": ("Colm Ravensworth", "U-FOB", "FOB assistant chief"),
    "OFF-SEC-DCO": ("Teodora Bramwell", "U-SECTOR", "division chief of operations"),
    "OFF-COUNSEL": ("Isadora Penhaligon", "U-COUNSEL", "sector assistant chief counsel"),
    "OFF-NTC-1": ("Curtis Ambergate", "U-NTC", "targeting officer"),
    "OFF-NTC-SUP": ("Roslyn Tarrant-Oduya", "U-NTC", "NTC supervisor"),
    "OFF-TTRT-1": ("Felix Dunmore", "U-TTRT", "TTRT officer"),
    "OFF-TTRT-2": ("Kiran Selvadurai", "U-TTRT", "TTRT officer"),
    "OFF-TTRT-3": ("Bram Oosterhuis", "U-TTRT", "TTRT officer"),
    "OFF-TTRT-4": ("Wanda Kettleborough", "U-TTRT", "TTRT officer"),
    "OFF-TTRT-SUP": ("Gideon Farraday", "U-TTRT", "TTRT supervisor"),
    "OFF-INTEL-1": ("Jasper Noakes-Verity", "U-INTEL", "intelligence analyst (new to the role)"),
    "OFF-HSI-1": ("Agnes Whitlow-Baird", "U-HSI", "special agent"),
    "OFF-AZ-1": ("Ramón Tellechea Ibarra", "U-PORT-AZ", "port officer"),
    "OFF-AZ-SUP": ("Della Winthorpe", "U-PORT-AZ", "port supervisor"),
    "OFF-AIR-1": ("Otis Fennimore", "U-AIRPORT", "port officer"),
    "OFF-AIR-2": ("Lucia Brandt-Ocampo", "U-AIRPORT", "port officer"),
    "OFF-REC-1": ("Beatrix Hallorann", "U-RECORDS", "records officer"),
    "OFF-OVS-1": ("Maren Solvang", "U-OVERSIGHT", "privacy and oversight auditor"),
    "OFF-ADMIN": ("Theo Marchetti", "U-IT", "system administrator"),
}

SAN_YSIDRO = Port("San Ysidro", "PT")
OTAY_MESA = Port("Otay Mesa", "PT")
CALEXICO = Port("Calexico West", "PT")
NOGALES = Port("Nogales (DeConcini)", "AZ")
SAN_DIEGO_AIRPORT = Port("San Diego International Airport", "PT")
LOS_ANGELES_AIRPORT = Port("Los Angeles International Airport", "PT")

TTRT_A = ["OFF-TTRT-1", "OFF-TTRT-2"]
TTRT_B = ["OFF-TTRT-3", "OFF-TTRT-4"]

# Invented names. Family names include Hispanic double surnames ("Ruiz Calderón"), written
# as one family_name, because matching and display must keep both.
US_GIVEN = [
    "Adeline", "Bertram", "Calla", "Desmond", "Elowen", "Fitzgerald", "Ginevra", "Hartley", "Isolde", "Jasper",
    "Kerensa", "Lucan", "Mireille", "Nolan", "Oriana", "Percival", "Quinlan", "Rosalind", "Sullivan", "Tamsin",
    "Ulric", "Verity", "Wystan", "Xanthe", "Yorick", "Zinnia", "Anselm", "Briony", "Caspian", "Delphine",
]  # fmt: skip
US_FAMILY = [
    "Ashdown", "Brightwater", "Cobbledick", "Dunstable", "Eversleigh", "Fernhill", "Gallowglass", "Hathersage",
    "Ironmonger", "Juniper", "Kettlewell", "Lindqvist-Moore", "Marchmont", "Nettlefold", "Oakenshaw", "Penrose",
    "Quarrington", "Ravenhill", "Stillwater", "Thistlewood", "Underhay", "Vandermeer", "Wilberforce-Ng",
]  # fmt: skip
HISPANIC_GIVEN = [
    "Araceli", "Benigno", "Citlali", "Dagoberto", "Eréndira", "Fulgencio", "Graciela", "Heriberto", "Itzel",
    "Jacinto", "Lourdes", "Maximino", "Nayeli", "Octavio", "Pánfilo", "Rufina",
]  # fmt: skip
HISPANIC_FAMILY = [
    "Ruiz Calderón", "Olvera Santamaría", "Téllez Arriaga", "Villaseñor Paz", "Quiroga Becerra", "Montaño Ledesma",
    "Bustamante Oropeza", "Zavala Cienfuegos", "Echeverría Tapia", "Lizárraga Mora", "Covarrubias Nava",
    "Arellano Sotelo", "Peñaloza Briseño",
]  # fmt: skip


def add_organisation(b: LifBuilder) -> None:
    for unit in UNITS:
        b.add("unit", **unit)
    for official_id, (name, unit_id, role) in OFFICIALS.items():
        b.add("official", id=official_id, name=name, unit_id=unit_id, role=role)


class NameBook:
    """Hands out invented names deterministically, never the same full name twice.

    Every fourth U.S. traveler gets a Hispanic name (often a double surname); foreign
    nationals get Hispanic names. Positions advance by coprime strides so neighbours in
    the story do not share a first or last name.
    """

    def __init__(self) -> None:
        self._us = 0
        self._foreign = 0
        self._used: set[tuple[str, str]] = set()

    def _pick(self, given: list[str], family: list[str], n: int) -> tuple[str, str]:
        for k in range(len(given) * len(family)):
            i = n + k
            pair = (given[(i * 7) % len(given)], family[(i * 5 + i // len(family)) % len(family)])
            if pair not in self._used:
                self._used.add(pair)
                return pair
        raise RuntimeError("the invented name lists are exhausted")

    def us_person(self) -> tuple[str, str]:
        self._us += 1
        if self._us % 4 == 0:
            return self._pick(HISPANIC_GIVEN, HISPANIC_FAMILY, self._us)
        return self._pick(US_GIVEN, US_FAMILY, self._us)

    def foreign_national(self) -> tuple[str, str]:
        self._foreign += 1
        return self._pick(HISPANIC_GIVEN, HISPANIC_FAMILY, 1000 + self._foreign * 3)
