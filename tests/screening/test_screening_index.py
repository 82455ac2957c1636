"""The screening index stays current through the change feed and the passing of time, without
rebuilding, and rebuilds only after a bulk write."""

from __future__ import annotations

import io
from datetime import timedelta

import orjson
import pytest
from sqlalchemy import func, select

from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.lookouts import Lookout
from lookout_ledger.interchange.importer import import_lif
from lookout_ledger.lookouts.lifecycle_models import LookoutApproval, LookoutControl
from lookout_ledger.people.models import Person
from lookout_ledger.screening import service
from lookout_ledger.screening.changes import ScreeningChange
from lookout_ledger.screening.matcher import Presented
from support.screening_world import add_person, adopt, imported_lookout, screening_world

MX = {"id": "t", "given_name": "José María", "family_name": "García", "date_of_birth": "1980-03-07"}
RUIZ = {"id": "r", "given_name": "Tomás", "family_name": "Ruiz Prieto", "date_of_birth": "1985-05-05"}


@pytest.fixture(autouse=True)
def _fresh_indexes() -> None:
    service.forget_indexes()


def _refers(ledger: Ledger, who: dict[str, str]) -> bool:
    return service.screen_traveler(ledger, "pat", Presented.from_dict(who), "San Ysidro").refer


def _index(ledger: Ledger):  # type: ignore[no-untyped-def]
    with ledger.reading() as s:
        return service.index_for(ledger, s, ledger.now())


def test_every_orm_write_that_bears_on_referral_enters_the_feed(ledger: Ledger) -> None:
    screening_world(ledger)
    with ledger.reading() as s:
        before = s.execute(select(func.max(ScreeningChange.seq))).scalar_one()
    with ledger.transaction() as s:
        s.get(Person, "P-NO").occupation = "journalist"
        s.get(Lookout, "LK-UN").basis = "rewritten"
    with ledger.transaction() as s:
        s.get(Person, "P-MX")  # read, not changed: nothing to record
    with ledger.reading() as s:
        rows = s.execute(
            select(ScreeningChange.person_id, ScreeningChange.lookout_id).where(ScreeningChange.seq > before)
        ).all()
    assert sorted(rows, key=str) == sorted([("P-NO", None), ("P-UN", "LK-UN")], key=str)


def test_a_person_edit_reaches_the_same_index_without_a_rebuild(ledger: Ledger, clock: FixedClock) -> None:
    screening_world(ledger)
    assert _refers(ledger, MX)
    index = _index(ledger)
    with ledger.transaction() as s:
        p = s.get(Person, "P-MX")
        p.date_of_birth_enc = ledger.keyring.encrypt("1981-01-01", "person.date_of_birth", "P-MX")
    clock.advance(seconds=2)
    assert not _refers(ledger, MX)
    assert _refers(ledger, {**MX, "date_of_birth": "1981-01-01"})
    assert _index(ledger) is index


def test_expiry_is_checked_when_screening(ledger: Ledger, clock: FixedClock) -> None:
    screening_world(ledger)
    now = ledger.now()
    with ledger.transaction() as s:
        s.get(LookoutControl, "LK-MX").expires_at = now + timedelta(hours=1)
    clock.advance(seconds=2)
    assert _refers(ledger, MX)
    index = _index(ledger)
    assert index.subjects["P-MX"].lookouts[0].expires is not None
    clock.advance(hours=2)
    assert not _refers(ledger, MX)
    assert _index(ledger) is index  # expiry needs no reload: it is checked per screening


def test_a_lookout_that_becomes_active_later_is_picked_up_when_its_time_comes(
    ledger: Ledger, clock: FixedClock
) -> None:
    screening_world(ledger)
    now = ledger.now()
    with ledger.transaction() as s:
        add_person(ledger, s, "P-NEW", "Tomás", "Ruiz Prieto", "1985-05-05")
        imported_lookout(s, "LK-NEW", "P-NEW", now)
        s.get(LookoutApproval, "ap-LK-NEW").decided_at = now + timedelta(hours=1)  # approved only from then on
    clock.advance(seconds=2)
    assert not _refers(ledger, RUIZ)
    index = _index(ledger)
    clock.advance(hours=2)
    with ledger.reading() as s:
        seq = s.execute(select(func.max(ScreeningChange.seq))).scalar_one()
    assert index.seq == seq  # no write since: only the clock moved
    assert _refers(ledger, RUIZ)
    assert _index(ledger) is index


def _import_ruiz(ledger: Ledger) -> None:
    now = ledger.now()
    lines = [
        {"type": "header", "format": "lif", "version": 1, "source": "test", "exported_at": now.isoformat()},
        {
            "type": "person",
            "id": "P-LIF",
            "given_name": "Tomás",
            "family_name": "Ruiz Prieto",
            "date_of_birth": "1985-05-05",
            "us_person": False,
        },
        {
            "type": "lookout",
            "id": "LK-LIF",
            "person_id": "P-LIF",
            "owner_id": "O-ALICE",
            "created_at": (now - timedelta(days=3)).isoformat(),
            "status_code": "suspect",
            "action": "refer_secondary",
            "approved_by": "O-SAM",
            "approved_at": (now - timedelta(days=2)).isoformat(),
        },
    ]
    import_lif(ledger, io.BytesIO(b"\n".join(orjson.dumps(x) for x in lines)), actor="alice")
    assert not _refers(ledger, RUIZ)  # imported: history, not authority, until adopted
    with ledger.transaction() as s:
        adopt(s, "LK-LIF", now)


def test_a_small_import_enters_the_feed_record_by_record(ledger: Ledger, clock: FixedClock) -> None:
    screening_world(ledger)
    assert not _refers(ledger, RUIZ)
    index = _index(ledger)
    _import_ruiz(ledger)
    clock.advance(seconds=2)
    assert _refers(ledger, RUIZ)
    assert _index(ledger) is index  # reloaded the imported persons only


def test_a_large_import_makes_every_index_rebuild(
    ledger: Ledger, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lookout_ledger.screening import changes

    monkeypatch.setattr(changes, "IMPORT_FEED_LIMIT", 1)
    screening_world(ledger)
    assert not _refers(ledger, RUIZ)
    index = _index(ledger)
    _import_ruiz(ledger)
    clock.advance(seconds=2)
    assert _refers(ledger, RUIZ)
    assert _index(ledger) is not index


def test_setting_the_clock_back_rebuilds_for_that_time(ledger: Ledger, clock: FixedClock) -> None:
    screening_world(ledger)
    assert _refers(ledger, MX)
    clock.advance(days=-30)  # before LK-MX was placed
    assert not _refers(ledger, MX)


def test_two_processes_indexes_each_follow_the_feed(ledger: Ledger, clock: FixedClock) -> None:
    """Two server processes hold two indexes; each catches up on its own from the shared feed."""
    from lookout_ledger.screening.index import ScreeningIndex

    screening_world(ledger)
    with ledger.reading() as s:
        first = ScreeningIndex.build(s, ledger.keyring, ledger.policy, ledger.now())
        second = ScreeningIndex.build(s, ledger.keyring, ledger.policy, ledger.now())
    with ledger.transaction() as s:
        add_person(ledger, s, "P-NEW", "Tomás", "Ruiz Prieto", "1985-05-05")
        imported_lookout(s, "LK-NEW", "P-NEW", ledger.now())
    clock.advance(seconds=1)
    with ledger.reading() as s:
        assert "P-NEW" in first.catch_up(s, ledger.now())
    clock.advance(seconds=1)
    with ledger.reading() as s:
        assert "P-NEW" in second.catch_up(s, ledger.now())
        assert first.catch_up(s, ledger.now()) == set()  # nothing new for the first
    assert "P-NEW" in first.subjects and "P-NEW" in second.subjects and first.seq == second.seq


def test_a_rolled_back_change_leaves_nothing_in_the_feed(ledger: Ledger) -> None:
    screening_world(ledger)
    with ledger.reading() as s:
        before = s.execute(select(func.max(ScreeningChange.seq))).scalar_one()
    with pytest.raises(RuntimeError), ledger.transaction() as s:
        s.get(Person, "P-NO").occupation = "journalist"
        s.flush()
        raise RuntimeError("the use case failed after its first flush")
    with ledger.transaction() as s:
        s.get(Lookout, "LK-UN").basis = "rewritten"
    with ledger.reading() as s:
        rows = s.execute(
            select(ScreeningChange.person_id, ScreeningChange.lookout_id).where(ScreeningChange.seq > before)
        ).all()
    assert rows == [("P-UN", "LK-UN")]
