"""E-mail delivery of queued notices through the SMTP server named by LOOKOUT_SMTP_URL.

`smtp://[user:password@]host[:port][?starttls=1]` or `smtps://...`. Delivery runs after the
decision's transaction commits; each notice's state (sent, failed with the error) is kept,
and failed ones are retried on the next delivery, so a notice is never silently dropped.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlparse

from sqlalchemy import select

from lookout_ledger.core.errors import ConfigError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.notifications.models import EmailAddress, Notification

SENDER = "lookout-ledger@localhost"
MAX_ATTEMPT_BATCH = 500


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    ssl: bool
    starttls: bool
    username: str | None
    password: str | None
    sender: str


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlparse(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(f"LOOKOUT_SMTP_URL: expected smtp://host:port or smtps://host:port, got {url!r}")
    query = parse_qs(parts.query)
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        ssl=parts.scheme == "smtps",
        starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=query.get("from", [SENDER])[0],
    )


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    skipped_no_server: int = 0


def _message(target: SmtpTarget, to: str, n: Notification) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = target.sender
    msg["To"] = to
    msg["Subject"] = f"[Lookout Ledger] {n.subject}"
    msg["X-Lookout-Notice"] = n.id
    if n.lookout_id:
        msg["X-Lookout-Id"] = n.lookout_id
    msg.set_content(n.body)
    return msg


def deliver_pending(ledger: Ledger, at: datetime | None = None) -> DeliveryReport:
    """Send every pending (or previously failed) notice that has an address."""
    report = DeliveryReport()
    url = ledger.settings.smtp_url
    with ledger.reading() as s:
        rows = s.execute(
            select(Notification.id, EmailAddress.address)
            .join(EmailAddress, EmailAddress.username == Notification.recipient)
            .where(Notification.email_state.in_(("pending", "failed")))
            .order_by(Notification.at, Notification.id)
            .limit(MAX_ATTEMPT_BATCH)
        ).all()
    if not rows:
        return report
    if not url:
        report.skipped_no_server = len(rows)
        return report
    target = parse_smtp_url(url)
    at = at or ledger.now()
    outcomes: dict[str, str | None] = {}
    try:
        client: smtplib.SMTP = (
            smtplib.SMTP_SSL(target.host, target.port, timeout=10, context=ssl.create_default_context())
            if target.ssl
            else smtplib.SMTP(target.host, target.port, timeout=10)
        )
    except OSError as exc:
        outcomes = {nid: f"cannot connect to {target.host}:{target.port}: {exc}" for nid, _ in rows}
    else:
        with client:
            if target.starttls:
                client.starttls(context=ssl.create_default_context())
            if target.username:
                client.login(target.username, target.password or "")
            with ledger.reading() as s:
                for nid, address in rows:
                    n = s.get(Notification, nid)
                    if n is None:
                        continue
                    try:
                        client.send_message(_message(target, address, n))
                        outcomes[nid] = None
                    except smtplib.SMTPException as exc:
                        outcomes[nid] = str(exc)
    with ledger.transaction() as s:
        for nid, error in outcomes.items():
            n = s.get(Notification, nid)
            if n is None:
                continue
            if error is None:
                n.email_state, n.emailed_at, n.email_error = "sent", at, None
                report.sent += 1
            else:
                n.email_state, n.email_error = "failed", error[:1000]
                report.failed += 1
    return report
