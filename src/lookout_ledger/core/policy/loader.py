"""Policies are versioned TOML files: a name, a version, an effective date and cited rules.

The review found officials who did not know the standard for placing a lookout and two
readings of the TECS Directive that nobody had noticed. So the standard is data: each rule
has an id, a plain statement, the citation it rests on and its parameters, and every
decision the system makes stores the policy name and version and the ids of the rules that
fired. Changing a limit is a reviewed change to a file, not a code change, and a file with a
typo in a parameter is rejected (naming the field) rather than silently falling back.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from lookout_ledger.core.errors import ConfigError

POLICY_DIR = Path(__file__).parent
DEFAULT_POLICY = "strict"
RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
APPROVER_ROLES = ("supervisor", "counsel")

# Every parameter a policy may set, with its kind. Unknown names are errors: a misspelt
# limit must not silently become "no limit".
_INT = "a whole number >= 1"
_INT0 = "a whole number >= 0"
_BOOL = "true or false"
_STRS = "a list of strings"
_ROLES = f"a list of roles from {', '.join(APPROVER_ROLES)}"
PARAMETER_KINDS: dict[str, str] = {
    "review_window_days": _INT,
    "sensitive_review_window_days": _INT,
    "max_inspection_hours": _INT,
    "screening_min_score_percent": _INT,
    "screening_refresh_seconds": _INT,
    "screening_notify_owner": _BOOL,
    "device_search_min_reason_chars": _INT0,
    "device_search_exigent_hours": _INT,
    "unofficial_forward_days": _INT,
    "min_basis_chars": _INT0,
    "allow_non_suspect": _BOOL,
    "protected_activity_terms": _STRS,
    "min_nexus_chars": _INT0,
    "sensitive_occupations": _STRS,
    "max_lifetime_days": _INT,
    "sensitive_max_lifetime_days": _INT,
    "required_approvals": _ROLES,
    "sensitive_required_approvals": _ROLES,
    "referral_limit": _INT,
    "referral_limit_days": _INT,
    "periodic_review_days": _INT,
    "sensitive_periodic_review_days": _INT,
    "reminder_days": _INT0,
    "transfer_escalation_days": _INT,
    "min_instruction_chars": _INT0,
    "exigent_request_days": _INT,
    "agreement_offices": _STRS,
    "deny_entry_conditions": _STRS,
    "designated_determination_roles": _STRS,
    "personal_mail_domains": _STRS,
}

# The lifecycle's controls look these rules up by id; a policy without one cannot run them.
REQUIRED_RULES = (
    "LC-BASIS-REQUIRED",
    "LC-NON-SUSPECT",
    "LC-FIRST-AMENDMENT",
    "LC-SENSITIVE-COUNSEL",
    "LC-EXPIRY",
    "LC-ADOPTION",
    "LC-APPROVAL-REQUIRED",
    "LC-SEPARATION-OF-DUTIES",
    "LC-TRAINING",
    "LC-POST-INSPECTION-REVIEW",
    "LC-REFERRAL-LIMIT",
    "LC-PERIODIC-REVIEW",
    "LC-TRANSFER-ACCEPTANCE",
    "LC-OWNER-DEPARTURE",
)
# Screening and device-search thresholds have defaults in their services (see docs/screening.md).
OPTIONAL_PARAMETERS = (
    "max_inspection_hours",
    "unofficial_forward_days",
    "screening_min_score_percent",
    "screening_refresh_seconds",
    "screening_notify_owner",
    "device_search_min_reason_chars",
    "device_search_exigent_hours",
)
REQUIRED_PARAMETERS = tuple(k for k in PARAMETER_KINDS if k not in OPTIONAL_PARAMETERS)

# (shorter, longer): the sensitive value must not exceed the ordinary one, since the point
# of the sensitive value is a shorter leash.
_SHORTER = (
    ("sensitive_review_window_days", "review_window_days"),
    ("sensitive_max_lifetime_days", "max_lifetime_days"),
    ("sensitive_periodic_review_days", "periodic_review_days"),
)


@dataclass(frozen=True)
class PolicyRule:
    id: str
    statement: str
    citation: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "statement": self.statement, "citation": self.citation, "parameters": self.parameters}


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    effective: date
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)  # every rule's parameters, merged
    rules: tuple[PolicyRule, ...] = ()
    source: str = ""

    @property
    def review_window_days(self) -> int:
        return int(self.parameters.get("review_window_days", 7))

    def param(self, key: str, default: Any = None) -> Any:
        return self.parameters.get(key, default)

    def rule(self, rule_id: str) -> PolicyRule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise ConfigError(f"policy {self.name} {self.version} has no rule {rule_id}")

    def has_rule(self, rule_id: str) -> bool:
        return any(r.id == rule_id for r in self.rules)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "effective": self.effective.isoformat(),
            "description": self.description,
            "rules": [r.as_dict() for r in self.rules],
        }


def _kind_ok(kind: str, value: Any) -> bool:
    if kind == _BOOL:
        return isinstance(value, bool)
    if kind in (_INT, _INT0):
        return isinstance(value, int) and not isinstance(value, bool) and value >= (1 if kind == _INT else 0)
    if kind == _STRS:
        return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
    if kind == _ROLES:
        return isinstance(value, list) and bool(value) and all(v in APPROVER_ROLES for v in value)
    return False


def check_policy_data(data: dict[str, Any]) -> list[str]:
    """Every problem in a parsed policy file, each naming the field; empty when it is valid."""
    problems: list[str] = []
    for key in ("name", "version", "effective"):
        if key not in data or (isinstance(data[key], str) and not data[key].strip()):
            problems.append(f"{key}: required")
    eff = data.get("effective")
    if eff is not None and not isinstance(eff, date):
        try:
            date.fromisoformat(str(eff))
        except ValueError:
            problems.append("effective: expected a date like 2026-01-01")
    seen_params: dict[str, str] = {}

    def check_params(params: Any, where: str) -> None:
        if not isinstance(params, dict):
            problems.append(f"{where}: expected a table of parameters")
            return
        for key, value in params.items():
            kind = PARAMETER_KINDS.get(key)
            if kind is None:
                problems.append(f"{where}.{key}: unknown parameter (known: {', '.join(sorted(PARAMETER_KINDS))})")
            elif not _kind_ok(kind, value):
                problems.append(f"{where}.{key}: expected {kind}, got {value!r}")
            if key in seen_params:
                problems.append(f"{where}.{key}: already set in {seen_params[key]}")
            seen_params[key] = where

    check_params(data.get("parameters", {}), "parameters")
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        problems.append("rules: expected [[rules]] tables")
        rules = []
    ids: set[str] = set()
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            problems.append(f"rules[{i}]: expected a table")
            continue
        rid = rule.get("id")
        where = f"rules[{i}]" + (f" ({rid})" if isinstance(rid, str) else "")
        if not isinstance(rid, str) or not RULE_ID.match(rid):
            problems.append(f"{where}.id: expected an id like LC-EXPIRY, got {rid!r}")
        elif rid in ids:
            problems.append(f"{where}.id: duplicate rule id")
        else:
            ids.add(rid)
        for key in ("statement", "citation"):
            if not isinstance(rule.get(key), str) or not rule[key].strip():
                problems.append(f"{where}.{key}: required (plain words a person can act on)")
        unknown = set(rule) - {"id", "statement", "citation", "parameters"}
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        check_params(rule.get("parameters", {}), f"{where}.parameters")
    missing_rules = [r for r in REQUIRED_RULES if r not in ids]
    if missing_rules:
        problems.append(f"rules: missing {', '.join(missing_rules)}")
    missing_params = [p for p in REQUIRED_PARAMETERS if p not in seen_params]
    if missing_params:
        problems.append(f"parameters: missing {', '.join(missing_params)}")
    for short, long in _SHORTER:
        a, b = _find_param(data, short), _find_param(data, long)
        if isinstance(a, int) and isinstance(b, int) and a > b:
            problems.append(f"{short}: {a} is longer than {long} ({b}); the sensitive period must be the shorter one")
    return problems


def _find_param(data: dict[str, Any], key: str) -> Any:
    if isinstance(data.get("parameters"), dict) and key in data["parameters"]:
        return data["parameters"][key]
    for rule in data.get("rules", []) if isinstance(data.get("rules"), list) else []:
        if isinstance(rule, dict) and isinstance(rule.get("parameters"), dict) and key in rule["parameters"]:
            return rule["parameters"][key]
    return None


def parse_policy(text: str, source: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    problems = check_policy_data(data)
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    eff = data["effective"]
    if not isinstance(eff, date):
        eff = date.fromisoformat(str(eff))
    merged: dict[str, Any] = dict(data.get("parameters", {}))
    rules = []
    for r in data.get("rules", []):
        params = dict(r.get("parameters", {}))
        merged.update(params)
        rules.append(
            PolicyRule(id=r["id"], statement=r["statement"].strip(), citation=r["citation"], parameters=params)
        )
    return Policy(
        name=str(data["name"]),
        version=str(data["version"]),
        effective=eff,
        description=str(data.get("description", "")).strip(),
        parameters=merged,
        rules=tuple(rules),
        source=source,
    )


def check_policy_file(path: Path) -> list[str]:
    """Problems in a policy file (for `lookout policy check`); empty when valid."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return [f"cannot read {path}: {exc.strerror}"]
    except tomllib.TOMLDecodeError as exc:
        return [f"not valid TOML ({exc})"]
    return check_policy_data(data)


def shipped_policies() -> list[Policy]:
    return [parse_policy(p.read_text(encoding="utf-8"), str(p)) for p in sorted(POLICY_DIR.glob("*.toml"))]


def load_policy(name_or_path: str | None = None) -> Policy:
    """A shipped policy by file stem or declared name, or a path; the strict one when None."""
    if name_or_path is None or name_or_path == "default":
        name_or_path = DEFAULT_POLICY
    if Path(name_or_path).suffix == ".toml" and Path(name_or_path).exists():
        path = Path(name_or_path)
    else:
        path = POLICY_DIR / f"{name_or_path}.toml"
        if not path.exists():
            for candidate in sorted(POLICY_DIR.glob("*.toml")):
                if parse_policy(candidate.read_text(encoding="utf-8"), candidate.name).name == name_or_path:
                    path = candidate
                    break
            else:
                names = ", ".join(p.stem for p in sorted(POLICY_DIR.glob("*.toml")))
                raise ConfigError(f"no policy {name_or_path!r}; shipped policies: {names}")
    return parse_policy(path.read_text(encoding="utf-8"), str(path))
