"""Validation of single LIF lines: required fields, closed enumerations, types, defaults, null vs false."""

from __future__ import annotations

from typing import Any

import pytest

from lookout_ledger.interchange.schema import SPECS, Stamp, to_lif, validate_header, validate_record
from support.lif_snippets import record, records


def _errors(obj: dict[str, Any]) -> dict[str, tuple[str, str]]:
    _t, rec, errs = validate_record(obj)
    assert (rec is None) == bool(errs)
    return {f: (expected, found) for f, expected, found in errs}


@pytest.mark.parametrize("rec", records(), ids=lambda r: r["type"])
def test_every_record_type_valid(rec: dict[str, Any]) -> None:
    rtype, out, errs = validate_record(rec)
    assert errs == []
    assert rtype == rec["type"]
    assert out is not None
    assert list(out) == [f.name for f in SPECS[rtype].fields]  # canonical key order, every key written


REQUIRED = [(t, f.name) for t, spec in SPECS.items() for f in spec.fields if f.required]


@pytest.mark.parametrize(("rtype", "name"), REQUIRED, ids=lambda v: str(v))
def test_missing_required_field_is_named(rtype: str, name: str) -> None:
    rec = record(rtype)
    rec.pop(name, None)
    errs = _errors(rec)
    assert name in errs
    assert "required" in errs[name][0]


ENUMS = [
    ("person", "occupation", ["journalist", "attorney", "advocate", "photographer", "clergy", "other"]),
    ("lookout", "status_code", ["suspect", "non_suspect"]),
    ("lookout", "action", ["refer_secondary", "notify_owner"]),
    (
        "lookout_event",
        "kind",
        [
            "modified",
            "referral_disabled",
            "referral_enabled",
            "removed",
            "transferred",
            "transfer_accepted",
            "reviewed",
        ],
    ),
    (
        "disclosure",
        "channel",
        ["official_email", "personal_email", "whatsapp", "in_person", "phone", "other", "unknown"],
    ),
    ("disclosure", "requested_action", ["none", "information_request", "be_on_lookout", "deny_entry", "unknown"]),
    (
        "communication",
        "channel",
        ["official_email", "personal_email", "whatsapp", "sms", "phone_note", "meeting_note", "other"],
    ),
    ("communication", "account", ["official", "personal"]),
]


@pytest.mark.parametrize(("rtype", "name", "values"), ENUMS, ids=lambda v: str(v)[:30])
def test_enumerations_are_closed(rtype: str, name: str, values: list[str]) -> None:
    for value in values:
        rec = record(rtype)
        rec[name] = value
        assert _errors(rec) == {}, value
        assert validate_record(rec)[1][name] == value  # type: ignore[index]
    for wrong in (values[0].upper(), "sometimes", 3, True):
        rec = record(rtype)
        rec[name] = wrong
        errs = _errors(rec)
        assert name in errs
        assert errs[name][0].startswith("one of ")


def test_defaults_are_filled_in() -> None:
    _t, unit, _e = validate_record({"type": "unit", "id": "U9", "name": "Annex"})
    assert unit == {
        "id": "U9",
        "name": "Annex",
        "restrict_disclosure_channels": False,
        "required_disclosure_approvals": [],
    }
    lookout = record("lookout")
    for key in ("approved_by", "approved_at", "information_sought", "suspected_activity"):
        lookout.pop(key)
    _t, out, _e = validate_record(lookout)
    assert out is not None
    assert out["created_by"] == "O1"  # the owner
    assert out["information_sought"] == []
    assert out["approved_by"] is None and out["approved_at"] is None
    _t, person, _e = validate_record(
        {"type": "person", "id": "P9", "given_name": "Ida", "family_name": "Sorn", "us_person": False}
    )
    assert person is not None
    assert person["other_names"] == [] and person["documents"] == [] and person["citizenship"] == []
    assert person["occupation"] is None and person["date_of_birth"] is None


def test_null_is_not_false() -> None:
    for value in (None, False, True):
        rec = record("disclosure")
        rec["encrypted"] = value
        rec["retained"] = value
        _t, out, _e = validate_record(rec)
        assert out is not None
        assert out["encrypted"] is value and out["retained"] is value
    rec = record("person")
    rec["us_person"] = None  # required: unknown is not allowed
    assert "us_person" in _errors(rec)
    rec = record("unit")
    rec["restrict_disclosure_channels"] = None  # has a default, but null is not false
    assert "restrict_disclosure_channels" in _errors(rec)


def test_unknown_field_is_an_error_with_a_suggestion() -> None:
    rec = record("disclosure")
    rec["confidentiality_advisment"] = True
    errs = _errors(rec)
    assert "confidentiality_advisment" in errs
    assert "did you mean 'confidentiality_advisement'" in errs["confidentiality_advisment"][1]


def test_nested_objects_are_validated_with_their_path() -> None:
    rec = record("disclosure")
    rec["approvals"][0]["at"] = "2019-01-06 morning"
    rec["recipient"]["agencyy"] = "x"
    rec["foreign_request"] = {"received_at": "2019-01-04T08:00:00Z"}
    errs = _errors(rec)
    assert "RFC 3339" in errs["approvals[0].at"][0]
    assert "recipient.agencyy" in errs
    assert "foreign_request.written" in errs
    rec = record("inspection")
    rec["device_search"] = {"performed": "yes"}
    assert _errors(rec)["device_search.performed"] == ("true or false", '"yes"')


@pytest.mark.parametrize(
    ("rtype", "name", "value", "expected"),
    [
        ("lookout", "created_at", "2018-12-10T14:03:00", "offset"),
        ("lookout", "created_at", "2018-02-30T14:03:00Z", "real calendar date"),
        ("lookout", "created_at", 1544479380, "RFC 3339"),
        ("person", "date_of_birth", "02/03/1984", "YYYY-MM-DD"),
        ("person", "citizenship", ["us"], "alpha-2"),
        ("person", "citizenship", "US", "a list"),
        ("person", "us_person", "true", "true or false"),
        ("person", "us_person", 1, "true or false"),
        ("person", "given_name", "  ", "non-empty"),
        ("official", "id", "x" * 201, "at most 200"),
        ("official", "unit_id", 7, "an id"),
        ("crossing", "lookout_ids", ["L1", None], "an id"),
        ("communication", "recipients", "a@example.org", "a list"),
    ],
)
def test_wrong_types_are_errors(rtype: str, name: str, value: Any, expected: str) -> None:
    rec = record(rtype)
    rec[name] = value
    errs = _errors(rec)
    field_errors = {f: e for f, e in errs.items() if f == name or f.startswith(name + "[")}
    assert field_errors, errs
    assert any(expected in e[0] for e in field_errors.values()), field_errors


def test_unknown_type() -> None:
    assert "type" in _errors({"type": "lookoutt", "id": "x"})
    assert _errors({"id": "x"})["type"][1].startswith("nothing")


def test_timestamps_keep_instant_and_offset() -> None:
    _t, out, _e = validate_record(record("lookout"))
    assert out is not None
    assert out["created_at"] == Stamp(1544479380000000, -480)
    assert to_lif("lookout", out)["approved_at"] == "2018-12-11T09:00:00.25-08:00"


def test_header() -> None:
    good = {"type": "header", "format": "lif", "version": 1, "source": "x", "exported_at": "2019-01-01T00:00:00Z"}
    assert validate_header(good) == []
    assert any(f == "version" for f, _e, _x in validate_header({**good, "version": 2}))
    assert any(f == "format" for f, _e, _x in validate_header({**good, "format": "csv"}))
    assert any(f == "colour" for f, _e, _x in validate_header({**good, "colour": "red"}))
