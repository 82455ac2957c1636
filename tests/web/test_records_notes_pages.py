"""The note form: an official documents a call or meeting; errors name the field and keep the values."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.auth import Role, add_user
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.history.communications import Communication
from lookout_ledger.records.archive_models import RecordMessage
from support.records_world import OTHER, OWNER, world
from support.web_scenario import client_for, sign_in

NOTE = {
    "kind": "meeting_note",
    "at": "2018-12-20T10:00",
    "timezone": "America/Tijuana",
    "participants": "INM regional director\n\nSecond secretary, consulate",
    "subject": "Briefing on the caravan",
    "body": "Shared the PowerPoint with eleven names; the director asked for dates of birth and we committed to none.",
}


@pytest.fixture
def notes(ledger: Ledger) -> Ledger:
    world(ledger)
    with ledger.transaction() as s:
        for username, role, official in (("audit1", Role.AUDITOR, None), ("liaison2", Role.LIAISON_OFFICER, None)):
            add_user(
                s,
                username=username,
                password=f"pw-{username}-123",
                roles=[role],
                at=ledger.now(),
                display_name=username,
                official_id=official,
            )
    return ledger


def test_liaison_officer_keeps_a_note_that_search_then_finds(notes: Ledger) -> None:
    client = client_for(notes)
    csrf = sign_in(client, "whitlock", "pw-whitlock-123")
    form = client.get("/archive/notes/new")
    assert form.status_code == 200 and f'value="{OWNER}" readonly' in form.text
    assert 'href="/archive/notes/new"' in client.get("/archive").text
    r = client.post("/archive/notes", data={**NOTE, "author": OTHER, "csrf_token": csrf})  # author is not theirs
    assert r.status_code == 200 and "kept as a record" in r.text, r.text
    with notes.reading() as s:
        c = s.execute(select(Communication)).scalar_one()
        meta = s.get(RecordMessage, c.id)
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "records.note")).scalar_one()
    assert (c.channel, c.account, c.sender) == ("meeting_note", "official", "Dana Whitlock")
    assert c.recipients == ["INM regional director", "Second secretary, consulate"]
    assert format_rfc3339(c.sent_at, c.sent_at_offset) == "2018-12-20T10:00:00-08:00"
    assert meta is not None and (meta.owner_id, meta.classification) == (OWNER, "record")
    assert audit.actor == "whitlock" and audit.target_id == c.id
    found = client.get("/archive", params={"q": "powerpoint director"})
    assert '<span id="total">1</span>' in found.text and "Briefing on the caravan" in found.text


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"body": "ok"}, "body", "body: say what was decided or committed"),
        ({"participants": "  \n"}, "participants", "participants: name at least one"),
        ({"timezone": "Mars/Olympus"}, "timezone", "timezone: 'Mars/Olympus' is not an IANA time zone"),
        ({"at": "9 January"}, "at", "at: '9 January' is not a date and time"),
        ({"at": "2031-01-01T10:00"}, "at", "at: a note documents a call or meeting that took place"),
        ({"subject": " "}, "subject", "subject: say what the call or meeting was about"),
        ({"kind": "rumour"}, "kind", "kind: 'rumour' is not one of"),
        ({"disclosure": "FD-404"}, "disclosure", "disclosure: no disclosure 'FD-404'"),
    ],
)
def test_refusal_names_the_field_keeps_the_values_and_stores_nothing(
    notes: Ledger, change: dict[str, str], field: str, says: str
) -> None:
    client = client_for(notes)
    csrf = sign_in(client, "whitlock", "pw-whitlock-123")
    r = client.post("/archive/notes", data={**NOTE, **change, "csrf_token": csrf})
    assert r.status_code == 422 and says in html.unescape(r.text)
    assert f'name="{field}"' in r.text and 'aria-invalid="true"' in r.text
    kept = NOTE["subject"] if field != "subject" else NOTE["body"]
    assert kept in r.text  # the other values come back as entered
    with notes.reading() as s:
        assert s.execute(select(Communication)).first() is None


def test_records_officer_enters_for_an_official_and_others_may_not(notes: Ledger) -> None:
    officer = client_for(notes)
    csrf = sign_in(officer, "recorder", "pw-recorder-123")
    missing = officer.post("/archive/notes", data={**NOTE, "csrf_token": csrf})
    assert missing.status_code == 422 and "author: give the id of the official" in missing.text
    assert "Shared the PowerPoint" in missing.text
    done = officer.post("/archive/notes", data={**NOTE, "author": OTHER, "csrf_token": csrf})
    assert done.status_code == 200 and "kept as a record" in done.text
    unlinked = client_for(notes)
    csrf2 = sign_in(unlinked, "liaison2", "pw-liaison2-123")
    r = unlinked.post("/archive/notes", data={**NOTE, "csrf_token": csrf2})
    assert r.status_code == 422 and "author: your account is not linked to an official" in r.text
    auditor = client_for(notes)
    csrf3 = sign_in(auditor, "audit1", "pw-audit1-123")
    assert auditor.get("/archive/notes/new").status_code == 403
    assert auditor.post("/archive/notes", data={**NOTE, "csrf_token": csrf3}).status_code == 403
    assert 'href="/archive/notes/new"' not in auditor.get("/archive").text
    with notes.reading() as s:
        senders = s.execute(select(Communication.sender)).scalars().all()
    assert senders == ["Jürgen Maas"]


def test_note_without_csrf_token_is_rejected(notes: Ledger) -> None:
    client = client_for(notes)
    sign_in(client, "whitlock", "pw-whitlock-123")
    r = client.post("/archive/notes", data=NOTE)
    assert r.status_code == 403
    with notes.reading() as s:
        assert s.execute(select(Communication)).first() is None
