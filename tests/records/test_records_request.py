"""Records request on the demo scenario: every record of the 54 disclosed U.S. persons, certified."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.errors import NotFound
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.demo.load import load_demo
from lookout_ledger.history.communications import Communication
from lookout_ledger.history.disclosures import Disclosure, DisclosurePerson
from lookout_ledger.history.inspections import Inspection
from lookout_ledger.history.lookouts import Lookout
from lookout_ledger.people.models import Person
from lookout_ledger.records.archive_models import RecordsRequest
from lookout_ledger.records.requests.linking import missing_transmissions, related_records
from lookout_ledger.records.requests.request import run_request
from support.factories import Factory


def _disclosed_us_persons(ledger: Ledger) -> list[str]:
    with ledger.reading() as s:
        q = (
            select(DisclosurePerson.person_id)
            .join(Person, Person.id == DisclosurePerson.person_id)
            .where(Person.us_person.is_(True))
            .distinct()
        )
        return sorted(s.execute(q).scalars())


def _expected(ledger: Ledger, pid: str) -> dict[str, set[str]]:
    """Independent of the request code: the records that name the person by their ids."""
    with ledger.reading() as s:
        disclosures = set(
            s.execute(select(DisclosurePerson.disclosure_id).where(DisclosurePerson.person_id == pid)).scalars()
        )
        return {
            "lookouts": set(s.execute(select(Lookout.id).where(Lookout.person_id == pid)).scalars()),
            "inspections": set(s.execute(select(Inspection.id).where(Inspection.person_id == pid)).scalars()),
            "disclosures": disclosures,
            "communications": set(
                s.execute(select(Communication.id).where(Communication.disclosure_id.in_(disclosures))).scalars()
            ),
        }


def test_request_finds_every_record_of_the_54(ledger: Ledger, tmp_path: Path) -> None:
    load_demo(ledger, "tester")
    people = _disclosed_us_persons(ledger)
    assert len(people) == 54
    pkg = run_request(ledger, people, "recorder", reference="FOIA-2019-0054")
    by_person = {p["person_id"]: p for p in pkg.index["people"]}
    assert sorted(by_person) == people
    for pid in people:
        want = _expected(ledger, pid)
        got = {k: {r["id"] for r in v} for k, v in by_person[pid]["records"].items()}
        for kind, ids in want.items():
            assert ids <= got[kind], (pid, kind, ids - got[kind])
        assert by_person[pid]["counts"]["total"] == sum(len(v) for v in got.values()) > 0
        assert by_person[pid]["aliases_searched"][0]["kind"] == "name"
    cert = pkg.index["certificate"]
    stores = {s["store"]: s for s in cert["stores"]}
    with ledger.reading() as s:
        assert stores["communications"]["records_searched"] == len(s.execute(select(Communication.id)).all())
        assert stores["disclosures"]["records_searched"] == len(s.execute(select(Disclosure.id)).all())
        assert stores["lookouts"]["from"] is not None
        row = s.get(RecordsRequest, pkg.request_id)
        assert row is not None and row.index_digest == pkg.index_digest and row.complete
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "records.request")).scalar_one()
        assert entry.change_digest == pkg.index_digest
    files = pkg.write(tmp_path, pdf=True)
    index = json.loads(files[0].read_text())
    assert index["request_id"] == pkg.request_id and len(index["people"]) == 54
    html = files[1].read_text()
    assert "Search certificate" in html and "SENSITIVE PERSONALLY IDENTIFIABLE INFORMATION" in html
    assert all(f'id="count-{pid}"' in html for pid in people)
    pages = _pdf_pages(files[2].read_bytes())
    assert len(pages) > 2 and all("SENSITIVE PERSONALLY IDENTIFIABLE INFORMATION" in t for t in pages)
    text = "\n".join(pages)
    assert "Search certificate" in text and cert["statement"][:60] in text.replace("\n", " ")
    assert all(f"{pid}:" in text for pid in people)  # each person's section


def _pdf_pages(data: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_no_records_is_a_certified_zero(ledger: Ledger) -> None:
    load_demo(ledger, "tester")
    with ledger.transaction() as s:
        Factory(s, ledger.keyring).person("P-NOBODY", given_name="Quill", family_name="Nobody")
    pkg = run_request(ledger, ["P-NOBODY"], "recorder")
    (p,) = pkg.index["people"]
    assert p["counts"]["total"] == 0 and p["answer"].startswith("no records found")
    assert p["aliases_searched"] == [{"kind": "name", "value": "Quill Nobody"}]
    assert len(pkg.index["certificate"]["stores"]) == 5
    text = " ".join(_pdf_pages(pkg.pdf()))
    assert "P-NOBODY: Quill Nobody" in text and "no records found (certified search below)" in text


def test_unknown_person_is_refused(ledger: Ledger) -> None:
    load_demo(ledger, "tester")
    with pytest.raises(NotFound, match="P-NOPE"):
        run_request(ledger, ["P-NOPE"], "recorder")


def test_missing_transmissions_and_related_records(ledger: Ledger) -> None:
    load_demo(ledger, "tester")
    with ledger.reading() as s:
        flagged = {m["disclosure_id"]: m["reason"] for m in missing_transmissions(s)}
        # FD-3 went by WhatsApp and the message was lost; FD-2 was made in person with no note.
        assert "was not retained" in flagged["FD-3"]
        assert flagged["FD-2"] == "no meeting note in the archive"
        assert "FD-1" not in flagged
        transmission = (
            s.execute(select(Communication.id).where(Communication.disclosure_id == "FD-1")).scalars().first()
        )
    with ledger.transaction() as s:
        related = related_records(s, transmission)
    assert "FD-1" in related.disclosure_ids and related.lookout_ids and len(related.person_ids) > 1
