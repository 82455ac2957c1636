"""Screening a traveler at the port: the use cases behind the CLI, the API and the pages.

A live screening records a crossing for every matched person whose lookout refers (with
the lookouts that matched, as LIF `crossing_lookouts`), tells the owners of matched
`notify_owner` lookouts when the policy says so, and logs the screening with keyed hashes
of what was presented, the policy version and the explanation the officer saw. A batch
(quality checks, other tools) logs each line the same way but records no crossings: nobody
stood at a port.

Each process keeps one index per database and policy, built on first use and caught up with
the change feed (`screening.changes`) at most `screening_refresh_seconds` after a change, so
several server processes each stay current without coordination and without a rebuild.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role, require_active_role
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.crypto import normalise_document, normalise_name
from lookout_ledger.core.db import table_of
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.ids import new_id
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.crossings import Crossing, CrossingLookout
from lookout_ledger.lookouts.common import users_of_official
from lookout_ledger.notifications.service import Notice, notify
from lookout_ledger.screening.index import RebuildNeeded, ScreeningIndex
from lookout_ledger.screening.log_models import Screening
from lookout_ledger.screening.matcher import (
    DEFAULT_MIN_SCORE,
    Match,
    Presented,
    match,
    notifying_matches,
    referring_matches,
)

log = logging.getLogger(__name__)
_indexes: dict[tuple[str, str, str], tuple[ScreeningIndex, float]] = {}
# Prepared Core inserts: a live screening answers while the traveler waits.
_INSERT_SCREENING = table_of(Screening).insert()
_INSERT_CROSSING = table_of(Crossing).insert()
_INSERT_CROSSING_LOOKOUT = table_of(CrossingLookout).insert()
_indexes_lock = threading.Lock()


@dataclass(frozen=True)
class ScreeningResult:
    screening_id: str | None
    presented_id: str
    refer: bool
    matches: list[Match]
    notified: list[Match]
    crossing_ids: list[str]

    def as_batch_line(self) -> dict[str, Any]:
        return {"id": self.presented_id, "refer": self.refer, "matches": [m.as_dict() for m in self.matches]}

    def as_dict(self) -> dict[str, Any]:
        return {
            "screening_id": self.screening_id,
            "id": self.presented_id,
            "refer": self.refer,
            "matches": [m.as_dict() for m in self.matches],
            "owners_notified": [m.lookout.lookout_id for m in self.notified],
            "crossing_ids": self.crossing_ids,
        }


def min_score(ledger: Ledger) -> float:
    return int(ledger.policy.param("screening_min_score_percent", round(DEFAULT_MIN_SCORE * 100))) / 100


def index_for(ledger: Ledger, session: Session, at: datetime) -> ScreeningIndex:
    """This process's index for the ledger's database and policy, caught up with the change
    feed at most `screening_refresh_seconds` ago (so a change is visible within that time).
    A bulk write (LIF import, demo reload) or a clock set back means a full rebuild."""
    key = (str(ledger.engine.url), ledger.policy.name, ledger.policy.version)
    interval = float(ledger.policy.param("screening_refresh_seconds", 1))
    with _indexes_lock:
        entry = _indexes.get(key)
        now = time.monotonic()
        if entry is not None:
            index, polled = entry
            assert index.as_of is not None
            if at >= index.as_of and (at - index.as_of).total_seconds() < interval and now - polled < interval:
                return index
            try:
                index.catch_up(session, at)
                _indexes[key] = (index, now)
                return index
            except RebuildNeeded:
                pass
        index = ScreeningIndex.build(session, ledger.keyring, ledger.policy, at)
        _indexes[key] = (index, now)
        # Millions of long-lived objects: without this, every full collection walks them all
        # and a traveler's screening waits behind it (the p99 showed 100+ ms pauses).
        gc.freeze()
        return index


def warm_index(ledger: Ledger) -> None:
    """Build this process's index now (at server start), so the first traveler does not wait."""
    try:
        with ledger.reading() as s:
            index_for(ledger, s, ledger.now())
    except Exception:  # the first screening builds it again and reports the error to the officer
        log.exception("building the screening index at start-up failed")


def forget_indexes() -> None:
    """Drop every cached index (tests, and after a key rotation)."""
    with _indexes_lock:
        _indexes.clear()


def _hashes(ledger: Ledger, p: Presented) -> dict[str, Any]:
    ring = ledger.keyring
    docs = [ring.blind_index(normalise_document(d.number), "document") for d in p.documents]
    name = normalise_name(p.given_name, p.family_name)
    dob = p.date_of_birth.isoformat() if p.date_of_birth else None
    canonical = orjson.dumps(
        {
            "name": name,
            "dob": dob,
            "nationality": p.nationality,
            "documents": sorted(
                [d.kind or "", normalise_document(d.number), (d.country or "").upper()] for d in p.documents
            ),
        },
        option=orjson.OPT_SORT_KEYS,
    ).decode()
    return {
        "identity_hash": ring.blind_index(canonical, "screening.identity"),
        "name_hash": ring.blind_index(name, "name") if name else None,
        "dob_hash": ring.blind_index(dob, "screening.dob") if dob else None,
        "document_hashes": docs,
    }


def _log_row(
    ledger: Ledger,
    *,
    actor: str,
    port: str,
    source: str,
    at: datetime,
    presented: Presented,
    refer: list[Match],
    notified: list[Match],
    crossing_id: str | None,
) -> dict[str, Any]:
    """One screening-log row, for a Core insert (many at once for a batch)."""
    return {
        "id": new_id("sc"),
        "at": at,
        "actor": actor,
        "port": port,
        "source": source,
        "input_id": presented.id,
        "policy_name": ledger.policy.name,
        "policy_version": ledger.policy.version,
        "referred": bool(refer),
        "matches": [{**m.as_dict(), "via": m.via} for m in refer],
        "notified": [m.lookout.lookout_id for m in notified],
        "crossing_id": crossing_id,
        **_hashes(ledger, presented),
    }


def _notify_owners(session: Session, matches: list[Match], port: str, at: datetime) -> None:
    for m in matches:
        notify(
            session,
            users_of_official(session, m.lookout.owner_id),
            Notice(
                "lookout_encounter",
                f"Your lookout {m.lookout.lookout_id} matched a traveler at {port}",
                f"A traveler matched your lookout {m.lookout.lookout_id} (person {m.lookout.person_id}) at {port} "
                f"at {at.isoformat()}: {m.explanation} (score {m.score}). The lookout's action is to notify you; "
                "the traveler was not referred to secondary because of it.",
                m.lookout.lookout_id,
            ),
            at,
        )


def screen_traveler(ledger: Ledger, actor: str, presented: Presented, port: str) -> ScreeningResult:
    """Screen one traveler now, as a port officer: refer or not, and why."""
    at = ledger.now()
    port = " ".join(port.split())
    if not port:
        raise LedgerError("port: name the port of entry")
    with ledger.transaction() as s:
        require_active_role(s, actor, Role.PORT_OFFICER)
        index = index_for(ledger, s, at)
        found = match(index, presented, min_score(ledger), at)
        refer = referring_matches(found)
        notified = notifying_matches(found) if ledger.policy.param("screening_notify_owner", True) else []
        crossing_ids: list[str] = []
        by_person: dict[str, list[Match]] = {}
        for m in refer:
            by_person.setdefault(m.lookout.person_id, []).append(m)
        for person_id, ms in by_person.items():
            cid = new_id("cr")
            conn = s.connection()
            conn.execute(
                _INSERT_CROSSING,
                {"id": cid, "person_id": person_id, "at": at, "at_offset": 0, "port": port, "referred_secondary": True},
            )
            conn.execute(
                _INSERT_CROSSING_LOOKOUT,
                [{"crossing_id": cid, "position": pos, "lookout_id": m.lookout.lookout_id} for pos, m in enumerate(ms)],
            )
            crossing_ids.append(cid)
        _notify_owners(s, notified, port, at)
        row = _log_row(
            ledger,
            actor=actor,
            port=port,
            source="live",
            at=at,
            presented=presented,
            refer=refer,
            notified=notified,
            crossing_id=crossing_ids[0] if crossing_ids else None,
        )
        s.connection().execute(_INSERT_SCREENING, row)
        ledger.audit(
            s,
            actor,
            "screening.screen",
            "screening",
            row["id"],
            {"referred": bool(refer), "lookouts": [m.lookout.lookout_id for m in refer], "port": port},
        )
        return ScreeningResult(row["id"], presented.id, bool(refer), refer, notified, crossing_ids)


def parse_batch(lines: Iterable[bytes | str]) -> list[Presented]:
    """Every line of a JSON Lines batch, validated before anything is screened or logged."""
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise LedgerError(f"line {n}: not JSON ({exc})") from None
        out.append(Presented.from_dict(data, f"line {n}"))
    return out


def screen_batch(
    ledger: Ledger, presented: list[Presented], *, actor: str, port: str = "batch", log: bool = True
) -> list[ScreeningResult]:
    """Screen many identities at `ledger.now()` against one index built for that time; one
    log row per identity, all in one transaction with one audit entry.

    Every screening is logged (SYS-SCREENING-LOGGED): only a simulation may skip the log. In a
    system of record a batch evaluated at a stated time is a what-if, so its log is recorded
    at the system's time and names the time it was evaluated for."""
    at = ledger.now()
    if not log and not ledger.kind.simulated:
        raise refuse(
            "SYS-SCREENING-LOGGED",
            "this is a system of record: every screening is logged",
            "screen with the log, or run the trial in a simulation database (lookout init --simulation)",
        )
    recorder = ledger.recording()
    with ledger.reading() as s:
        require_active_role(s, actor, Role.PORT_OFFICER, Role.AUDITOR)
        index = ScreeningIndex.build(s, ledger.keyring, ledger.policy, at)
    threshold = min_score(ledger)
    refers = [referring_matches(match(index, p, threshold, at)) for p in presented]
    ids: list[str | None] = [None] * len(presented)
    if log:
        with recorder.transaction() as s:
            recorded_at = recorder.now()
            rows = [
                _log_row(
                    ledger,
                    actor=actor,
                    port=port,
                    source="batch",
                    at=recorded_at,
                    presented=p,
                    refer=refer,
                    notified=[],
                    crossing_id=None,
                )
                for p, refer in zip(presented, refers, strict=True)
            ]
            for i in range(0, len(rows), 5000):
                s.connection().execute(_INSERT_SCREENING, rows[i : i + 5000])
            ids = [r["id"] for r in rows]
            recorder.audit(
                s,
                actor,
                "screening.batch",
                "screening",
                None,
                {
                    "count": len(presented),
                    "port": port,
                    "referred": sum(1 for r in refers if r),
                    "evaluated_at": at.isoformat(),
                },
            )
    return [ScreeningResult(sid, p.id, bool(r), r, [], []) for sid, p, r in zip(ids, presented, refers, strict=True)]
