"""Importing exports and e-mail: rows, LIF export, originals kept, all-or-nothing, idempotence."""

from __future__ import annotations

import io
import json
import zipfile
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select, text

from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.history.communications import Communication, body_of, subject_of
from lookout_ledger.interchange.exporter import export_lif
from lookout_ledger.records.archive_models import RecordAttachment, RecordImport, RecordMessage
from lookout_ledger.records.ingest import blobs
from support.chat_exports import ALL, ANDROID_ES, IOS_US
from support.cli_support import EXPORT_PURPOSE, auditor
from support.records_world import OWNER, run_import, world


def _comms(ledger: Ledger) -> list[Communication]:
    with ledger.reading() as s:
        return list(s.execute(select(Communication).order_by(Communication.sent_at, Communication.id)).scalars())


def _count(ledger: Ledger, model: type) -> int:
    with ledger.reading() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.mark.parametrize("name", sorted(ALL))
def test_chat_export_becomes_communications(ledger: Ledger, name: str) -> None:
    world(ledger)
    text, expected = ALL[name]
    report = run_import(ledger, text.encode(), f"{name}.txt")
    assert report.stored == len(expected) and report.duplicates == 0
    with ledger.reading() as s:
        rows = s.execute(
            select(Communication, RecordMessage)
            .join(RecordMessage, RecordMessage.communication_id == Communication.id)
            .order_by(RecordMessage.source_line)
        ).all()
    got = [
        (
            m.source_line,
            c.sent_at.astimezone(_zone()).replace(tzinfo=None),
            c.sender,
            body_of(ledger.keyring, c),
            m.kind,
        )
        for c, m in rows
    ]
    assert got == [(ln, at, sender or "(system)", body, kind) for ln, at, sender, body, kind in expected]
    assert all(c.channel == "whatsapp" and c.account == "personal" and c.retained for c, _ in rows)
    assert all(m.source_file == f"{name}.txt" and m.owner_id == OWNER for _, m in rows)


def _zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/Tijuana")


def test_lif_export_has_the_zone_offset_and_joined_lines(ledger: Ledger) -> None:
    world(ledger)
    run_import(ledger, ALL["android_us"][0].encode(), "chat.txt")
    out = io.BytesIO()
    export_lif(ledger, out, actor=auditor(ledger), purpose=EXPORT_PURPOSE)
    lines = [json.loads(x) for x in out.getvalue().decode().splitlines()]
    comms = sorted((x for x in lines if x["type"] == "communication"), key=lambda x: x["sent_at"])
    multi = next(x for x in comms if x["body"].startswith("First line"))
    assert multi["sent_at"] == "2019-01-14T00:15:00-08:00"
    assert multi["body"] == "First line\nsecond line\n1/15/19 is when they cross"
    assert multi["sender"] == "Dana Whitlock" and multi["channel"] == "whatsapp" and multi["account"] == "personal"
    assert multi["forwarded_to_official_at"] is None and multi["retained"] is True


def test_summer_time_offset_follows_the_zone(ledger: Ledger) -> None:
    world(ledger)
    run_import(ledger, b"01/07/2019, 10:00 - A: summer\n01/12/2019, 10:00 - A: winter\n", "c.txt")
    got = {body_of(ledger.keyring, c): format_rfc3339(c.sent_at, c.sent_at_offset) for c in _comms(ledger)}
    assert got == {"summer": "2019-07-01T10:00:00-07:00", "winter": "2019-12-01T10:00:00-08:00"}


def test_reimport_stores_nothing_twice(ledger: Ledger) -> None:
    world(ledger)
    first = run_import(ledger, ANDROID_ES.encode(), "es.txt")
    again = run_import(ledger, ANDROID_ES.encode(), "es-copy.txt")
    assert again.already_imported and again.stored == 0 and again.import_id == first.import_id
    # A later export of the same chat holds the old messages and one new one: only the new one is stored.
    longer = ANDROID_ES + "22/1/2019 8:00 a.\u00a0m. - Lic. Ramírez: nuevo\n"
    third = run_import(ledger, longer.encode(), "es-later.txt")
    assert (third.stored, third.duplicates) == (1, 4)
    assert _count(ledger, Communication) == 5
    assert _count(ledger, RecordImport) == 2


def test_original_bytes_are_kept_sealed_with_their_digest(ledger: Ledger) -> None:
    world(ledger)
    data = IOS_US.encode()
    report = run_import(ledger, data, "_chat.txt")
    with ledger.reading() as s:
        assert blobs.get(s, ledger.keyring, report.digest) == data
        sealed = s.execute(select(blobs.RecordBlob.content_enc)).scalars().first()
    assert sealed is not None and "Whitlock" not in sealed and sealed.startswith("v1:")


def test_zip_with_media(ledger: Ledger) -> None:
    world(ledger)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("_chat.txt", IOS_US)
        zf.writestr("00000163-PHOTO-2019-01-08-08-05-39.jpg", b"\xff\xd8fake jpeg")
    report = run_import(ledger, buf.getvalue(), "WhatsApp Chat - Border liaison.zip")
    assert report.format == "whatsapp_zip" and report.stored == 5
    with ledger.reading() as s:
        att = s.execute(select(RecordAttachment)).scalar_one()
        assert att.name == "00000163-PHOTO-2019-01-08-08-05-39.jpg" and att.size == len(b"\xff\xd8fake jpeg")
        assert blobs.get(s, ledger.keyring, att.digest) == b"\xff\xd8fake jpeg"
        meta = s.execute(select(RecordMessage.source_file)).scalars().first()
    assert meta == "WhatsApp Chat - Border liaison.zip!_chat.txt"
    assert any(c.attachments == ["00000163-PHOTO-2019-01-08-08-05-39.jpg"] for c in _comms(ledger))


def test_malformed_file_is_refused_with_lines_and_nothing_stored(ledger: Ledger) -> None:
    world(ledger)
    bad = "junk before\n06/03/2019, 00:45 - A: ok\n31/02/2019, 10:00 - A: no such day\n"
    with pytest.raises(LedgerError) as err:
        run_import(ledger, bad.encode(), "bad.txt")
    assert "line 1:" in str(err.value) and "line 3:" in str(err.value)
    assert _count(ledger, Communication) == 0 and _count(ledger, RecordImport) == 0
    with ledger.reading() as s:
        assert s.execute(select(func.count()).select_from(blobs.RecordBlob)).scalar_one() == 0


def test_not_utf8_is_refused_with_its_line(ledger: Ledger) -> None:
    world(ledger)
    with pytest.raises(LedgerError, match="line 2 is not UTF-8"):
        run_import(ledger, b"06/03/2019, 00:45 - A: ok\n\xff\xfe\n", "bad.txt")


def test_chat_needs_a_time_zone(ledger: Ledger) -> None:
    world(ledger)
    with pytest.raises(LedgerError, match="--timezone is required"):
        run_import(ledger, ANDROID_ES.encode(), "es.txt", timezone=None)
    with pytest.raises(LedgerError, match="not an IANA time zone"):
        run_import(ledger, ANDROID_ES.encode(), "es.txt", timezone="Mars/Olympus")


def _mail(
    n: int, subject: str, body: str, attach: bytes | None = None, date: str = "Tue, 08 Jan 2019 09:30:00 -0800"
) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Dana Whitlock <dana.whitlock@agency.example>"
    msg["To"] = "Ramírez <enlace.tijuana@webmail.example>, ops@agency.example"
    msg["Cc"] = "Jürgen Maas <juergen.maas@agency.example>"
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = f"<m{n}@agency.example>"
    msg.set_content(body)
    if attach is not None:
        msg.add_attachment(attach, maintype="application", subtype="pdf", filename="target deck.pdf")
    return bytes(msg)


def _mbox(*messages: bytes) -> bytes:
    out = []
    for m in messages:
        body = b"\n".join(
            (b">" + ln if ln.startswith(b"From ") else ln) for ln in m.replace(b"\r\n", b"\n").split(b"\n")
        )
        out.append(b"From MAILER-DAEMON Tue Jan  8 09:30:00 2019\n" + body + b"\n")
    return b"".join(out)


def test_eml_with_attachment(ledger: Ledger) -> None:
    world(ledger)
    report = run_import(
        ledger,
        _mail(1, "Perfiles", "Adjunto la lista.\nSaludos", b"%PDF-1.4 fake"),
        "m.eml",
        channel="email",
        account="official",
        timezone=None,
    )
    assert report.stored == 1
    (c,) = _comms(ledger)
    assert c.channel == "official_email" and c.account == "official"
    assert c.sender == "Dana Whitlock <dana.whitlock@agency.example>"
    assert c.recipients == [
        "Ramírez <enlace.tijuana@webmail.example>",
        "ops@agency.example",
        "Jürgen Maas <juergen.maas@agency.example>",
    ]
    assert (subject_of(ledger.keyring, c), body_of(ledger.keyring, c), c.attachments) == (
        "Perfiles",
        "Adjunto la lista.\nSaludos",
        ["target deck.pdf"],
    )
    assert format_rfc3339(c.sent_at, c.sent_at_offset) == "2019-01-08T09:30:00-08:00"
    with ledger.reading() as s:
        att = s.execute(select(RecordAttachment)).scalar_one()
        assert blobs.get(s, ledger.keyring, att.digest) == b"%PDF-1.4 fake"


def test_mbox_lines_quoting_and_duplicates_with_eml(ledger: Ledger) -> None:
    world(ledger)
    one = _mail(1, "Uno", "From the field: all quiet")
    two = _mail(2, "Dos", "second")
    run_import(ledger, one, "one.eml", channel="email", account="official", timezone=None)
    report = run_import(ledger, _mbox(one, two), "box.mbox", channel="email", account="official", timezone=None)
    assert (report.stored, report.duplicates) == (1, 1)
    with ledger.reading() as s:
        lines = dict(s.execute(select(RecordMessage.source_file, RecordMessage.source_line)).all())
    assert lines["box.mbox"] > 2  # the second message starts further down the archive
    bodies = {subject_of(ledger.keyring, c): body_of(ledger.keyring, c) for c in _comms(ledger)}
    assert bodies["Uno"] == "From the field: all quiet"


def test_mbox_with_a_bad_date_is_refused_with_its_line(ledger: Ledger) -> None:
    world(ledger)
    box = _mbox(_mail(1, "ok", "fine"), _mail(2, "bad", "x", date="not a date"))
    with pytest.raises(LedgerError) as err:
        run_import(ledger, box, "box.mbox", channel="email", account="official", timezone=None)
    start_of_second = box.split(b"\n").index(b"From MAILER-DAEMON Tue Jan  8 09:30:00 2019", 1) + 2
    assert f"line {start_of_second}:" in str(err.value)
    assert _count(ledger, Communication) == 0


def test_import_is_audited_and_classified(ledger: Ledger) -> None:
    world(ledger)
    report = run_import(ledger, ALL["android_us"][0].encode(), "chat.txt")
    with ledger.reading() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "records.import")).scalar_one()
        assert entry.target_id == report.import_id and entry.change_digest == report.digest
        classes = dict(s.execute(select(RecordMessage.source_line, RecordMessage.classification)).all())
        due = s.execute(select(RecordMessage.forward_due_at).where(RecordMessage.source_line == 3)).scalar_one()
    assert classes[1] == "non_record" and classes[3] == "record" and classes[8] == "record"
    assert format_rfc3339(due, -480) == "2019-01-24T19:05:00-08:00"


@pytest.mark.parametrize(
    "to",
    [
        "Ramírez <enlace@webmail.example>, ops@agency.example",
        '"Whitlock, Dana" <d@x.example>',
        "=?utf-8?q?N=C3=BA=C3=B1ez?= <n@x.example>",
    ],
)
def test_fast_path_reads_plain_mail_as_the_modern_parser_does(to: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from lookout_ledger.records.ingest import email_reader

    msg = EmailMessage()
    msg["From"] = "Dana Whitlock <dana@agency.example>"
    msg["To"] = to
    msg["Subject"] = "Organizadores — caravana"
    msg["Date"] = "Tue, 08 Jan 2019 09:30:00 -0800"
    msg["Message-ID"] = "<a@b.example>"
    msg.set_content("Línea uno\nlínea dos\n")
    data = bytes(msg)
    fast = email_reader._read_plain(data, 7)
    assert fast is not None
    monkeypatch.setattr(email_reader, "_read_plain", lambda d, ln: None)
    assert email_reader.read_message(data, 7) == fast


def _big_box(n: int, bad_at: tuple[int, ...] = ()) -> bytes:
    mails = []
    for i in range(n):
        body = f"Mensaje {i}: reunión con Núñez, tel +52 664 555 {1000 + i % 50}"
        date = "not a date" if i in bad_at else f"Tue, 08 Jan 2019 09:{i % 60:02d}:00 -0800"
        mails.append(_mail(i, f"Asunto {i}", body, date=date))
    mails.append(_mail(n, "adjunto", "ver adjunto", b"%PDF-1.4 deck"))
    return _mbox(*mails)


def test_worker_processes_read_exactly_what_one_process_reads() -> None:
    """Reading in workers is only a speed-up: the same rows, lines, index text and problems, in order."""
    from lookout_ledger.records.ingest.email_reader import split_mbox
    from lookout_ledger.records.ingest.mail_rows import read_all

    box = _big_box(1200, bad_at=(5,))  # three chunks of 500 and a bit
    one = list(read_all(split_mbox(io.BytesIO(box)), "America/Tijuana", "MX", 0))
    two = list(read_all(split_mbox(io.BytesIO(box)), "America/Tijuana", "MX", 2))
    assert one == two
    assert len(one) == 1201 and isinstance(one[5], str) and "line " in one[5]
    assert one[-1].attachments == [("target deck.pdf", b"%PDF-1.4 deck")]  # type: ignore[union-attr]
    assert "tel526645551000" in one[0].doc  # type: ignore[union-attr,operator]


def test_mbox_read_by_worker_processes_is_stored_with_lines_and_index(ledger: Ledger) -> None:
    world(ledger)
    box = _big_box(1100)
    report = run_import(ledger, box, "box.mbox", channel="email", account="official", timezone=None, workers=2)
    assert (report.stored, report.duplicates) == (1101, 0)
    with ledger.reading() as s:
        lines = [ln for (ln,) in s.execute(select(RecordMessage.source_line).order_by(RecordMessage.source_line))]
        indexed = s.execute(text("SELECT count(*) FROM record_search")).scalar_one()
        att = s.execute(select(RecordAttachment)).scalar_one()
        assert blobs.get(s, ledger.keyring, att.digest) == b"%PDF-1.4 deck"
    starts = [i + 2 for i, ln in enumerate(box.split(b"\n")) if ln.startswith(b"From MAILER-DAEMON")]
    assert lines == starts and indexed == 1101


def test_mbox_read_by_worker_processes_is_refused_whole_with_every_bad_line(ledger: Ledger) -> None:
    world(ledger)
    box = _big_box(1100, bad_at=(3, 777))
    with pytest.raises(LedgerError) as err:
        run_import(ledger, box, "box.mbox", channel="email", account="official", timezone=None, workers=2)
    assert str(err.value).count("is not an RFC 5322 date") == 2
    assert _count(ledger, Communication) == 0 and _count(ledger, RecordImport) == 0


def test_import_cache_is_given_back_to_the_connection(sqlite_ledger: Ledger) -> None:
    """The import's 256 MB SQLite page cache lasts for the import only, even a refused one."""
    world(sqlite_ledger)
    with sqlite_ledger.engine.connect() as c:
        usual = c.exec_driver_sql("PRAGMA cache_size").scalar()
    run_import(sqlite_ledger, _big_box(3), "box.mbox", channel="email", account="official", timezone=None)
    with pytest.raises(LedgerError):
        run_import(sqlite_ledger, _big_box(3, bad_at=(1,)), "bad.mbox", channel="email", account="official")
    with sqlite_ledger.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA cache_size").scalar() == usual != -256 * 1024


def test_a_worker_that_dies_refuses_the_import(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    world(ledger)
    monkeypatch.setattr(sys, "executable", "/bin/false")  # the worker exits at once
    with pytest.raises(LedgerError, match="a worker reading the mail stopped"):
        run_import(ledger, _big_box(20), "box.mbox", channel="email", account="official", timezone=None, workers=1)
    assert _count(ledger, Communication) == 0 and _count(ledger, RecordImport) == 0


def test_a_nul_byte_is_escaped_in_clear_fields_and_kept_in_the_sealed_body(ledger: Ledger) -> None:
    """#15 item 3: a NUL byte in a chat gave a psycopg DataError traceback on PostgreSQL."""
    world(ledger)
    chat = "1/4/19, 7:05\u202fPM - Dana\x00 Whitlock: Sending\x00 the list tonight\n"
    report = run_import(ledger, chat.encode(), "nul.txt")
    assert report.stored == 1
    (c,) = _comms(ledger)
    assert c.sender == "Dana\ufffd Whitlock"
    assert body_of(ledger.keyring, c) == "Sending\x00 the list tonight"


def test_mail_that_cannot_be_read_as_sent_is_kept_as_it_arrived_and_flagged(ledger: Ledger) -> None:
    """#15 item 5: a multipart without its boundary was stored with an empty body, a wrong charset
    lossy, neither flagged."""
    world(ledger)
    head = b"From: Dana Example <dana@example.org>\nTo: liaison@example.org\nDate: Fri, 04 Jan 2019 19:05:00 -0800\n"
    no_boundary = head + (
        b"Subject: lista\nMessage-ID: <nb@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed\n\n"
        b"Sending the list tonight: fourteen names.\n"
    )
    bad_charset = head + (
        b"Subject: fotos\nMessage-ID: <cs@example.org>\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\n\nAdjunto las fotos de las licencias.\n"
    )
    report = run_import(
        ledger, _mbox(no_boundary, bad_charset), "damaged.mbox", channel="email", account="official", timezone=None
    )
    assert report.stored == 2 and report.detail["flagged"] == 2
    with ledger.reading() as s:
        rows = s.execute(select(Communication, RecordMessage).join(RecordMessage)).all()
    by_subject = {subject_of(ledger.keyring, c): (body_of(ledger.keyring, c), m.defects) for c, m in rows}
    body, defects = by_subject["lista"]
    assert "fourteen names" in body and any("no readable text part" in d for d in defects or [])
    body, defects = by_subject["fotos"]
    assert "licencias" in body and any("x-no-such-charset" in d for d in defects or [])
