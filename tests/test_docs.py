"""The documentation covers what the product has (datasette's habit): every command, every rule id,
and every file a page cites exists. A new command or rule without a word in the docs fails here."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

from lookout_ledger.core.controls import CONTROLS
from lookout_ledger.core.policy.loader import load_policy
from lookout_ledger.oversight.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "lookout_ledger"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEXT = "\n".join(p.read_text(encoding="utf-8") for p in DOCS)


def test_the_command_reference_is_the_commands() -> None:
    """docs/commands.md is generated from the CLI; regenerate it with `scripts/cli-reference`."""
    render = runpy.run_path(str(ROOT / "scripts" / "cli-reference"))["render"]
    committed = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/commands.md is out of date: run .venv/bin/python scripts/cli-reference"


def test_the_access_table_is_the_routes() -> None:
    """docs/security.md's routes × roles table is generated from the routes (`scripts/access-matrix`)."""
    render = runpy.run_path(str(ROOT / "scripts" / "access-matrix"))["render"]
    committed = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert committed == render(committed), "docs/security.md is out of date: run .venv/bin/python scripts/access-matrix"


@pytest.mark.parametrize("policy", ["strict", "permissive"])
def test_every_policy_rule_is_documented(policy: str) -> None:
    missing = [r.id for r in load_policy(policy).rules if r.id not in TEXT]
    assert missing == [], f"rules of the {policy} policy no page names: {missing}"


def test_every_control_and_audit_rule_is_documented() -> None:
    missing = [rule for rule in [*CONTROLS, *RULES] if rule not in TEXT]
    assert missing == [], f"rule ids no page names: {missing}"


_CITED = re.compile(
    r"`((?:src/|tests/|bench/|scripts/|docs/)?[a-z_]+(?:/[a-z_0-9*.-]+)+\.(?:py|md|toml|html))(?:::\w+)?`"
)


def test_every_file_a_page_cites_exists() -> None:
    missing = []
    for page in DOCS:
        for cited in _CITED.findall(page.read_text(encoding="utf-8")):
            candidates = [ROOT / cited, PACKAGE / cited, PACKAGE.parent / cited, ROOT / "docs" / cited]
            if not any(c.exists() or (("*" in cited) and list(c.parent.glob(c.name))) for c in candidates):
                missing.append(f"{page.relative_to(ROOT)}: {cited}")
    assert missing == [], f"pages cite files that do not exist: {missing}"
