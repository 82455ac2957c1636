"""The inbox: notices written in the use case's transaction, read and acknowledged by users.

The review found a lookout owner who learned he owned lookouts only when officers called
him about to interview the person. A notice is therefore written in the same transaction
as the decision it reports (no decision without its notice), and e-mail is sent afterwards
by `mailer.deliver_pending`, so a mail server being down never blocks or undoes a decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import User
from lookout_ledger.core.errors import LedgerError, NotFound
from lookout_ledger.core.ids import new_id
from lookout_ledger.notifications.models import EmailAddress, Notification


@dataclass(frozen=True)
class Notice:
    kind: str
    subject: str
    body: str
    lookout_id: str | None = None


def notify(session: Session, recipients: Iterable[str], notice: Notice, at: datetime) -> list[Notification]:
    """One inbox row per distinct recipient; e-mail is queued when the user has an address."""
    out = []
    addressed = set(
        session.execute(select(EmailAddress.username).where(EmailAddress.username.in_(set(recipients)))).scalars()
    )
    for username in dict.fromkeys(recipients):
        n = Notification(
            id=new_id("nt"),
            recipient=username,
            at=at,
            kind=notice.kind,
            subject=notice.subject,
            body=notice.body,
            lookout_id=notice.lookout_id,
            email_state="pending" if username in addressed else "no_address",
        )
        session.add(n)
        out.append(n)
    session.flush()
    return out


def inbox(session: Session, username: str, unread_only: bool = False, limit: int = 200) -> list[Notification]:
    q = select(Notification).where(Notification.recipient == username)
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    return list(session.execute(q.order_by(Notification.at.desc(), Notification.id).limit(limit)).scalars())


def unread_count(session: Session, username: str) -> int:
    q = select(func.count()).where(Notification.recipient == username, Notification.read_at.is_(None))
    return int(session.execute(q).scalar_one())


def mark_read(session: Session, username: str, notification_id: str, at: datetime) -> Notification:
    n = session.get(Notification, notification_id)
    if n is None or n.recipient != username:
        raise NotFound(f"no notice {notification_id!r} in {username}'s inbox")
    if n.read_at is None:
        n.read_at = at
    return n


def mark_all_read(session: Session, username: str, at: datetime) -> int:
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Notification)
            .where(Notification.recipient == username, Notification.read_at.is_(None))
            .values(read_at=at)
            .execution_options(synchronize_session=False)
        ),
    )
    return int(result.rowcount or 0)


def set_email_address(session: Session, username: str, address: str) -> EmailAddress:
    address = address.strip()
    local, _, domain = address.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in address):
        raise LedgerError(f"address: {address!r} is not an e-mail address like name@agency.gov")
    if session.get(User, username) is None:
        raise NotFound(f"no user {username!r}")
    row = session.get(EmailAddress, username)
    if row is None:
        row = EmailAddress(username=username, address=address)
        session.add(row)
    else:
        row.address = address
    session.flush()
    return row
