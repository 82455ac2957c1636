"""The server runs the sweep on its own schedule: the missed review is disabled without anyone
calling `lookout sweep`, owner and supervisor are told in the inbox and by e-mail (a real SMTP
server in-process), and the next runs change nothing.

The app runs its lifespan inside `with TestClient(app)`, exactly as under uvicorn, with
LOOKOUT_SWEEP_SECONDS small and the ledger's FixedClock advanced by the test.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lookout_ledger import jobs
from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.lookouts import LookoutEvent
from lookout_ledger.lookouts import reviews
from lookout_ledger.lookouts.approvals import decide
from lookout_ledger.lookouts.lifecycle_models import LookoutDecision
from lookout_ledger.lookouts.placement import place_lookout
from lookout_ledger.notifications import service
from lookout_ledger.notifications.models import Notification
from lookout_ledger.server import create_app
from support.lifecycle_world import World, build_world

INTERVAL = "0.2"


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def inspected_lookout(world: World) -> str:
    """An approved lookout with an inspection whose review is owed within 7 days."""
    ledger = world.ledger
    with ledger.transaction() as s:
        lid = place_lookout(ledger, s, "alice", world.draft()).id
        decide(ledger, s, "sam", lid, "supervisor", True, "Basis and topics checked against the report.")
    with ledger.transaction() as s:
        world.inspection(s, lid, "P-1", ledger.now(), "I-1")
        reviews.record_inspection(ledger, s, lid, "I-1", ledger.now())
    return lid


def counts(ledger: Ledger, lid: str) -> dict[str, int]:
    with ledger.reading() as s:

        def n(q: object) -> int:
            return int(s.execute(q).scalar_one())  # type: ignore[arg-type]

        return {
            "disabled": n(
                select(func.count())
                .select_from(LookoutEvent)
                .where(LookoutEvent.lookout_id == lid, LookoutEvent.kind == "referral_disabled")
            ),
            "notices": n(select(func.count()).select_from(Notification).where(Notification.kind == "review_missed")),
            "decisions": n(select(func.count()).select_from(LookoutDecision)),
            "sweep_log": n(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "lookout.sweep")),
        }


def test_scheduled_sweep_disables_notifies_by_email_and_is_idempotent(
    ledger: Ledger, clock: FixedClock, smtp: tuple[Sink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink, port = smtp
    world = build_world(ledger)
    lid = inspected_lookout(world)
    with ledger.transaction() as s:  # addresses after set-up: only the sweep's notices are e-mailed
        service.set_email_address(s, "alice", "alice@eoc.example.gov")
        service.set_email_address(s, "sam", "sam@eoc.example.gov")
    ledger.settings = replace(ledger.settings, smtp_url=f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("LOOKOUT_SWEEP_SECONDS", INTERVAL)

    with TestClient(create_app(ledger), base_url="http://testserver"):
        time.sleep(4 * float(INTERVAL))  # several runs inside the window: nothing is due yet
        assert counts(ledger, lid)["disabled"] == 0 and sink.messages == []
        clock.advance(days=7, seconds=1)
        assert wait_for(lambda: len(sink.messages) >= 2), "the scheduled sweep did not e-mail the notices"
        first = counts(ledger, lid)
        time.sleep(6 * float(INTERVAL))  # more scheduled runs at the same instant
        again = counts(ledger, lid)

    # the owner and both supervisors of the unit (sue has no address: inbox only)
    assert first == {"disabled": 1, "notices": 3, "decisions": first["decisions"], "sweep_log": 1}
    assert again == first, "a second run changed something"
    assert sorted(r for rcpts, _ in sink.messages for r in rcpts) == ["alice@eoc.example.gov", "sam@eoc.example.gov"]
    for _, content in sink.messages:
        msg = message_from_bytes(content)
        assert msg["X-Lookout-Id"] == lid
        assert "referral disabled" in msg["Subject"]
        assert "LC-POST-INSPECTION-REVIEW" in msg.get_payload()
    with ledger.reading() as s:
        for user in ("alice", "sam"):
            (notice,) = [n for n in service.inbox(s, user) if n.kind == "review_missed"]
            assert notice.email_state == "sent" and notice.lookout_id == lid


def test_the_schedule_survives_a_failed_run(
    sqlite_ledger: Ledger, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schedule's loop with an injected sleep: no wall clock, every wait accounted for."""
    ledger = sqlite_ledger
    lid = inspected_lookout(build_world(ledger))
    real = jobs.run_sweep
    calls: list[int] = []

    def flaky(ledger: Ledger, session: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away for a moment")
        return real(ledger, session)  # type: ignore[arg-type]

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) > 3:
            raise asyncio.CancelledError  # the server stopping

    monkeypatch.setattr(jobs, "run_sweep", flaky)
    clock.advance(days=8)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(jobs.sweep_forever(ledger, 300.0, sleep=sleep))
    assert waits == [300.0] * 4 and len(calls) == 3  # the failed run did not stop the next ones
    assert counts(ledger, lid)["disabled"] == 1


def test_no_schedule_when_the_interval_is_zero(
    sqlite_ledger: Ledger, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lookout_ledger import server

    started: list[float] = []

    async def never(ledger: Ledger, interval: float) -> None:
        started.append(interval)

    monkeypatch.setattr(server, "sweep_forever", never)
    monkeypatch.setenv("LOOKOUT_SWEEP_SECONDS", "0")
    with TestClient(create_app(sqlite_ledger), base_url="http://testserver"):
        pass
    assert started == []  # the lifespan started no schedule
    monkeypatch.setenv("LOOKOUT_SWEEP_SECONDS", "60")
    with TestClient(create_app(sqlite_ledger), base_url="http://testserver"):
        pass
    assert started == [60.0]


def test_the_schedule_signs_a_checkpoint_once_a_day(ledger: Ledger, clock: FixedClock) -> None:
    from lookout_ledger.core import checkpoints, integrity

    jobs.sweep_once(ledger)
    with ledger.reading() as s:
        first = checkpoints.latest_checkpoint(s)
    assert first is not None and first.by == "sweep"
    clock.advance(hours=23)
    jobs.sweep_once(ledger)
    with ledger.reading() as s:
        again = checkpoints.latest_checkpoint(s)
    assert again is not None and (again.size, again.root) == (first.size, first.root)  # not due yet
    clock.advance(hours=2)
    jobs.sweep_once(ledger)
    with ledger.reading() as s:
        second = checkpoints.latest_checkpoint(s)
    assert second is not None and second.size > first.size
    report = integrity.verify_ledger(ledger, [("first", first.note), ("second", second.note)])
    assert report.ok and all(c.ok for c in report.checkpoints)


def test_a_lost_signing_key_stops_the_checkpoint_not_the_sweep(
    ledger: Ledger, clock: FixedClock, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lookout_ledger.core import checkpoints

    key = tmp_path / "signing.key"
    monkeypatch.setenv("LOOKOUT_SIGNING_KEY_FILE", str(key))
    assert jobs.checkpoint_once(ledger) is not None
    key.unlink()
    clock.advance(days=2)
    assert jobs.checkpoint_once(ledger) is None  # refused: the log has published checkpoints
    assert not key.exists()  # and no new key was made for it
    jobs.sweep_once(ledger)  # the controls still run
    with ledger.reading() as s:
        assert len(s.execute(select(checkpoints.Checkpoint)).all()) == 1
