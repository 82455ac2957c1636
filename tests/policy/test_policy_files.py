"""Shipped policies load and differ where the two readings of the Directive differ; bad files are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from lookout_ledger.core.errors import ConfigError
from lookout_ledger.core.policy.loader import REQUIRED_RULES, check_policy_file, load_policy, shipped_policies


def test_default_is_strict_and_both_ship() -> None:
    assert load_policy().name == "tecs-directive-strict"
    assert {p.name for p in shipped_policies()} == {"tecs-directive-strict", "tecs-directive-permissive"}
    strict, permissive = load_policy("strict"), load_policy("permissive")
    assert strict.param("allow_non_suspect") is False and permissive.param("allow_non_suspect") is True
    for p in (strict, permissive):
        assert {r.id for r in p.rules} >= set(REQUIRED_RULES)
        assert all(r.statement and r.citation for r in p.rules)
        assert p.review_window_days == 7 and p.param("max_inspection_hours") == 4


def test_check_names_every_problem(tmp_path: Path) -> None:
    text = (Path(load_policy().source)).read_text()
    bad = text.replace("review_window_days = 7", "review_window_dayz = 7").replace(
        "max_lifetime_days = 180", "max_lifetime_days = -1"
    )
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    problems = check_policy_file(path)
    assert any("review_window_dayz: unknown parameter" in p for p in problems)
    assert any("max_lifetime_days: expected a whole number >= 1" in p for p in problems)
    assert any("missing review_window_days" in p for p in problems)
    with pytest.raises(ConfigError, match=r"bad\.toml"):
        load_policy(str(path))


def test_sensitive_period_must_be_shorter(tmp_path: Path) -> None:
    text = (
        Path(load_policy().source)
        .read_text()
        .replace("sensitive_review_window_days = 3", "sensitive_review_window_days = 30")
    )
    path = tmp_path / "p.toml"
    path.write_text(text)
    assert any("sensitive_review_window_days" in p and "shorter" in p for p in check_policy_file(path))
