"""Retention schedules, modelled on NARA's General Records Schedules, and configurable.

Defaults (field notes): GRS 6.1 keeps the e-mail and electronic messages of Capstone officials
permanently, of other officials 7 years, of support positions 3 years; GRS 5.2 item 010 keeps
transitory records up to 180 days. Non-records may be disposed of once classified so (still
only with the records officer's approval). An agency whose NARA-approved schedule differs sets
the periods in a TOML file named by LOOKOUT_RECORDS_SCHEDULES:

    [retention_days]
    "grs6.1-011" = 2557
    "grs5.2-010" = 90
    "grs6.1-010" = "permanent"

Retention counts from the message's time (its cutoff); disposition is due when it has passed.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from lookout_ledger.core.errors import ConfigError, LedgerError
from lookout_ledger.core.policy.loader import Policy

POSITIONS = ("capstone", "official", "support")
FORWARD_DAYS = 20  # 44 U.S.C. 2911(a)(2)
FORWARD_CITATION = "44 U.S.C. 2911"


@dataclass(frozen=True)
class Schedule:
    id: str
    title: str
    days: int | None  # None: permanent
    citation: str


DEFAULT_SCHEDULES = {
    "grs6.1-010": Schedule("grs6.1-010", "Capstone officials' messages: permanent", None, "NARA GRS 6.1 item 010"),
    "grs6.1-011": Schedule("grs6.1-011", "Other officials' messages: 7 years", 7 * 365 + 2, "NARA GRS 6.1 item 011"),
    "grs6.1-012": Schedule("grs6.1-012", "Support positions' messages: 3 years", 3 * 365 + 1, "NARA GRS 6.1 item 012"),
    "grs5.2-010": Schedule("grs5.2-010", "Transitory records: 180 days", 180, "NARA GRS 5.2 item 010"),
    "non-record": Schedule("non-record", "Non-record material: when no longer needed", 0, "36 CFR 1222.16"),
}
_BY_POSITION = {"capstone": "grs6.1-010", "official": "grs6.1-011", "support": "grs6.1-012"}


def _overrides() -> dict[str, object]:
    path = os.environ.get("LOOKOUT_RECORDS_SCHEDULES")
    if not path:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"LOOKOUT_RECORDS_SCHEDULES: {path} cannot be read ({exc})") from None
    table = data.get("retention_days", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [retention_days] must be a table of schedule = days")
    return table


def schedules(overrides: dict[str, object] | None = None) -> dict[str, Schedule]:
    """The schedules in force: the defaults, with any period the configuration overrides."""
    out = dict(DEFAULT_SCHEDULES)
    for sid, days in (_overrides() if overrides is None else overrides).items():
        if sid not in out:
            raise ConfigError(f"retention_days: unknown schedule {sid!r} (known: {', '.join(out)})")
        if days != "permanent" and (not isinstance(days, int) or isinstance(days, bool) or days < 0):
            raise ConfigError(f'retention_days.{sid}: {days!r} is neither a number of days nor "permanent"')
        base = out[sid]
        out[sid] = Schedule(sid, base.title, None if days == "permanent" else int(days), base.citation)  # type: ignore[arg-type]
    return out


def forward_days(policy: Policy | None) -> int:
    """Days a personal-account message has to reach an official account (44 U.S.C. 2911: 20)."""
    return int(policy.param("unofficial_forward_days", FORWARD_DAYS)) if policy else FORWARD_DAYS


def schedule_for(classification: str, position: str = "official") -> str:
    if classification == "transitory":
        return "grs5.2-010"
    if classification == "non_record":
        return "non-record"
    if position not in _BY_POSITION:
        raise LedgerError(f"position: {position!r} is not one of {', '.join(POSITIONS)}")
    return _BY_POSITION[position]


def disposal_due(sent_at: datetime, schedule_id: str, table: dict[str, Schedule] | None = None) -> datetime | None:
    """When the schedule allows disposition; None for permanent records."""
    sched = (table or schedules()).get(schedule_id)
    if sched is None:
        raise LedgerError(f"unknown retention schedule {schedule_id!r}")
    return None if sched.days is None else sent_at + timedelta(days=sched.days)
