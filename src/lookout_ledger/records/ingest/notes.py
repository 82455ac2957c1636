"""Notes of phone calls and meetings, entered by the official who took part.

FOB Official 2 made a disclosure in person and nobody could later say what the documents
said. Policy requires a decision or commitment made verbally to be documented; a note is
kept as a communication (channel `phone_note` or `meeting_note`, official account) so it is
searched, scheduled, held and requested exactly like a message, and can be linked to the
disclosure it documents.

The time of the call or meeting is the author's claim; the ledger keeps beside it when the note
was recorded. A note may not claim a time before the disclosure it documents, and one recorded
more than NOTE_TIMELY_DAYS after the disclosure documents it only as a late claim: it does not
clear the disclosure from the missing-transmissions list on its own.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import insert

from lookout_ledger.core import usecase
from lookout_ledger.core.auth import Role
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.errors import LedgerError, NotFound
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.communications import Communication, seal_text
from lookout_ledger.history.disclosures import Disclosure
from lookout_ledger.org.models import Official
from lookout_ledger.records.archive_models import RecordMessage
from lookout_ledger.records.keeping import retention
from lookout_ledger.records.search import textnorm
from lookout_ledger.records.search.index import insert_documents

NOTE_KINDS = ("phone_note", "meeting_note")
NOTE_TIMELY_DAYS = 20  # as 44 U.S.C. 2911 gives for copying a personal-account message
MIN_BODY = 20
# Who may enter a note on a page: the officials whose work is calls and meetings with other
# agencies and foreign counterparts (liaison, lookout owners, supervisors, counsel, port
# officers) for themselves, and the records officer for any official. Auditors and
# administrators review and manage; they do not create the records they review.
NOTE_AUTHOR_ROLES = (Role.LIAISON_OFFICER, Role.LOOKOUT_OWNER, Role.SUPERVISOR, Role.COUNSEL, Role.PORT_OFFICER)
NOTE_ROLES = (Role.RECORDS_OFFICER, *NOTE_AUTHOR_ROLES)


def record_note(
    ledger: Ledger,
    actor: str,
    *,
    kind: str,
    author_id: str,
    participants: list[str],
    at: datetime,
    subject: str,
    body: str,
    disclosure_id: str | None = None,
    position: str = "official",
) -> str:
    """Keep a note of a call or meeting; returns the communication id."""
    if kind not in NOTE_KINDS:
        raise LedgerError(f"kind: {kind!r} is not one of {', '.join(NOTE_KINDS)}")
    if not subject.strip():
        raise LedgerError("subject: say what the call or meeting was about")
    if len(body.strip()) < MIN_BODY:
        raise LedgerError(f"body: say what was decided or committed (at least {MIN_BODY} characters)")
    if not participants:
        raise LedgerError("participants: name at least one other participant")
    if at.tzinfo is None:
        raise LedgerError("at: give the time with its offset")
    if at > ledger.now():
        raise LedgerError("at: a note documents a call or meeting that took place; this time is in the future")
    participants = [x.strip() for x in participants if x.strip()]
    if not participants:
        raise LedgerError("participants: name at least one other participant")
    subject = subject.strip()
    with usecase.unit(ledger, usecase.audited_refusal(ledger, actor, "records.note")) as session:
        author = session.get(Official, author_id)
        if author is None:
            raise NotFound(f"author: no official {author_id!r}")
        disclosure = session.get(Disclosure, disclosure_id) if disclosure_id is not None else None
        if disclosure_id is not None and disclosure is None:
            raise NotFound(f"disclosure: no disclosure {disclosure_id!r}")
        if disclosure is not None and at < disclosure.at:
            raise refuse(
                "SYS-CLAIMED-TIME",
                f"the note claims {at.isoformat()}, before disclosure {disclosure_id} took place "
                f"({disclosure.at.isoformat()}); a note cannot document what had not happened yet",
                "give the time of the call or meeting at which the disclosure was made",
                disclosure=disclosure_id,
            )
        cid = "nt-" + hashlib.sha256(f"{author_id}|{at.isoformat()}|{subject}|{body}".encode()).hexdigest()[:28]
        if session.get(Communication, cid) is not None:
            return cid
        offset = at.utcoffset()
        assert offset is not None  # checked above: the time carries its offset
        off = int(offset.total_seconds() // 60)
        session.execute(
            insert(Communication).values(
                id=cid,
                channel=kind,
                account="official",
                sent_at=at,
                sent_at_offset=off,
                sender=author.name,
                recipients=participants,
                **seal_text(ledger.keyring, cid, subject, body.strip()),
                attachments=[],
                forwarded_to_official_at=None,
                forwarded_to_official_at_offset=None,
                retained=True,
                disclosure_id=disclosure_id,
            )
        )
        session.execute(
            insert(RecordMessage).values(
                communication_id=cid,
                kind="note",
                owner_id=author_id,
                classification="record",
                classification_reason=f"{kind.replace('_', ' ')} documenting a verbal decision or commitment",
                schedule=retention.schedule_for("record", position),
                recorded_at=ledger.now(),
            )
        )
        doc = textnorm.document(author.name, *participants, subject, body)
        insert_documents(session, ledger.keyring, [(cid, doc, at)])
        ledger.audit(
            session,
            actor,
            "records.note",
            "communication",
            cid,
            {"kind": kind, "disclosure_id": disclosure_id, "claimed_at": at.isoformat()},
        )
    return cid
