"""Importing LIF files: all or nothing, references, duplicates, conflicts, idempotence, SPII at rest."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339, from_micros, parse_rfc3339
from lookout_ledger.interchange.exporter import export_lif
from lookout_ledger.interchange.importer import ImportFailed, import_lif
from lookout_ledger.interchange.schema import _timestamp
from support.cli_support import EXPORT_PURPOSE, auditor
from support.lif_snippets import HEADER, lif_bytes, record, records, table_counts, write_lif


def _export(ledger: Ledger) -> bytes:
    buf = io.BytesIO()
    export_lif(ledger, buf, auditor(ledger), purpose=EXPORT_PURPOSE)
    return buf.getvalue()


def _records_of(export: bytes) -> list[bytes]:
    """Export lines without the header (its exported_at is the clock, not the data)."""
    return export.splitlines()[1:]


def _fail(ledger: Ledger, path: Path, **kw: object) -> ImportFailed:
    with pytest.raises(ImportFailed) as info:
        import_lif(ledger, path, "tester", **kw)  # type: ignore[arg-type]
    return info.value


def _audit_actions(ledger: Ledger) -> list[str]:
    with ledger.reading() as s:
        actions = s.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars()
        return [a for a in actions if a not in ("ledger.bootstrap", "records.write")]  # the test set-up's own


def test_import_every_type(ledger: Ledger, tmp_path: Path) -> None:
    path = write_lif(tmp_path / "a.lif", records())
    report = import_lif(ledger, path, "tester")
    assert report.records == 10
    assert {t: c["inserted"] for t, c in report.counts.items()} == {
        "unit": 1,
        "official": 2,
        "person": 1,
        "lookout": 1,
        "lookout_event": 1,
        "crossing": 1,
        "inspection": 1,
        "disclosure": 1,
        "communication": 1,
    }
    counts = table_counts(ledger)
    assert counts["inspection_officers"] == 2
    assert counts["lookout_topics"] == 2
    assert counts["unit_required_approvals"] == 2
    with ledger.reading() as s:
        row = s.execute(text("SELECT topic_norm FROM lookout_topics WHERE position = 0")).scalar_one()
        assert row == "caravan organisers"
        nulls = s.execute(
            text("SELECT encrypted, confidentiality_advisement, recipient_present, request_written FROM disclosures")
        ).one()
        assert (nulls[0], nulls[1]) == (False, None)  # false and unknown stay different
        assert bool(nulls[2]) is True and bool(nulls[3]) is False


def test_import_is_recorded_in_the_audit_log(ledger: Ledger, tmp_path: Path) -> None:
    data = lif_bytes(records())
    path = tmp_path / "a.lif"
    path.write_bytes(data)
    import_lif(ledger, path, "auditor-7")
    with ledger.reading() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "lif.import")).scalar_one()
    assert entry.actor == "auditor-7"
    assert entry.change_digest == hashlib.sha256(data).hexdigest()
    detail = orjson.loads(entry.detail)
    assert detail["counts"]["person"]["inserted"] == 1
    assert detail["file"] == str(path)


def test_spii_is_not_stored_in_plaintext(ledger: Ledger, tmp_path: Path) -> None:
    import_lif(ledger, write_lif(tmp_path / "a.lif", records()), "tester")
    with ledger.reading() as s:
        dumps = []
        for table in ("persons", "person_other_names", "person_documents"):
            dumps += [repr(tuple(r)) for r in s.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608
    blob = "\n".join(dumps)
    for secret in ("Orsolya", "Venkadirel", "Orsi Venka", "1984-03-02", "X1234567"):
        assert secret not in blob
    assert "US" in blob  # citizenship is not SPII and stays readable


def test_bad_json_line_and_nothing_written(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "a.lif"
    good = lif_bytes(records()).splitlines()
    good.insert(3, b'{"type": "official", "id": "O3", ')  # line 4
    path.write_bytes(b"\n".join(good) + b"\n")
    failure = _fail(ledger, path)
    assert [(e.line, e.field) for e in failure.errors] == [(4, "(line)")]
    assert failure.errors[0].found.startswith("invalid JSON at column ")
    assert "line 1" not in failure.errors[0].found  # the parser's line is not the file's (#15 item 6)
    assert sum(table_counts(ledger).values()) == 0


def test_missing_header(ledger: Ledger, tmp_path: Path) -> None:
    failure = _fail(ledger, write_lif(tmp_path / "a.lif", records(), header=None))
    assert failure.errors[0].line == 1
    assert "header" in failure.errors[0].expected
    empty = tmp_path / "empty.lif"
    empty.write_bytes(b"\n")
    assert "header" in _fail(ledger, empty).errors[0].expected


def test_wrong_version_stops_at_the_header(ledger: Ledger, tmp_path: Path) -> None:
    failure = _fail(ledger, write_lif(tmp_path / "a.lif", records(), header={**HEADER, "version": 2}))
    assert [(e.line, e.field) for e in failure.errors] == [(1, "version")]


def test_all_or_nothing_names_every_bad_line(ledger: Ledger, tmp_path: Path) -> None:
    import_lif(ledger, write_lif(tmp_path / "first.lif", records()[:3]), "tester")  # unit and officials
    before = table_counts(ledger)
    recs = records()
    recs[3]["date_of_birth"] = "1984-13-02"  # line 5
    recs[5]["kind"] = "deleted"  # line 7
    recs[7]["device_search"]["performed"] = None  # line 9
    recs[8]["confidentiality_advisment"] = True  # line 10
    lines = lif_bytes(recs).splitlines()
    lines.insert(6, b"not json at all")  # becomes line 7; later lines shift by one
    path = tmp_path / "corrupt.lif"
    path.write_bytes(b"\n".join(lines) + b"\n")
    failure = _fail(ledger, path)
    assert [(e.line, e.field) for e in failure.errors] == [
        (5, "date_of_birth"),
        (7, "(line)"),
        (8, "kind"),
        (10, "device_search.performed"),
        (11, "confidentiality_advisment"),
    ]
    assert table_counts(ledger) == before
    assert _audit_actions(ledger) == ["lif.import"]  # only the first, successful import


def test_dangling_reference_names_line_and_field(ledger: Ledger, tmp_path: Path) -> None:
    recs = records()
    recs[6]["lookout_ids"] = ["L1", "L404"]  # crossing, line 8
    recs[4]["approved_by"] = "O404"  # lookout, line 6
    failure = _fail(ledger, write_lif(tmp_path / "a.lif", recs))
    assert [(e.line, e.field, e.found) for e in failure.errors] == [
        (6, "approved_by", "'O404', which is neither"),
        (8, "lookout_ids[1]", "'L404', which is neither"),
    ]
    assert "official" in failure.errors[0].expected
    assert sum(table_counts(ledger).values()) == 0


def test_reference_to_an_invalid_line_is_reported_once(ledger: Ledger, tmp_path: Path) -> None:
    recs = records()
    recs[3]["us_person"] = "yes"  # the person line is bad; lines referring to P1 are not blamed for it
    failure = _fail(ledger, write_lif(tmp_path / "a.lif", recs))
    assert [(e.line, e.field) for e in failure.errors] == [(5, "us_person")]


def test_references_resolved_from_the_database(ledger: Ledger, tmp_path: Path) -> None:
    recs = records()
    import_lif(ledger, write_lif(tmp_path / "first.lif", recs[:4]), "tester")
    report = import_lif(ledger, write_lif(tmp_path / "second.lif", recs[4:]), "tester")
    assert report.counts["lookout"]["inserted"] == 1
    assert report.counts["communication"]["inserted"] == 1


def test_forward_references_within_a_file(ledger: Ledger, tmp_path: Path) -> None:
    recs = list(reversed(records()))  # every reference points to a later line
    report = import_lif(ledger, write_lif(tmp_path / "a.lif", recs), "tester")
    assert sum(c["inserted"] for c in report.counts.values()) == 10
    assert table_counts(ledger)["crossing_lookouts"] == 1


def test_duplicate_id_names_both_lines(ledger: Ledger, tmp_path: Path) -> None:
    recs = records()
    recs.append(record("official"))  # same O1 again, identical: the last line, 13
    twin = record("person")
    twin["given_name"] = "Other"
    recs.insert(4, twin)  # P1 twice, adjacent: lines 5 and 6
    failure = _fail(ledger, write_lif(tmp_path / "a.lif", recs))
    found = {(e.line, e.field, e.found) for e in failure.errors}
    assert found == {(6, "id", "'P1', already used on line 5"), (13, "id", "'O1', already used on line 3")}
    assert sum(table_counts(ledger).values()) == 0


def test_duplicate_across_batches(ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lookout_ledger.interchange import importer

    monkeypatch.setattr(importer, "BATCH", 2)  # the twin is written in a later batch than the original
    recs = [*records(), record("unit")]
    failure = _fail(ledger, write_lif(tmp_path / "a.lif", recs))
    assert [(e.line, e.found) for e in failure.errors] == [(12, "'U1', already used on line 2")]


def test_conflict_and_update(ledger: Ledger, tmp_path: Path) -> None:
    import_lif(ledger, write_lif(tmp_path / "a.lif", records()), "tester")
    original = _export(ledger)
    recs = records()
    recs[3]["family_name"] = "Venkadir-Oss"
    recs[3]["documents"] = []
    recs[7]["topics_asked"] = ["funding", "travel"]
    changed = write_lif(tmp_path / "b.lif", recs)
    failure = _fail(ledger, changed)
    assert [(e.line, e.field) for e in failure.errors] == [(5, "id"), (9, "id")]
    assert "--update" in failure.errors[0].expected
    assert failure.errors[0].found == "different family_name, documents"
    assert _export(ledger) == original  # the conflict wrote nothing

    report = import_lif(ledger, changed, "tester", update=True)
    assert report.counts["person"] == {"inserted": 0, "unchanged": 0, "updated": 1}
    assert report.counts["inspection"]["updated"] == 1
    assert report.counts["lookout"]["unchanged"] == 1
    exported = {orjson.loads(x)["id"]: orjson.loads(x) for x in _records_of(_export(ledger))}
    assert exported["P1"]["family_name"] == "Venkadir-Oss"
    assert exported["P1"]["documents"] == []
    assert exported["I1"]["topics_asked"] == ["funding", "travel"]
    assert table_counts(ledger)["person_documents"] == 0
    assert table_counts(ledger)["inspection_topics"] == 2


def test_reimport_is_idempotent(ledger: Ledger, tmp_path: Path) -> None:
    path = write_lif(tmp_path / "a.lif", records())
    import_lif(ledger, path, "tester")
    first = _export(ledger)
    counts = table_counts(ledger)
    report = import_lif(ledger, path, "tester")
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in report.counts.values())
    assert report.counts["official"]["unchanged"] == 2
    assert table_counts(ledger) == counts
    assert _records_of(_export(ledger)) == _records_of(first)
    assert _audit_actions(ledger) == ["lif.import", "lif.export", "lif.import", "lif.export"]


def test_round_trip_is_byte_identical(ledger: Ledger, tmp_path: Path) -> None:
    import_lif(ledger, write_lif(tmp_path / "a.lif", records()), "tester")
    first = _export(ledger)
    exported = tmp_path / "export.lif"
    exported.write_bytes(first)
    for table in reversed(list(table_counts(ledger))):  # empty the database, keep the audit log
        with ledger.transaction() as s:
            s.execute(text(f"DELETE FROM {table}"))  # noqa: S608
    assert sum(table_counts(ledger).values()) == 0
    import_lif(ledger, exported, "tester")
    assert _export(ledger) == first


def test_import_then_export_keeps_instants_and_offsets(ledger: Ledger, tmp_path: Path) -> None:
    import_lif(ledger, write_lif(tmp_path / "a.lif", records()), "tester")
    out = {orjson.loads(x)["id"]: orjson.loads(x) for x in _records_of(_export(ledger))}
    assert out["L1"]["created_at"] == "2018-12-10T14:03:00-08:00"
    assert out["L1"]["approved_at"] == "2018-12-11T09:00:00.25-08:00"
    assert out["L1"]["created_by"] == "O1"
    assert out["D1"]["foreign_request"]["received_at"] == "2019-01-04T08:00:00+00:00"
    assert out["I1"]["officer_ids"] == ["O2", "O1"]  # list order kept
    # every field of the input comes back with the same value (defaults added, nothing else changed)
    for rec in records():
        for key, value in rec.items():
            if key in ("created_at", "approved_at", "received_at", "at"):
                continue
            if isinstance(value, dict) and "received_at" in value:
                continue
            if key == "approvals":
                continue
            assert out[rec["id"]][key] == value, (rec["id"], key)


def test_error_list_is_limited(ledger: Ledger, tmp_path: Path) -> None:
    recs = records()[:1] + [{"type": "official", "id": f"O{i}", "name": "", "unit_id": "U1"} for i in range(250)]
    failure = _fail(ledger, write_lif(tmp_path / "a.lif", recs))
    assert len(failure.errors) == 200
    assert failure.more == 50
    assert "250 problems" in str(failure)


def test_import_from_a_stream(ledger: Ledger) -> None:
    stream = io.BytesIO(b"\n" + lif_bytes(records()) + b"\n\n")  # blank lines are ignored
    report = import_lif(ledger, stream, "tester")
    assert report.counts["person"]["inserted"] == 1
    assert report.source == "<stream>"


@pytest.mark.parametrize(
    "stamp",
    [
        "9999-12-31T23:59:59-23:59",  # valid RFC 3339; its UTC value is after year 9999
        "0001-01-01T00:00:00+23:59",  # and this one before year 1
        "9999-12-31 23:59:59-23:59",  # the space form, refused with a message, not a traceback
        "2200-01-01T00:00:00Z",  # beyond what the ledger stores and re-imports identically
        "1899-12-31T23:59:59Z",
    ],
)
def test_an_instant_outside_the_stored_range_is_refused_with_its_line(
    ledger: Ledger, tmp_path: Path, stamp: str
) -> None:
    """#15 item 1: one such line was accepted, then screening, export and re-import failed for everyone."""
    recs = records()
    lookout = next(i for i, r in enumerate(recs) if r["type"] == "lookout")
    recs[lookout]["created_at"] = stamp
    before = table_counts(ledger)
    failure = _fail(ledger, write_lif(tmp_path / "far.lif", recs))
    assert [(e.line, e.field) for e in failure.errors] == [(lookout + 2, "created_at")]
    assert "1900-01-01T00:00:00Z" in failure.errors[0].expected or "RFC 3339" in failure.errors[0].expected
    assert table_counts(ledger) == before


@settings(max_examples=200, deadline=None)
@given(
    instant=st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2199, 12, 30)),
    offset=st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59),
)
def test_every_instant_lif_accepts_comes_back_identically(instant: datetime, offset: int) -> None:
    """Property: what the parser accepts it stores as (UTC microseconds, offset) and writes back
    as the same text, so an exported file re-imports unchanged."""
    text_ = format_rfc3339(instant.replace(tzinfo=UTC), offset)
    errs: list[object] = []
    stamp = _timestamp(text_, "at", errs)  # type: ignore[arg-type]
    assert not errs
    assert format_rfc3339(from_micros(stamp.micros), stamp.offset) == text_
    assert parse_rfc3339(text_) == (from_micros(stamp.micros), offset)


def test_the_same_file_imported_twice_at_once_is_applied_once(ledger: Ledger, tmp_path: Path) -> None:
    """#15 item 3: on PostgreSQL the second of two simultaneous imports died with a UniqueViolation."""
    from support.concurrency import at_once

    path = write_lif(tmp_path / "twice.lif", records())
    reports, errors = at_once(lambda: import_lif(ledger, path, "tester"), 2)
    assert errors == []
    inserted = sorted(sum(c["inserted"] for c in r.counts.values()) for r in reports)  # type: ignore[attr-defined]
    assert inserted == [0, 10]  # one applied it; the other waited and found it unchanged
