"""Screening against the database: who refers, what is logged, the batch contract, freshness."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.config import Settings
from lookout_ledger.core.errors import AuthError, LedgerError
from lookout_ledger.core.header import DatabaseKind, LedgerHeader
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.crossings import Crossing, CrossingLookout
from lookout_ledger.history.lookouts import LookoutEvent
from lookout_ledger.notifications.models import Notification
from lookout_ledger.screening import service
from lookout_ledger.screening.log_models import Screening
from lookout_ledger.screening.matcher import Presented
from support.cli_support import invoke_as, make_simulation
from support.screening_world import add_person, imported_lookout, screening_world

MX = {
    "id": "t1",
    "given_name": "JOSE MARIA",
    "family_name": "Garcia",
    "date_of_birth": "1980-07-03",
    "nationality": "MX",
    "documents": [],
}


@pytest.fixture(autouse=True)
def _fresh_indexes() -> None:
    service.forget_indexes()


def test_live_screening_refers_logs_hashes_and_records_the_crossing(ledger: Ledger) -> None:
    screening_world(ledger)
    result = service.screen_traveler(ledger, "pat", Presented.from_dict(MX), "San Ysidro")
    assert result.refer and [m.lookout.lookout_id for m in result.matches] == ["LK-MX"]
    m = result.matches[0]
    assert "day and month swapped" in m.explanation and "omitted" in m.explanation
    with ledger.reading() as s:
        row = s.get(Screening, result.screening_id)
        assert row.referred and row.port == "San Ysidro" and row.policy_version == ledger.policy.version
        assert row.matches[0]["lookout_id"] == "LK-MX"
        # keyed hashes only: no name, date or number in the log
        blob = orjson.dumps({c.name: getattr(row, c.name) for c in Screening.__table__.columns if c.name != "at"})
        for secret in (b"JOSE", b"Garcia", b"1980"):
            assert secret not in blob
        crossing = s.get(Crossing, row.crossing_id)
        assert crossing.person_id == "P-MX" and crossing.referred_secondary
        assert s.execute(select(CrossingLookout.lookout_id)).scalars().all() == ["LK-MX"]


def test_only_approved_referring_lookouts_refer_and_notify_only_tells_the_owner(ledger: Ledger) -> None:
    screening_world(ledger)
    unapproved = {"id": "u", "given_name": "Ramon", "family_name": "Castillo Medina", "date_of_birth": "1990-01-02"}
    assert not service.screen_traveler(ledger, "pat", Presented.from_dict(unapproved), "Otay Mesa").refer
    notify_only = {"id": "n", "given_name": "Lucia", "family_name": "Dominguez", "date_of_birth": "1975-11-20"}
    result = service.screen_traveler(ledger, "pat", Presented.from_dict(notify_only), "Otay Mesa")
    assert not result.refer and [m.lookout.lookout_id for m in result.notified] == ["LK-NO"]
    with ledger.reading() as s:
        kinds = s.execute(select(Notification.kind).where(Notification.recipient == "alice")).scalars().all()
        assert kinds == ["lookout_encounter"]
        assert s.execute(select(Crossing)).first() is None


def test_document_number_alone_refers(ledger: Ledger) -> None:
    screening_world(ledger)
    doc = {
        "id": "d",
        "given_name": "Pepe",
        "family_name": "Nadie",
        "documents": [{"kind": "passport", "number": "g 123-4567", "country": "MX"}],
    }
    result = service.screen_traveler(ledger, "pat", Presented.from_dict(doc), "Calexico")
    assert result.refer and "passport number matches exactly" in result.matches[0].explanation


def test_only_port_officers_screen(ledger: Ledger) -> None:
    screening_world(ledger)
    with pytest.raises(AuthError):
        service.screen_traveler(ledger, "alice", Presented.from_dict(MX), "San Ysidro")


def test_a_lookout_change_is_seen_after_the_refresh_interval(ledger: Ledger, clock: FixedClock) -> None:
    """The index is updated incrementally: removing the lookout stops referrals without a rebuild."""
    screening_world(ledger)
    assert service.screen_traveler(ledger, "pat", Presented.from_dict(MX), "San Ysidro").refer
    with ledger.reading() as s:
        index = service.index_for(ledger, s, ledger.now())
    with ledger.transaction() as s:
        s.add(
            LookoutEvent(
                id="ev-rm",
                lookout_id="LK-MX",
                at=ledger.now(),
                at_offset=0,
                kind="removed",
                actor_id="O-ALICE",
                reason="no longer sought",
            )
        )
        add_person(ledger, s, "P-NEW", "Tomás", "Ruiz Prieto", "1985-05-05")
        imported_lookout(s, "LK-NEW", "P-NEW", ledger.now())
    clock.advance(seconds=2)
    with ledger.reading() as s:
        changed = index.catch_up(s, ledger.now())
    assert changed == {"P-MX", "P-NEW"}
    assert "P-MX" not in index.subjects and "P-NEW" in index.subjects


def test_batch_validates_every_line_before_screening(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="line 2: field 'date_of_birth'"):
        service.parse_batch([orjson.dumps(MX), b'{"id": "x", "given_name": "A", "date_of_birth": "1980-13-01"}'])
    with pytest.raises(LedgerError, match="line 1: not JSON"):
        service.parse_batch([b"{oops"])


def test_batch_cli_contract(tmp_path: Path) -> None:
    """`lookout screen --batch FILE --now T --format json`: one line out per line in, in order."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    ledger = Ledger.open(Settings.from_env(url), clock=FixedClock("2019-01-01T00:00:00Z"))
    make_simulation(url)  # the history is written at 2019 dates ...
    screening_world(ledger)
    with ledger.transaction() as s:  # ... and then held in a system of record
        s.get(LedgerHeader, 1).kind = str(DatabaseKind.RECORD)
    lines = [MX, {**MX, "id": "t2", "given_name": "Ana"}, {**MX, "id": "t3", "date_of_birth": "1981-03-07"}]
    batch = tmp_path / "in.jsonl"
    batch.write_bytes(b"\n".join(orjson.dumps(x) for x in lines) + b"\n")
    args = ["screen", "--batch", str(batch), "--now", "2019-01-01T00:00:00Z", "--format", "json"]
    assert "SYS-AUTHENTICATED" in str(invoke_as(CliRunner(), None, args, url=url).exception)
    assert "needs the role port_officer or auditor" in str(invoke_as(CliRunner(), "alice", args, url=url).exception)
    result = invoke_as(CliRunner(), "pat", args, url=url)
    assert result.exit_code == 0, result.output
    out = [orjson.loads(x) for x in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["t1", "t2", "t3"]
    assert [o["refer"] for o in out] == [True, False, False]
    assert set(out[0]["matches"][0]) == {"lookout_id", "person_id", "score", "explanation"}
    assert out[0]["matches"][0]["person_id"] == "P-MX"
    # before the lookout existed, nobody is referred
    early = invoke_as(CliRunner(), "pat", [*args[:3], "--now", "2018-12-01T00:00:00Z", "--format", "json"], url=url)
    assert [orjson.loads(x)["refer"] for x in early.stdout.splitlines()] == [False, False, False]
    unlogged = invoke_as(CliRunner(), "pat", [*args, "--no-log"], url=url)
    assert "SYS-SCREENING-LOGGED" in str(unlogged.exception)
    with ledger.reading() as s:
        logged = s.execute(select(Screening.at)).scalars().all()
    assert len(logged) == 6  # every screening of both batches, none of the refused one
    assert all(at.year >= 2026 for at in logged)  # recorded at the system's time, not at --now
