"""A second, deliberately plain reading of the spec's metrics and requirement rules over LIF dicts.

It does not touch the database or the audit engine: it reads the records the demo writes and
applies spec/interchange.md line by line. The demo tests compare it with the review's figures
(so the scenario is right whatever the engine does) and with the SQL audit engine (so the
engine and this reading agree on the same data).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from lookout_ledger.core.timefmt import parse_rfc3339

DISABLING = ("referral_disabled", "removed")
SENSITIVE = ("journalist", "attorney", "advocate", "photographer", "clergy")


def t(text: str) -> datetime:
    return parse_rfc3339(text)[0]


def by_type(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        out[r["type"]].append(r)
    return out


def _enabled_at(events: list[dict[str, Any]], moment: datetime) -> bool:
    """Whether a lookout still referred at `moment`: its last disable/enable event before it decides."""
    state = True
    for e in sorted(events, key=lambda e: (t(e["at"]), e["id"])):
        if t(e["at"]) > moment:
            break
        if e["kind"] in DISABLING:
            state = False
        elif e["kind"] == "referral_enabled":
            state = True
    return state


def lookout_metrics(records: list[dict[str, Any]], window_days: int = 7) -> dict[str, int]:
    r = by_type(records)
    window = timedelta(days=window_days)
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in r["lookout_event"]:
        events[e["lookout_id"]].append(e)
    lookouts_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for lk in r["lookout"]:
        lookouts_of[lk["person_id"]].append(lk)
    linked: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i in r["inspection"]:
        if i.get("lookout_ids"):
            linked[i["person_id"]].append(i)
    crossings: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in r["crossing"]:
        crossings[c["person_id"]].append(c)

    removed = active = reentered = 0
    for person, inspections in linked.items():
        first = min(inspections, key=lambda i: (t(i["started_at"]), i["id"]))
        start = t(first["started_at"])
        later = [c for c in crossings[person] if t(c["at"]) > start and c["id"] != first.get("crossing_id")]
        next_at = min((t(c["at"]) for c in later), default=None)

        def disabled_in_time(lookout_id: str, start: datetime = start, next_at: datetime | None = next_at) -> bool:
            return any(
                e["kind"] in DISABLING
                and start < t(e["at"]) <= start + window
                and (next_at is None or t(e["at"]) < next_at)
                for e in events[lookout_id]
            )

        if all(disabled_in_time(lid) for lid in first["lookout_ids"]):
            removed += 1
            continue
        active += 1
        if any(
            t(lk["created_at"]) <= t(c["at"]) and _enabled_at(events[lk["id"]], t(c["at"]))
            for c in later
            for lk in lookouts_of[person]
        ):
            reentered += 1

    counts = [len(v) for v in linked.values()]
    with_lookouts = {lk["person_id"] for lk in r["lookout"]}
    return {
        "total": len(r["lookout"]),
        "non_suspect": sum(lk["status_code"] == "non_suspect" for lk in r["lookout"]),
        "persons_with_lookouts": len(with_lookouts),
        "persons_inspected": len(linked),
        "persons_never_inspected": len(with_lookouts - set(linked)),
        "persons_removed_after_first_referral": removed,
        "persons_active_after_first_referral": active,
        "persons_reentered_while_active": reentered,
        "persons_re_referred": sum(n >= 2 for n in counts),
        "max_referrals_one_person": max(counts, default=0),
        "transferred_without_notice": len(
            {e["lookout_id"] for e in r["lookout_event"] if e["kind"] == "transferred" and e.get("notice") is not True}
        ),
    }


def disclosure_metrics(records: list[dict[str, Any]]) -> dict[str, int]:
    r = by_type(records)
    us = {p["id"] for p in r["person"] if p["us_person"]}
    named = {pid for d in r["disclosure"] for pid in d["person_ids"]}
    deny = {pid for d in r["disclosure"] if d.get("requested_action") == "deny_entry" for pid in d["person_ids"]}
    return {
        "total": len(r["disclosure"]),
        "us_persons_disclosed": len(named & us),
        "us_persons_in_deny_entry_requests": len(deny & us),
    }


def _tri(value: bool | None) -> str:
    return {True: "compliant", False: "non_compliant", None: "unknown"}[value]


def requirements(disclosure: dict[str, Any], unit: dict[str, Any]) -> dict[str, str]:
    """Appendix C's six cells for one disclosure, per the spec's table."""
    channel = disclosure["channel"]
    if not unit.get("restrict_disclosure_channels", False):
        channel_cell = "not_applicable"
    elif channel in ("in_person", "phone") or (
        channel == "official_email" and disclosure.get("recipient_address_official") is True
    ):
        channel_cell = "compliant"
    elif channel == "unknown" or (channel == "official_email" and disclosure.get("recipient_address_official") is None):
        channel_cell = "unknown"
    else:
        channel_cell = "non_compliant"
    if not disclosure["spii"] or channel in ("in_person", "phone"):
        encryption = "not_applicable"
    elif channel == "whatsapp":
        encryption = "compliant"
    else:
        encryption = _tri(disclosure.get("encrypted"))
    reason = (disclosure.get("law_enforcement_reason") or "").strip()
    return {
        "advisement": _tri(disclosure.get("confidentiality_advisement")),
        "marking": _tri(disclosure.get("sensitivity_marking")),
        "channel": channel_cell,
        "encryption": encryption,
        "record": "compliant" if disclosure["recorded"] and reason else "non_compliant",
        "retention": "not_applicable" if channel in ("in_person", "phone") else _tri(disclosure.get("retained")),
    }


def requirement_matrix(records: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    r = by_type(records)
    units = {u["id"]: u for u in r["unit"]}
    return {d["id"]: requirements(d, units[d["unit_id"]]) for d in r["disclosure"]}


def purpose_not_pursued(records: list[dict[str, Any]]) -> set[str]:
    """Inspection ids for IN-PURPOSE-NOT-PURSUED: documented, lookout-linked, no sought topic asked."""
    r = by_type(records)
    sought = {lk["id"]: {s.strip().casefold() for s in lk.get("information_sought") or []} for lk in r["lookout"]}
    out = set()
    for i in r["inspection"]:
        if not i.get("lookout_ids") or not i["documented"]:
            continue
        with_topics = [sought[lid] for lid in i["lookout_ids"] if sought[lid]]
        if not with_topics:
            continue
        asked = {a.strip().casefold() for a in i.get("topics_asked") or []}
        if not any(asked & s for s in with_topics):
            out.add(i["id"])
    return out


def sensitive_lookouts(records: list[dict[str, Any]]) -> set[str]:
    r = by_type(records)
    occupation = {p["id"]: p.get("occupation") for p in r["person"]}
    return {lk["id"] for lk in r["lookout"] if occupation[lk["person_id"]] in SENSITIVE}
