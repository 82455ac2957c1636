"""The demo scenario as LIF records: an invented operation with the structure of the review's.

`build_scenario()` returns the records (header first) and `scenario_lines()` the JSON Lines
text; both are deterministic (no randomness, no clock), so the same scenario loads on every
machine and `lookout demo --write FILE` produces byte-identical files. The story, and which
records stand behind each figure of the review, is told in docs/demo-scenario.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lookout_ledger.demo.builder import LifBuilder
from lookout_ledger.demo.cast import OPERATION, add_organisation
from lookout_ledger.demo.disclosure_story import add_other_people, build_disclosures
from lookout_ledger.demo.lookout_story import build_lookouts
from lookout_ledger.demo.records_story import build_communications
from lookout_ledger.demo.travelers import Travelers

EXPORTED_AT = "2019-03-31T00:00:00Z"
# The evaluation time the review's figures are stated for: after the last event of the story.
EVALUATE_AT = "2019-04-01T00:00:00Z"
SOURCE = f"Lookout Ledger demo scenario: {OPERATION} (invented people; structure of DHS OIG-21-62)"


def build_scenario() -> list[dict[str, Any]]:
    b = LifBuilder()
    b.add("header", format="lif", version=1, source=SOURCE, exported_at=EXPORTED_AT)
    add_organisation(b)
    travelers = Travelers(b)
    build_lookouts(b, travelers)
    add_other_people(travelers)
    build_disclosures(b, travelers)
    build_communications(b)
    return b.records


def scenario_lines(records: list[dict[str, Any]] | None = None) -> str:
    """JSON Lines, one record per line, non-ASCII kept as UTF-8 (names like "Calderón")."""
    records = build_scenario() if records is None else records
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write_scenario(path: Path) -> int:
    """Write the scenario's LIF file; returns the number of records written."""
    records = build_scenario()
    path.write_text(scenario_lines(records), encoding="utf-8")
    return len(records)
