"""Keeping records: classification, the 44 U.S.C. 2911 deadline, legal holds and disposition.

Officials deleted their WhatsApp messages "when their details ended or when they thought they
no longer needed the messages". Here nothing leaves the archive because someone thinks so:
a message is disposed of only when its retention schedule has run, no legal hold covers it,
and a records officer other than the person who proposed the disposition approves it. What
remains is a tombstone (id, channel, time, schedule, digest of the content) and an audit entry.

Messages sent from personal accounts must reach an official account within 20 days; the
sweep reminds the owner before the deadline, once, through the notifications inbox.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import orjson
from sqlalchemy import ColumnElement, and_, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from lookout_ledger.core import usecase
from lookout_ledger.core.auth import Role, User
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound, Refusal
from lookout_ledger.core.ids import new_id
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.history.communications import Communication, body_of, subject_of
from lookout_ledger.notifications.service import Notice, notify
from lookout_ledger.people.models import Person
from lookout_ledger.records.archive_models import (
    CLASSIFICATIONS,
    CommunicationPerson,
    Disposition,
    LegalHold,
    RecordAttachment,
    RecordImport,
    RecordMessage,
    Tombstone,
)
from lookout_ledger.records.ingest import blobs
from lookout_ledger.records.keeping import retention
from lookout_ledger.records.requests.linking import link_people
from lookout_ledger.records.search.index import delete_documents

REMINDER_DAYS = 5


def _user(session: Session, username: str) -> User:
    user = session.get(User, username)
    if user is None or not user.active:
        raise AuthError(f"no active user {username!r}")
    return user


def _records_officer(session: Session, username: str) -> User:
    user = _user(session, username)
    if not user.has_role(Role.RECORDS_OFFICER):
        raise AuthError(f"{username} needs the role records_officer for this")
    return user


def _meta(session: Session, communication_id: str) -> tuple[Communication, RecordMessage]:
    comm = session.get(Communication, communication_id)
    if comm is None:
        raise NotFound(f"no communication {communication_id!r}")
    meta = session.get(RecordMessage, communication_id)
    if meta is None:  # arrived through LIF: the archive takes it in as a record of an official
        meta = RecordMessage(
            communication_id=comm.id,
            kind="message",
            classification="record",
            classification_reason="communication received through LIF",
            schedule=retention.schedule_for("record", "official"),
        )
        session.add(meta)
        session.flush()
    return comm, meta


# --- classification -------------------------------------------------------------------------
def classify(
    ledger: Ledger, communication_id: str, classification: str, reason: str, actor: str, position: str = "official"
) -> RecordMessage:
    if classification not in CLASSIFICATIONS:
        raise LedgerError(f"classification: {classification!r} is not one of {', '.join(CLASSIFICATIONS)}")
    if len(reason.strip()) < 10:
        raise LedgerError("reason: say why in a sentence (at least 10 characters)")
    with usecase.unit(ledger, usecase.audited_refusal(ledger, actor, "records.classify")) as session:
        _records_officer(session, actor)
        _, meta = _meta(session, communication_id)
        before = (meta.classification, meta.schedule)
        meta.classification = classification
        meta.classification_reason = reason.strip()
        meta.schedule = retention.schedule_for(classification, position)
        ledger.audit(
            session,
            actor,
            "records.classify",
            "communication",
            communication_id,
            {"from": list(before), "to": [classification, meta.schedule], "reason": reason.strip()},
        )
        return meta


# --- 44 U.S.C. 2911 ---------------------------------------------------------------------------
def record_forwarded(ledger: Ledger, communication_id: str, at: datetime, actor: str) -> None:
    """Someone states that the personal-account message reached an official account at `at`.

    That time is a claim (SYS-CLAIMED-TIME): it may not precede the message, and the ledger records
    the forwarding at the time it learns of it, so a backdated claim cannot clear the 20-day finding
    on its own (the forwarded copy itself, imported from the official account, is the evidence)."""
    with usecase.unit(ledger, usecase.audited_refusal(ledger, actor, "records.record_forwarded")) as session:
        comm, meta = _meta(session, communication_id)
        if comm.account != "personal":
            raise LedgerError(f"{communication_id} was sent from an official account; nothing to forward")
        now = ledger.now()
        if at < comm.sent_at:
            raise refuse(
                "SYS-CLAIMED-TIME",
                f"the forwarding is claimed at {format_rfc3339(at)}, before the message was sent "
                f"({format_rfc3339(comm.sent_at, comm.sent_at_offset)})",
                "give the time the copy reached the official account",
                communication=communication_id,
            )
        if at > now:
            raise LedgerError("when: the forwarding is in the future")
        comm.forwarded_to_official_at = now
        comm.forwarded_to_official_at_offset = int((at.utcoffset() or timedelta()).total_seconds() // 60)
        meta.forward_due_at = None
        ledger.audit(
            session,
            actor,
            "records.forwarded",
            "communication",
            communication_id,
            {"at": format_rfc3339(now), "claimed_at": format_rfc3339(at)},
        )


@dataclass
class ForwardSweep:
    reminded: list[str]
    overdue: list[str]


def forward_sweep(ledger: Ledger, actor: str, reminder_days: int = REMINDER_DAYS) -> ForwardSweep:
    """Remind owners of personal-account messages due within `reminder_days`; list the overdue."""
    now = ledger.now()
    with usecase.unit(ledger, usecase.audited_refusal(ledger, actor, "records.forward_sweep")) as session:
        rows = session.execute(
            select(RecordMessage, Communication)
            .join(Communication, Communication.id == RecordMessage.communication_id)
            .where(
                Communication.account == "personal",
                Communication.forwarded_to_official_at.is_(None),
                RecordMessage.forward_due_at.is_not(None),
                RecordMessage.forward_due_at <= now + timedelta(days=reminder_days),
            )
            .order_by(RecordMessage.forward_due_at)
        ).all()
        reminded, overdue = [], []
        by_owner: dict[str, list[tuple[RecordMessage, Communication]]] = {}
        for meta, comm in rows:
            if meta.forward_due_at is not None and meta.forward_due_at <= now:
                overdue.append(comm.id)
            if meta.reminded_at is None and meta.owner_id:
                by_owner.setdefault(meta.owner_id, []).append((meta, comm))
        for owner_id, items in by_owner.items():
            users = list(session.execute(select(User.username).where(User.official_id == owner_id)).scalars())
            lines = [
                f"- {c.id} sent {format_rfc3339(c.sent_at, c.sent_at_offset)} by {c.sender}: "
                f"forward by {format_rfc3339(cast(datetime, m.forward_due_at), c.sent_at_offset)}"
                for m, c in items
            ]
            if users:
                notify(
                    session,
                    users,
                    Notice(
                        kind="records.forward_due",
                        subject=f"{len(items)} message(s) from a personal account must reach your official account",
                        body="44 U.S.C. 2911 requires messages on a personal account to be copied or forwarded "
                        f"to your official account within {retention.forward_days(ledger.policy)} days:\n"
                        + "\n".join(lines),
                    ),
                    now,
                )
            for m, c in items:
                m.reminded_at = now
                reminded.append(c.id)
        ledger.audit(
            session, actor, "records.forward_sweep", None, None, {"reminded": len(reminded), "overdue": len(overdue)}
        )
    return ForwardSweep(reminded, overdue)


# --- legal holds ------------------------------------------------------------------------------
def place_hold(
    ledger: Ledger,
    actor: str,
    reason: str,
    person_id: str | None = None,
    case_label: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> LegalHold:
    """Freeze every communication naming the person, of the case, or sent in the date range (all given)."""
    if len(reason.strip()) < 10:
        raise LedgerError("reason: a hold needs its reason (DoD 5015.02), at least 10 characters")
    if person_id is None and case_label is None and date_from is None and date_to is None:
        raise LedgerError("a hold needs a person, a case or a date range")
    if date_from and date_to and date_to < date_from:
        raise LedgerError("date range: the end is before the start")
    with usecase.unit(ledger, usecase.audited_refusal(ledger, actor, "records.place_hold")) as session:
        _records_officer(session, actor)
        if person_id is not None and session.get(Person, person_id) is None:
            raise NotFound(f"no person {person_id!r}")
        hold = LegalHold(
            id=new_id("hold"),
            reason=reason.strip(),
            person_id=person_id,
            case_label=case_label,
            date_from=date_from,
            date_to=date_to,
            placed_by=actor,
            placed_at=ledger.now(),
        )
        session.add(hold)
        session.flush()
        ledger.audit(
            session,
            actor,
            "records.hold",
            "legal_hold",
            hold.id,
            {
                "reason": hold.reason,
                "person_id": person_id,
                "case": case_label,
                "from": None if date_from is None else format_rfc3339(date_from),
                "to": None if date_to is None else format_rfc3339(date_to),
            },
        )
        return hold


def release_hold(ledger: Ledger, hold_id: str, actor: str) -> LegalHold:
    with usecase.unit(ledger, usecase.audited_refusal(ledger, actor, "records.release_hold")) as session:
        _records_officer(session, actor)
        hold = session.get(LegalHold, hold_id)
        if hold is None:
            raise NotFound(f"no hold {hold_id!r}")
        if hold.released_at is not None:
            raise LedgerError(f"hold {hold_id} was already released")
        hold.released_at, hold.released_by = ledger.now(), actor
        ledger.audit(session, actor, "records.hold_release", "legal_hold", hold_id, {})
        return hold


def _hold_condition(hold: LegalHold) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = []
    if hold.person_id is not None:
        conds.append(
            exists().where(
                CommunicationPerson.communication_id == Communication.id,
                CommunicationPerson.person_id == hold.person_id,
            )
        )
    if hold.case_label is not None:
        conds.append(RecordMessage.case_label == hold.case_label)
    if hold.date_from is not None:
        conds.append(Communication.sent_at >= hold.date_from)
    if hold.date_to is not None:
        conds.append(Communication.sent_at <= hold.date_to)
    return and_(*conds)


def held_ids(session: Session, keyring: Keyring, ids: list[str]) -> dict[str, list[str]]:
    """communication id -> ids of the active holds covering it."""
    if not ids:
        return {}
    out: dict[str, list[str]] = {}
    holds = session.execute(select(LegalHold).where(LegalHold.released_at.is_(None))).scalars().all()
    people = sorted({h.person_id for h in holds if h.person_id})
    if people:  # links are recomputed so a message imported after the hold is covered too
        link_people(session, keyring, people)
    for hold in holds:
        for start in range(0, len(ids), 5000):
            q = (
                select(Communication.id)
                .outerjoin(RecordMessage, RecordMessage.communication_id == Communication.id)
                .where(Communication.id.in_(ids[start : start + 5000]), _hold_condition(hold))
            )
            for cid in session.execute(q).scalars():
                out.setdefault(cid, []).append(hold.id)
    return out


# --- disposition ------------------------------------------------------------------------------
def eligible(
    session: Session, keyring: Keyring, now: datetime, table: dict[str, retention.Schedule] | None = None
) -> list[str]:
    """Communications whose schedule has run and no active hold covers, oldest first."""
    table = table or retention.schedules()
    conds = []
    for sid, sched in table.items():
        if sched.days is None:
            continue
        conds.append(and_(RecordMessage.schedule == sid, Communication.sent_at <= now - timedelta(days=sched.days)))
    if not conds:
        return []
    ids = list(
        session.execute(
            select(Communication.id)
            .join(RecordMessage, RecordMessage.communication_id == Communication.id)
            .where(or_(*conds))
            .order_by(Communication.sent_at, Communication.id)
        ).scalars()
    )
    held = held_ids(session, keyring, ids)
    return [i for i in ids if i not in held]


def propose_disposition(ledger: Ledger, actor: str, communication_ids: list[str] | None = None) -> Disposition:
    """Propose disposing of the given (or all eligible) communications; each is checked now and again at approval."""
    now = ledger.now()
    with usecase.unit(ledger, usecase.audited_refusal(ledger, actor, "records.propose_disposition")) as session:
        _user(session, actor)
        ok = eligible(session, ledger.keyring, now)
        ids = ok if communication_ids is None else list(dict.fromkeys(communication_ids))
        _refuse_ineligible(session, ledger.keyring, ids, set(ok), now)
        if not ids:
            raise LedgerError("nothing is due for disposition")
        d = Disposition(id=new_id("disp"), proposed_by=actor, proposed_at=now, communication_ids=ids, status="proposed")
        session.add(d)
        ledger.audit(session, actor, "records.dispose_propose", "disposition", d.id, {"count": len(ids)})
        return d


def _refuse_ineligible(session: Session, keyring: Keyring, ids: list[str], ok: set[str], now: datetime) -> None:
    bad = [i for i in ids if i not in ok]
    if not bad:
        return
    held = held_ids(session, keyring, bad)
    reasons = []
    for i in bad[:20]:
        if i in held:
            reasons.append(f"{i}: under legal hold {', '.join(held[i])}")
            continue
        comm = session.get(Communication, i)
        meta = session.get(RecordMessage, i)
        if comm is None:
            reasons.append(f"{i}: no such communication")
        elif meta is None:
            reasons.append(f"{i}: not classified in the archive (schedule unknown)")
        else:
            due = retention.disposal_due(comm.sent_at, meta.schedule)
            when = "never (permanent)" if due is None else format_rfc3339(due)
            reasons.append(f"{i}: schedule {meta.schedule} runs until {when}")
    raise Refusal(
        rule="RC-DISPOSITION",
        reason="some records may not be disposed of: " + "; ".join(reasons),
        remedy="wait until the schedule has run and every legal hold covering them is released",
        citation="36 CFR 1226; DoD 5015.02-STD (freezes)",
        details={"refused": bad},
    )


def approve_disposition(ledger: Ledger, disposition_id: str, actor: str) -> list[Tombstone]:
    """A records officer other than the proposer approves; holds and schedules are checked again."""
    now = ledger.now()
    with usecase.unit(ledger, usecase.audited_refusal(ledger, actor, "records.approve_disposition")) as session:
        _records_officer(session, actor)
        d = session.get(Disposition, disposition_id)
        if d is None:
            raise NotFound(f"no disposition {disposition_id!r}")
        if d.status != "proposed":
            raise LedgerError(f"disposition {disposition_id} is {d.status}, not awaiting approval")
        if d.proposed_by == actor:
            raise Refusal(
                rule="RC-SEPARATION-OF-DUTIES",
                reason=f"{actor} proposed this disposition and cannot also approve it",
                remedy="another records officer must approve it",
                citation="DoD 5015.02-STD; separation of duties",
            )
        ids = list(d.communication_ids)
        _refuse_ineligible(session, ledger.keyring, ids, set(eligible(session, ledger.keyring, now)), now)
        stones = [_dispose_one(ledger, session, cid, d.id, actor, now) for cid in ids]
        d.status, d.approved_by, d.decided_at = "executed", actor, now
        ledger.audit(
            session,
            actor,
            "records.dispose",
            "disposition",
            d.id,
            {"count": len(stones), "ids": ids[:1000]},
            change_digest=hashlib.sha256("\n".join(s.content_digest for s in stones).encode()).hexdigest(),
        )
        return stones


def _dispose_one(
    ledger: Ledger, session: Session, cid: str, disposition_id: str, actor: str, now: datetime
) -> Tombstone:
    comm = session.get(Communication, cid)
    meta = session.get(RecordMessage, cid)
    assert comm is not None and meta is not None
    content = orjson.dumps(
        {
            "id": comm.id,
            "sender": comm.sender,
            "recipients": comm.recipients,
            "subject": subject_of(ledger.keyring, comm),
            "body": body_of(ledger.keyring, comm),
            "attachments": comm.attachments,
            "sent_at": format_rfc3339(comm.sent_at, comm.sent_at_offset),
        },
        option=orjson.OPT_SORT_KEYS,
    )
    stone = Tombstone(
        communication_id=cid,
        disposition_id=disposition_id,
        channel=comm.channel,
        account=comm.account,
        sent_at=comm.sent_at,
        classification=meta.classification,
        schedule=meta.schedule,
        content_digest=hashlib.sha256(content).hexdigest(),
        disposed_at=now,
        approved_by=actor,
    )
    session.add(stone)
    digests = list(
        session.execute(select(RecordAttachment.digest).where(RecordAttachment.communication_id == cid)).scalars()
    )
    import_id = meta.import_id
    delete_documents(session, [cid])
    session.execute(delete(RecordAttachment).where(RecordAttachment.communication_id == cid))
    session.execute(delete(CommunicationPerson).where(CommunicationPerson.communication_id == cid))
    session.execute(delete(RecordMessage).where(RecordMessage.communication_id == cid))
    session.execute(delete(Communication).where(Communication.id == cid))
    for digest in digests:
        if (
            digest
            and not session.execute(select(RecordAttachment.digest).where(RecordAttachment.digest == digest)).first()
        ):
            blobs.remove(session, digest)
    if import_id is not None:
        _drop_original_when_empty(session, import_id)
    return stone


def _drop_original_when_empty(session: Session, import_id: str) -> None:
    """The original file holds every message it carried: it goes only with the last of them."""
    left = session.execute(select(RecordMessage.communication_id).where(RecordMessage.import_id == import_id)).first()
    if left is None:
        imp = session.get(RecordImport, import_id)
        if imp is not None:
            blobs.remove(session, imp.digest)
            session.execute(
                update(RecordImport).where(RecordImport.id == import_id).values(detail={"original": "disposed"})
            )
