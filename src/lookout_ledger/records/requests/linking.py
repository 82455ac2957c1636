"""Communications linked to the people they name, and through them to disclosures and lookouts.

The review could not tell when the PowerPoint went to Mexico because the transmitting message
was gone, and nobody noticed it was missing until investigators asked. Here every disclosure
is expected to have its transmission in the archive (a message, or a note of the meeting or
call for disclosures made in person or by phone); one without is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.timefmt import MICROS_PER_DAY, format_rfc3339
from lookout_ledger.history.communications import Communication
from lookout_ledger.history.disclosures import Disclosure, DisclosurePerson
from lookout_ledger.history.lookouts import Lookout
from lookout_ledger.records.archive_models import CommunicationPerson, RecordMessage
from lookout_ledger.records.ingest.notes import NOTE_TIMELY_DAYS
from lookout_ledger.records.search.aliases import aliases_of
from lookout_ledger.records.search.index import match_ids, sync

_NOTE_CHANNELS = {"in_person": "meeting_note", "phone": "phone_note"}


def link_people(session: Session, keyring: Keyring, person_ids: list[str]) -> dict[str, list[str]]:
    """(Re)compute which communications name each person; returns person -> communication ids."""
    sync(session, keyring)
    out: dict[str, list[str]] = {}
    for pid in person_ids:
        groups = [list(a.tokens) for a in aliases_of(session, keyring, pid)]
        by_alias = set(match_ids(session, keyring, groups))
        by_disclosure = set(
            session.execute(
                select(Communication.id)
                .join(DisclosurePerson, DisclosurePerson.disclosure_id == Communication.disclosure_id)
                .where(DisclosurePerson.person_id == pid)
            ).scalars()
        )
        session.execute(delete(CommunicationPerson).where(CommunicationPerson.person_id == pid))
        rows = [{"communication_id": c, "person_id": pid, "via": "alias"} for c in sorted(by_alias)]
        rows += [
            {"communication_id": c, "person_id": pid, "via": "disclosure"} for c in sorted(by_disclosure - by_alias)
        ]
        if rows:
            session.execute(insert(CommunicationPerson), rows)
        out[pid] = sorted(by_alias | by_disclosure)
    return out


@dataclass
class Related:
    person_ids: list[str]
    disclosure_ids: list[str]
    lookout_ids: list[str]


def related_records(session: Session, communication_id: str) -> Related:
    """Disclosures and lookouts naming the people this communication names."""
    people = list(
        session.execute(
            select(CommunicationPerson.person_id).where(CommunicationPerson.communication_id == communication_id)
        ).scalars()
    )
    comm = session.get(Communication, communication_id)
    if comm is not None and comm.disclosure_id:
        people += session.execute(
            select(DisclosurePerson.person_id).where(DisclosurePerson.disclosure_id == comm.disclosure_id)
        ).scalars()
    people = sorted(set(people))
    disclosures = sorted(
        set(
            session.execute(
                select(DisclosurePerson.disclosure_id).where(DisclosurePerson.person_id.in_(people))
            ).scalars()
        )
    )
    lookouts = sorted(set(session.execute(select(Lookout.id).where(Lookout.person_id.in_(people))).scalars()))
    return Related(people, disclosures, lookouts)


def missing_transmissions(session: Session) -> list[dict[str, object]]:
    """Disclosures whose transmission is not kept in the archive (no retained linked message)."""
    late = select(RecordMessage.communication_id).where(
        RecordMessage.kind == "note",
        RecordMessage.recorded_at.is_not(None),
        RecordMessage.recorded_at > Communication.sent_at + NOTE_TIMELY_DAYS * MICROS_PER_DAY,
    )
    kept = select(Communication.disclosure_id).where(
        Communication.disclosure_id.is_not(None),
        Communication.retained.is_(True),
        Communication.id.not_in(late),
    )
    late_notes = dict(
        session.execute(
            select(Communication.disclosure_id, Communication.id).where(
                Communication.disclosure_id.is_not(None), Communication.id.in_(late)
            )
        ).all()
    )
    rows = session.execute(
        select(Disclosure).where(Disclosure.id.not_in(kept)).order_by(Disclosure.at, Disclosure.id)
    ).scalars()
    lost = dict(
        session.execute(
            select(Communication.disclosure_id, Communication.id).where(
                Communication.disclosure_id.is_not(None), Communication.retained.is_(False)
            )
        ).all()
    )
    out: list[dict[str, object]] = []
    for d in rows:
        expected = _NOTE_CHANNELS.get(d.channel, "the transmitting message")
        if d.id in lost:
            reason = f"the transmitting message {lost[d.id]} was not retained"
        elif d.id in late_notes:
            reason = (
                f"only note {late_notes[d.id]}, recorded more than {NOTE_TIMELY_DAYS} days after the time it claims "
                "(a late claim, not a record made at the time)"
            )
        else:
            reason = f"no {expected.replace('_', ' ')} in the archive"
        out.append(
            {
                "disclosure_id": d.id,
                "at": format_rfc3339(d.at, d.at_offset),
                "channel": d.channel,
                "unit_id": d.unit_id,
                "discloser_id": d.discloser_id,
                "reason": reason,
                "citation": "44 U.S.C. 3101; 36 CFR 1222.22",
            }
        )
    return out
