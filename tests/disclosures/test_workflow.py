"""A disclosure made through the workflow: request → draft → three written approvals → encrypted
package by e-mail to an official address; the audit judges it compliant by construction."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError
from sqlalchemy import select

from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.disclosures import requests, sending
from lookout_ledger.disclosures.log import log_entries
from lookout_ledger.disclosures.package import ADVISEMENT_EN, ADVISEMENT_ES, MARKING, verify_passphrase
from lookout_ledger.disclosures.workflow_models import DisclosureDraft
from lookout_ledger.history.communications import Communication, body_of
from lookout_ledger.history.disclosures import Disclosure, DisclosureApproval
from lookout_ledger.oversight.audit import run_audit
from support.disclosure_world import ADDRESS, build_world
from support.mail_sink import Sink, attachment, free_port, with_smtp


def _text(pdf: bytes, password: str) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted
    reader.decrypt(password)
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def _send(ledger: Ledger, draft_id: str, **kw: object) -> sending.SendResult:
    with ledger.transaction() as s:
        return sending.send(ledger, s, "lia", draft_id, **kw)  # type: ignore[arg-type]


def test_workflow_disclosure_is_compliant_by_construction(ledger: Ledger, smtp_sink: tuple[Sink, int]) -> None:
    sink, port = smtp_sink
    world = build_world(with_smtp(ledger, port))
    rid = world.request()
    did = world.draft(rid)
    world.approve_all(did, rid)
    assert isinstance(ledger.clock, FixedClock)
    ledger.clock.advance(minutes=5)
    result = _send(ledger, did, channel="official_email", address=ADDRESS)

    # the e-mail went to the official address only, with the encrypted package
    ((rcpts, _),) = sink.messages
    assert rcpts == [ADDRESS]
    (msg,) = sink.parsed()
    body = msg.get_body(("plain",))
    assert body is not None
    assert ADVISEMENT_EN in body.get_content() and ADVISEMENT_ES in body.get_content()
    assert result.passphrase not in msg.as_string()  # the passphrase travels separately
    pdf = attachment(msg)
    assert pdf == result.package
    pages = _text(pdf, result.passphrase)
    for page in pages:
        assert " ".join(MARKING.split()) in page
    whole = " ".join(pages)
    assert "hold it in confidence" in whole and "mantenerla en confidencialidad" in whole
    assert "Rowan Example" in whole and "Quinn Muestra" in whole
    assert "1980-02-03" not in whole and "XUS1234567" not in whole  # only the approved fields

    with ledger.reading() as s:
        d = s.get(Disclosure, result.disclosure_id)
        assert d is not None and d.recorded and d.encrypted and d.confidentiality_advisement and d.sensitivity_marking
        approvals = s.execute(select(DisclosureApproval).where(DisclosureApproval.disclosure_id == d.id)).scalars()
        assert [a.role for a in approvals] == [
            "FOB assistant chief",
            "division chief of operations",
            "sector assistant chief counsel",
        ]
        comm = s.execute(select(Communication).where(Communication.disclosure_id == d.id)).scalar_one()
        assert comm.account == "official" and comm.retained and comm.attachments == [result.filename]
        draft = s.get(DisclosureDraft, did)
        assert draft is not None and draft.status == "sent" and draft.content_digest == result.content_digest
        assert result.passphrase not in (draft.passphrase_verifier or "")
        assert verify_passphrase(draft.passphrase_verifier or "", result.passphrase)
        assert not verify_passphrase(draft.passphrase_verifier or "", "wrong-pass-phrase-xx")
        audit = run_audit(s, now=ledger.now(), review_window_days=7, policy=ledger.policy)
        (row,) = [x for x in audit.disclosures if x["id"] == result.disclosure_id]
        assert row["requirements"] == {
            "advisement": "compliant",
            "marking": "compliant",
            "channel": "compliant",
            "encryption": "compliant",
            "record": "compliant",
            "retention": "compliant",
        }
        assert [f for f in audit.findings if f.record_id == result.disclosure_id] == []
        assert row["approvals"] == "recorded"  # given in this ledger's workflow, not claimed by an import
        (entry,) = [e for e in log_entries(s) if e["id"] == result.disclosure_id]
        assert entry["source"] == "workflow" and entry["request"] == {"id": rid, "written": True}
        assert entry["content_digest"] == result.content_digest and entry["purpose"] == "1628a1"
        assert len(entry["approvals"]) == 3 and entry["recipient"]["address"] == ADDRESS
        sent = s.execute(select(AuditEntry).where(AuditEntry.action == "disclosure.send")).scalar_one()
        assert sent.change_digest == result.content_digest


def test_package_opens_only_with_its_passphrase(sqlite_ledger: Ledger, smtp_sink: tuple[Sink, int]) -> None:
    _, port = smtp_sink
    world = build_world(with_smtp(sqlite_ledger, port))
    rid = world.request()
    did = world.draft(rid)
    world.approve_all(did, rid)
    result = _send(sqlite_ledger, did, channel="official_email", address=ADDRESS)
    with pytest.raises(FileNotDecryptedError):
        PdfReader(io.BytesIO(result.package)).pages[0].extract_text()
    reader = PdfReader(io.BytesIO(result.package))
    assert reader.decrypt("aaaaa-bbbbb-ccccc-ddddd") == 0
    assert reader.decrypt(result.passphrase) != 0
    assert b"Rowan" not in result.package  # nothing readable without the passphrase
    with sqlite_ledger.transaction() as s:
        name, stored = sending.stored_package(sqlite_ledger, s, "pia", did)
    assert stored == result.package and name == result.filename


def test_in_person_disclosure_is_recorded_with_a_note(sqlite_ledger: Ledger) -> None:
    world = build_world(sqlite_ledger)
    rid = world.request()
    did = world.draft(rid)
    world.approve_all(did, rid)
    result = _send(
        sqlite_ledger,
        did,
        channel="in_person",
        note="Met the liaison at the port; read out the two names and showed the marked copy.",
        advisement_given=True,
    )
    with sqlite_ledger.reading() as s:
        audit = run_audit(s, now=sqlite_ledger.now(), review_window_days=7, policy=sqlite_ledger.policy)
        (row,) = audit.disclosures
        assert row["requirements"]["channel"] == "compliant"
        assert row["requirements"]["encryption"] == "not_applicable"
        assert row["requirements"]["retention"] == "not_applicable"
        assert [f.rule for f in audit.findings if f.record_id == result.disclosure_id] == []
        comm = s.execute(select(Communication)).scalar_one()
        assert comm.channel == "meeting_note" and "read out the two names" in (
            body_of(sqlite_ledger.keyring, comm) or ""
        )


def test_unreachable_mail_server_records_nothing(sqlite_ledger: Ledger) -> None:

    world = build_world(with_smtp(sqlite_ledger, free_port()))
    rid = world.request()
    did = world.draft(rid)
    world.approve_all(did, rid)
    with pytest.raises(LedgerError, match="was not sent"):
        _send(sqlite_ledger, did, channel="official_email", address=ADDRESS)
    with sqlite_ledger.reading() as s:
        assert s.execute(select(Disclosure)).first() is None
        draft = s.get(DisclosureDraft, did)
        assert draft is not None and draft.status == "draft"


def test_exigent_oral_request_then_written_form_in_time(sqlite_ledger: Ledger, smtp_sink: tuple[Sink, int]) -> None:
    _, port = smtp_sink
    ledger = with_smtp(sqlite_ledger, port)
    world = build_world(ledger)
    rid = world.request(document=None, exigency="Traveller boarding a flight within the hour; written form to follow")
    did = world.draft(rid)
    world.approve_all(did, rid)  # the approvers open the recorded oral request
    with ledger.transaction() as s:
        fr = requests.get_request(s, rid)
        assert not fr.written and fr.written_due_at == fr.received_at + timedelta(days=3)
    result = _send(ledger, did, channel="official_email", address=ADDRESS)
    with ledger.reading() as s:
        d = s.get(Disclosure, result.disclosure_id)
        assert d is not None and d.request_written is False
    assert isinstance(ledger.clock, FixedClock)
    ledger.clock.advance(days=2)
    with ledger.transaction() as s:
        requests.record_written_form(ledger, s, "lia", rid, b"%PDF-1.4 written form", "confirmacion.pdf")
    with ledger.reading() as s:
        d = s.get(Disclosure, result.disclosure_id)
        assert d is not None and d.request_written is True
        audit = run_audit(s, now=ledger.now(), review_window_days=7, policy=ledger.policy)
        assert [f.rule for f in audit.findings if f.record_id == result.disclosure_id] == []
