"""Classification, 44 U.S.C. 2911 reminders, legal holds and disposition with separation of duties."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from lookout_ledger.core.auditlog import AuditEntry, verify
from lookout_ledger.core.errors import AuthError, Refusal
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import parse_instant
from lookout_ledger.history.communications import Communication
from lookout_ledger.notifications.models import Notification
from lookout_ledger.records import keeping
from lookout_ledger.records.archive_models import RecordMessage, Tombstone
from lookout_ledger.records.ingest import blobs
from lookout_ledger.records.search import search
from lookout_ledger.records.search.aliases import add_alias
from support.chat_exports import ANDROID_ES
from support.factories import Factory
from support.records_world import run_import, world


def _ids(ledger: Ledger) -> dict[int, str]:
    with ledger.reading() as s:
        return dict(s.execute(select(RecordMessage.source_line, RecordMessage.communication_id)).all())


def _at(ledger: Ledger, when: str) -> None:
    ledger.clock.at = parse_instant(when)  # type: ignore[attr-defined]


def test_forward_reminder_once_before_the_deadline(ledger: Ledger) -> None:
    world(ledger)
    run_import(ledger, ANDROID_ES.encode(), "es.txt")
    ids = _ids(ledger)
    _at(ledger, "2019-01-17T00:00:00Z")  # the 3 January message is due on the 23rd: more than 5 days away
    assert keeping.forward_sweep(ledger, "sweeper").reminded == []
    _at(ledger, "2019-01-19T12:00:00Z")
    first = keeping.forward_sweep(ledger, "sweeper")
    assert first.reminded == [ids[1]] and first.overdue == []
    with pytest.raises(Refusal) as before:  # a forwarding claimed before the message was sent
        keeping.record_forwarded(ledger, ids[2], datetime(2018, 12, 1, tzinfo=UTC), "whitlock")
    assert before.value.rule == "SYS-CLAIMED-TIME"
    _at(ledger, "2019-01-21T00:00:00Z")
    keeping.record_forwarded(ledger, ids[2], datetime(2019, 1, 20, 18, tzinfo=UTC), "whitlock")
    _at(ledger, "2019-02-20T00:00:00Z")
    later = keeping.forward_sweep(ledger, "sweeper")
    assert sorted(later.reminded) == sorted([ids[3], ids[4]])  # line 1 was reminded already; line 2 forwarded
    assert sorted(later.overdue) == sorted([ids[1], ids[3], ids[4]])
    with ledger.reading() as s:
        notes = s.execute(select(Notification).where(Notification.recipient == "whitlock")).scalars().all()
        forwarded = s.get(Communication, ids[2])
    assert len(notes) == 2 and all("44 U.S.C. 2911" in n.body for n in notes)
    # recorded when the ledger learnt of it, not at the earlier time claimed (which the log keeps)
    assert forwarded is not None and forwarded.forwarded_to_official_at == datetime(2019, 1, 21, tzinfo=UTC)


def test_classification_needs_a_records_officer_and_a_reason(ledger: Ledger) -> None:
    world(ledger)
    run_import(ledger, ANDROID_ES.encode(), "es.txt")
    cid = _ids(ledger)[1]
    with pytest.raises(AuthError):
        keeping.classify(ledger, cid, "transitory", "scheduling chatter only", "whitlock")
    meta = keeping.classify(ledger, cid, "transitory", "scheduling chatter only", "recorder")
    assert (meta.classification, meta.schedule) == ("transitory", "grs5.2-010")


def _two_transitory(ledger: Ledger) -> dict[int, str]:
    world(ledger)
    run_import(ledger, ANDROID_ES.encode(), "es.txt")
    ids = _ids(ledger)
    for line in (1, 2):
        keeping.classify(ledger, ids[line], "transitory", "confirmation of a meeting time", "recorder")
    return ids


def test_disposition_waits_for_the_schedule_and_needs_another_officer(ledger: Ledger) -> None:
    ids = _two_transitory(ledger)
    _at(ledger, "2019-05-01T00:00:00Z")
    with pytest.raises(Refusal, match=r"schedule grs5\.2-010 runs until"):
        keeping.propose_disposition(ledger, "recorder", [ids[1]])
    _at(ledger, "2019-08-01T00:00:00Z")
    d = keeping.propose_disposition(ledger, "recorder")
    assert d.communication_ids == [ids[1], ids[2]]
    with pytest.raises(Refusal) as err:
        keeping.approve_disposition(ledger, d.id, "recorder")
    assert err.value.rule == "RC-SEPARATION-OF-DUTIES"
    with pytest.raises(AuthError):
        keeping.approve_disposition(ledger, d.id, "whitlock")
    stones = keeping.approve_disposition(ledger, d.id, "recorder2")
    assert sorted(s.communication_id for s in stones) == sorted([ids[1], ids[2]])
    with ledger.reading() as s:
        assert s.get(Communication, ids[1]) is None and s.get(Communication, ids[3]) is not None
        stone = s.get(Tombstone, ids[1])
        assert stone is not None and stone.approved_by == "recorder2" and len(stone.content_digest) == 64
        assert s.execute(select(AuditEntry).where(AuditEntry.action == "records.dispose")).scalar_one()
        assert verify(s, ledger.keyring).ok
        assert search(s, ledger.keyring, "confirma").total == 0
        # The original export still holds messages that were not disposed of, so it is kept.
        assert s.execute(select(func.count()).select_from(blobs.RecordBlob)).scalar_one() == 1


@pytest.mark.parametrize("kind", ["person", "case", "range"])
def test_holds_stop_disposition(ledger: Ledger, kind: str) -> None:
    ids = _two_transitory(ledger)
    with ledger.transaction() as s:
        pid = Factory(s, ledger.keyring).person("P-R", given_name="Lucía", family_name="Ramírez")
        add_alias(s, ledger.keyring, pid, "chat_name", "Lic. Ramírez", "recorder", ledger.now())
    args = {
        "person": {"person_id": "P-R"},
        "case": {"case_label": None},
        "range": {"date_from": datetime(2019, 1, 3, tzinfo=UTC), "date_to": datetime(2019, 1, 4, 12, tzinfo=UTC)},
    }[kind]
    if kind == "case":
        with ledger.transaction() as s:
            s.get(RecordMessage, ids[1]).case_label = "OIG-21-62"  # type: ignore[union-attr]
        args = {"case_label": "OIG-21-62"}
    hold = keeping.place_hold(ledger, "recorder", "litigation hold: OIG review of caravan lookouts", **args)
    _at(ledger, "2019-08-01T00:00:00Z")
    d = keeping.propose_disposition(ledger, "recorder")
    assert ids[1] not in d.communication_ids  # the held message is not even proposed
    with pytest.raises(Refusal, match="under legal hold"):
        keeping.propose_disposition(ledger, "recorder", [ids[1]])
    keeping.release_hold(ledger, hold.id, "recorder2")
    d2 = keeping.propose_disposition(ledger, "recorder", [ids[1]])
    assert keeping.approve_disposition(ledger, d2.id, "recorder2")


def test_hold_placed_after_proposal_blocks_approval(ledger: Ledger) -> None:
    ids = _two_transitory(ledger)
    _at(ledger, "2019-08-01T00:00:00Z")
    d = keeping.propose_disposition(ledger, "recorder")
    keeping.place_hold(
        ledger, "recorder2", "records request pending for this period", date_from=datetime(2019, 1, 1, tzinfo=UTC)
    )
    with pytest.raises(Refusal, match="under legal hold"):
        keeping.approve_disposition(ledger, d.id, "recorder2")
    with ledger.reading() as s:
        assert s.get(Communication, ids[1]) is not None
