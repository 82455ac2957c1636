"""Policies are versioned TOML files: a name, a version, an effective date and parameters.

The audit output names the policy it ran under so a reader knows which review window and
limits produced the findings. The lifecycle capability extends the parameters and rules.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from lookout_ledger.core.errors import ConfigError

POLICY_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    effective: date
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    rules: list[dict[str, Any]] = field(default_factory=list)
    source: str = ""

    @property
    def review_window_days(self) -> int:
        return int(self.parameters.get("review_window_days", 7))

    def param(self, key: str, default: Any = None) -> Any:
        return self.parameters.get(key, default)


def parse_policy(text: str, source: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    missing = [k for k in ("name", "version", "effective") if k not in data]
    if missing:
        raise ConfigError(f"{source}: missing {', '.join(missing)}")
    eff = data["effective"]
    if not isinstance(eff, date):
        try:
            eff = date.fromisoformat(str(eff))
        except ValueError:
            raise ConfigError(f"{source}: effective must be a date like 2026-01-01") from None
    params = data.get("parameters", {})
    rwd = params.get("review_window_days", 7)
    if not isinstance(rwd, int) or rwd < 1:
        raise ConfigError(f"{source}: parameters.review_window_days must be a whole number of days >= 1")
    return Policy(
        name=str(data["name"]),
        version=str(data["version"]),
        effective=eff,
        description=str(data.get("description", "")).strip(),
        parameters=params,
        rules=list(data.get("rules", [])),
        source=source,
    )


def load_policy(name_or_path: str | None = None) -> Policy:
    """A shipped policy by name (file stem or declared name) or a path; default.toml if None."""
    if name_or_path is None:
        path = POLICY_DIR / "default.toml"
    elif Path(name_or_path).suffix == ".toml" and Path(name_or_path).exists():
        path = Path(name_or_path)
    else:
        path = POLICY_DIR / f"{name_or_path}.toml"
        if not path.exists():
            for candidate in sorted(POLICY_DIR.glob("*.toml")):
                if parse_policy(candidate.read_text(), candidate.name).name == name_or_path:
                    path = candidate
                    break
            else:
                names = ", ".join(p.stem for p in sorted(POLICY_DIR.glob("*.toml")))
                raise ConfigError(f"no policy {name_or_path!r}; shipped policies: {names}")
    return parse_policy(path.read_text(), str(path))
