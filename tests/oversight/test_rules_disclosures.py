"""DS-* finding rules and every cell of the Appendix C requirement matrix."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.disclosures import Disclosure
from lookout_ledger.oversight import requirements as req
from lookout_ledger.oversight.requirements import COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, UNKNOWN
from support.factories import Factory, audit, findings_of

AT = "2018-12-10T14:03:00-08:00"  # 22:03Z
ROLES = ("FOB Assistant Chief", "Division Chief of Operations", "Assistant Chief Counsel")


@pytest.fixture
def fx(ledger: Ledger) -> Iterator[Factory]:
    with ledger.transaction() as s:
        yield Factory(s, ledger.keyring)


def _approvals(*skip: str, **override: dict[str, object]) -> list[dict[str, object]]:
    out = []
    for role in ROLES:
        if role in skip:
            continue
        a: dict[str, object] = {"role": role, "written": True, "at": "2018-12-09T00:00:00Z"}
        a.update(override.get(role, {}))
        out.append(a)
    return out


# --- DS-UNAUTHORIZED ----------------------------------------------------------------------


def test_unauthorized_cases(fx: Factory) -> None:
    unit = fx.unit(id="U-SD", required_disclosure_approvals=ROLES)
    us_person = fx.person(id="P-US")
    cases = {
        "D-OK": _approvals(),
        "D-MISSING": _approvals("Assistant Chief Counsel"),
        "D-ORAL": _approvals(**{"FOB Assistant Chief": {"written": False}}),
        "D-NULLWRITTEN": _approvals(**{"FOB Assistant Chief": {"written": None}}),
        "D-LATE": _approvals(**{"Division Chief of Operations": {"at": "2018-12-10T22:03:01Z"}}),
        "D-SAME-INSTANT": _approvals(**{"Division Chief of Operations": {"at": "2018-12-10T22:03:00Z"}}),
        "D-UNDATED": _approvals(**{"Assistant Chief Counsel": {"at": None}}),
        "D-NONE": [],
    }
    for did, approvals in cases.items():
        fx.disclosure([us_person], id=did, unit_id=unit, at_=AT, approvals=approvals)
    found = findings_of(audit(fx), "DS-UNAUTHORIZED")
    assert set(found) == {"D-MISSING", "D-ORAL", "D-NULLWRITTEN", "D-LATE", "D-UNDATED", "D-NONE"}
    assert "from: Assistant Chief Counsel." in found["D-MISSING"].message
    assert "from: FOB Assistant Chief." in found["D-ORAL"].message
    assert f"from: {', '.join(ROLES)}." in found["D-NONE"].message
    assert "1.6.2.1" in found["D-NONE"].citation


def test_unauthorized_role_must_match(fx: Factory) -> None:
    unit = fx.unit(required_disclosure_approvals=["Counsel"])
    approvals = [{"role": "Supervisor", "written": True, "at": "2018-12-01T00:00:00Z"}]
    fx.disclosure([fx.person()], id="D-1", unit_id=unit, approvals=approvals)
    assert set(findings_of(audit(fx), "DS-UNAUTHORIZED")) == {"D-1"}


def test_unauthorized_needs_a_us_person_and_a_requirement(fx: Factory) -> None:
    strict = fx.unit(required_disclosure_approvals=["Counsel"])
    lax = fx.unit(required_disclosure_approvals=[])
    fx.disclosure([fx.person(us_person=False)], id="D-FOREIGN", unit_id=strict)
    fx.disclosure([fx.person()], id="D-LAX", unit_id=lax)
    assert not findings_of(audit(fx), "DS-UNAUTHORIZED")


def test_disclosure_person_is_first_us_person_named(fx: Factory) -> None:
    foreign = fx.person(id="P-A", us_person=False)
    first_us, second_us = fx.person(id="P-Z"), fx.person(id="P-B")
    unit = fx.unit(id="U-1", required_disclosure_approvals=["Counsel"])
    discloser = fx.official(id="O-D", unit_id=unit)
    fx.disclosure([foreign, first_us, second_us], id="D-1", unit_id=unit, discloser_id=discloser)
    fx.disclosure([foreign], id="D-2", unit_id=unit, foreign_request={"none": True})
    result = audit(fx)
    f = findings_of(result, "DS-UNAUTHORIZED")["D-1"]
    assert (f.person_id, f.owner_id, f.unit_id) == ("P-Z", "O-D", "U-1")
    assert "2 U.S. persons" in f.message
    assert findings_of(result, "DS-NO-WRITTEN-REQUEST")["D-2"].person_id is None


# --- DS-NO-WRITTEN-REQUEST, DS-DENY-ENTRY-REQUEST -----------------------------------------


def test_no_written_request(fx: Factory) -> None:
    p = fx.person()
    fx.disclosure([p], id="D-PROACTIVE", foreign_request={"none": True})
    fx.disclosure([p], id="D-ORAL", foreign_request={"written": False, "received_at": "2018-12-01T00:00:00Z"})
    fx.disclosure([p], id="D-WRITTEN", foreign_request={"written": True, "received_at": None})
    found = findings_of(audit(fx), "DS-NO-WRITTEN-REQUEST")
    assert set(found) == {"D-PROACTIVE", "D-ORAL"}
    assert "proactively" in found["D-PROACTIVE"].message
    assert "not made in writing" in found["D-ORAL"].message


def test_deny_entry_request(fx: Factory) -> None:
    us_p, foreign = fx.person(), fx.person(us_person=False)
    fx.disclosure([us_p, foreign], id="D-DENY", requested_action="deny_entry")
    fx.disclosure([foreign], id="D-DENY-FOREIGN", requested_action="deny_entry")
    fx.disclosure([us_p], id="D-INFO", requested_action="information_request")
    fx.disclosure([us_p], id="D-NULL", requested_action=None)
    found = findings_of(audit(fx), "DS-DENY-ENTRY-REQUEST")
    assert set(found) == {"D-DENY"}
    assert "deny entry to 1 U.S. person" in found["D-DENY"].message


# --- DS-REQUIREMENT -----------------------------------------------------------------------


def test_requirement_finding_lists_non_compliant_keys(fx: Factory) -> None:
    p = fx.person()
    fx.disclosure([p], id="D-BAD", confidentiality_advisement=False, encrypted=False, recorded=False)
    fx.disclosure([p], id="D-UNKNOWN", confidentiality_advisement=None, sensitivity_marking=None, retained=None)
    fx.disclosure([p], id="D-GOOD")
    found = findings_of(audit(fx), "DS-REQUIREMENT")
    assert set(found) == {"D-BAD"}
    msg = found["D-BAD"].message
    assert msg.startswith("Disclosure D-BAD does not comply with: advisement (")
    assert "encryption (" in msg and "record (" in msg and "marking" not in msg
    assert "Section 5.2" in found["D-BAD"].citation and "5.4.6k" in found["D-BAD"].citation


# --- the requirement matrix ---------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(True, COMPLIANT), (False, NON_COMPLIANT), (None, UNKNOWN)])
def test_advisement_and_marking(value: bool | None, expected: str) -> None:
    assert req.advisement(value) == expected
    assert req.marking(value) == expected


@pytest.mark.parametrize(
    ("restrict", "channel", "official", "expected"),
    [
        (False, "whatsapp", None, NOT_APPLICABLE),
        (False, "official_email", False, NOT_APPLICABLE),
        (True, "in_person", None, COMPLIANT),
        (True, "phone", False, COMPLIANT),
        (True, "official_email", True, COMPLIANT),
        (True, "official_email", None, UNKNOWN),
        (True, "official_email", False, NON_COMPLIANT),
        (True, "unknown", True, UNKNOWN),
        (True, "whatsapp", True, NON_COMPLIANT),
        (True, "personal_email", True, NON_COMPLIANT),
        (True, "other", None, NON_COMPLIANT),
    ],
)
def test_channel(restrict: bool, channel: str, official: bool | None, expected: str) -> None:
    assert req.channel(restrict, channel, official) == expected


@pytest.mark.parametrize(
    ("spii", "channel", "encrypted", "expected"),
    [
        (False, "personal_email", False, NOT_APPLICABLE),
        (True, "in_person", False, NOT_APPLICABLE),
        (True, "phone", None, NOT_APPLICABLE),
        (True, "whatsapp", False, COMPLIANT),
        (True, "whatsapp", None, COMPLIANT),
        (True, "official_email", True, COMPLIANT),
        (True, "official_email", False, NON_COMPLIANT),
        (True, "personal_email", None, UNKNOWN),
        (True, "unknown", None, UNKNOWN),
    ],
)
def test_encryption(spii: bool, channel: str, encrypted: bool | None, expected: str) -> None:
    assert req.encryption(spii, channel, encrypted) == expected


@pytest.mark.parametrize(
    ("recorded", "reason", "expected"),
    [
        (True, "Suspected smuggling.", COMPLIANT),
        (True, None, NON_COMPLIANT),
        (True, " \t", NON_COMPLIANT),
        (False, "Suspected smuggling.", NON_COMPLIANT),
        (False, None, NON_COMPLIANT),
    ],
)
def test_record(recorded: bool, reason: str | None, expected: str) -> None:
    assert req.record(recorded, reason) == expected


@pytest.mark.parametrize(
    ("channel", "retained", "expected"),
    [
        ("in_person", False, NOT_APPLICABLE),
        ("phone", None, NOT_APPLICABLE),
        ("whatsapp", True, COMPLIANT),
        ("official_email", False, NON_COMPLIANT),
        ("unknown", None, UNKNOWN),
    ],
)
def test_retention(channel: str, retained: bool | None, expected: str) -> None:
    assert req.retention(channel, retained) == expected


def test_appendix_c_rows_as_in_the_review() -> None:
    """Disclosures 1, 2, 3 and 5 of Appendix C, from the facts the review states."""
    base = {
        "confidentiality_advisement": False,
        "sensitivity_marking": False,
        "recipient_address_official": True,
        "spii": True,
        "encrypted": False,
        "recorded": False,
        "law_enforcement_reason": None,
        "retained": None,
    }
    one = SimpleNamespace(**base, channel="official_email")
    assert list(req.evaluate(one, True).values()) == ["non_compliant"] * 2 + ["compliant"] + ["non_compliant"] * 2 + [
        "unknown"
    ]
    unknown_facts = {**base, "confidentiality_advisement": None, "sensitivity_marking": None}
    two = SimpleNamespace(**unknown_facts, channel="in_person")
    assert list(req.evaluate(two, True).values()) == [
        "unknown", "unknown", "compliant", "not_applicable", "non_compliant", "not_applicable"
    ]  # fmt: skip
    three = SimpleNamespace(
        **{**base, "confidentiality_advisement": None, "sensitivity_marking": None, "retained": False},
        channel="whatsapp",
    )
    assert list(req.evaluate(three, True).values()) == [
        "unknown", "unknown", "non_compliant", "compliant", "non_compliant", "non_compliant"
    ]  # fmt: skip
    five = SimpleNamespace(**{**base, "retained": False}, channel="official_email")
    assert req.evaluate(five, False)["channel"] == "not_applicable"


def test_sql_matrix_agrees_with_python_on_every_branch(fx: Factory) -> None:
    """The set-based SQL evaluation and the pure functions give the same cell for every combination."""
    units = {True: fx.unit(id="U-R", restrict_disclosure_channels=True), False: fx.unit(id="U-F")}
    person = fx.person()
    tri = (True, False, None)
    channels = ("official_email", "personal_email", "whatsapp", "in_person", "phone", "other", "unknown")
    combos = itertools.product(
        channels, (True, False), tri, tri, tri, (True, False), (None, " ", "Reason."), tri, (True, False)
    )
    for n, (channel, spii, enc, official, advised, recorded, reason, retained, restrict) in enumerate(combos):
        if n % 7:  # a spread sample keeps the test fast while still hitting every value of every input
            continue
        fx.disclosure(
            [person],
            id=f"D-{n:05d}",
            unit_id=units[restrict],
            channel=channel,
            spii=spii,
            encrypted=enc,
            recipient_address_official=official,
            confidentiality_advisement=advised,
            sensitivity_marking=enc,
            recorded=recorded,
            law_enforcement_reason=reason,
            retained=retained,
        )
    result = audit(fx)
    rows = {d.id: d for d in fx.s.query(Disclosure)}
    assert len(result.disclosures) == len(rows) > 300
    for cell in result.disclosures:
        d = rows[cell["id"]]
        assert cell["requirements"] == req.evaluate(d, d.unit_id == "U-R"), cell["id"]
    assert [d["id"] for d in result.disclosures] == sorted(rows)
