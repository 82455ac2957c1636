"""Notices reach the inbox in the decision's transaction and e-mail through a real SMTP server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.lookouts.placement import place_lookout
from lookout_ledger.notifications import service
from lookout_ledger.notifications.mailer import deliver_pending
from support.lifecycle_world import build_world


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def test_placement_notifies_supervisor_by_inbox_and_email(sqlite_ledger: Ledger, smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    ledger = sqlite_ledger
    world = build_world(ledger)
    with ledger.transaction() as s:
        service.set_email_address(s, "sam", "sam@eoc.example.gov")
        lid = place_lookout(ledger, s, "alice", world.draft()).id
    with ledger.reading() as s:
        notices = service.inbox(s, "sam")
        assert [n.kind for n in notices] == ["approval_needed"] and notices[0].email_state == "pending"
        assert service.unread_count(s, "sam") == 1
    # no server configured: the notice waits, nothing is lost
    assert deliver_pending(ledger).skipped_no_server == 1
    ledger.settings = replace(ledger.settings, smtp_url=f"smtp://127.0.0.1:{port}")
    report = deliver_pending(ledger)
    assert report.sent == 1 and report.failed == 0
    ((_sender, rcpts, content),) = sink.messages
    msg = message_from_bytes(content)
    assert rcpts == ["sam@eoc.example.gov"] and msg["X-Lookout-Id"] == lid
    assert "needs your approval" in msg["Subject"] and lid in msg.get_payload()
    assert deliver_pending(ledger).sent == 0  # sent once
    with ledger.reading() as s:
        assert service.inbox(s, "sam")[0].email_state == "sent"


def test_unreachable_server_marks_failed_and_retries(sqlite_ledger: Ledger, smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    ledger = sqlite_ledger
    world = build_world(ledger)
    with ledger.transaction() as s:
        service.set_email_address(s, "sam", "sam@eoc.example.gov")
        place_lookout(ledger, s, "alice", world.draft())
    ledger.settings = replace(ledger.settings, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    assert deliver_pending(ledger).failed == 1
    with ledger.reading() as s:
        n = service.inbox(s, "sam")[0]
        assert n.email_state == "failed" and "cannot connect" in (n.email_error or "")
    ledger.settings = replace(ledger.settings, smtp_url=f"smtp://127.0.0.1:{port}")
    assert deliver_pending(ledger).sent == 1 and len(sink.messages) == 1


def test_bad_address_is_refused(sqlite_ledger: Ledger) -> None:
    build_world(sqlite_ledger)
    from lookout_ledger.core.errors import LedgerError

    with sqlite_ledger.transaction() as s, pytest.raises(LedgerError, match="address"):
        service.set_email_address(s, "sam", "not an address")
