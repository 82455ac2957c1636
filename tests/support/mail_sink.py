"""An in-process SMTP sink for the disclosure tests: packages really travel over SMTP."""

from __future__ import annotations

import socket
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage, Message

from lookout_ledger.core.ledger import Ledger


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))  # type: ignore[attr-defined]
        return "250 OK"

    def parsed(self) -> list[EmailMessage]:
        return [message_from_bytes(content, policy=policy.default) for _, content in self.messages]  # type: ignore[misc]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_smtp(ledger: Ledger, port: int) -> Ledger:
    ledger.settings = replace(ledger.settings, smtp_url=f"smtp://127.0.0.1:{port}?from=liaison@cbp.example.gov")
    return ledger


def attachment(msg: Message) -> bytes:
    for part in msg.walk():
        if part.get_content_type() == "application/pdf":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError("no PDF attached")
