"""Every refusal of the disclosure workflow, with its rule id and reason; a refused action writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.clock import FixedClock
from lookout_ledger.core.errors import AuthError, Refusal
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.disclosures import drafts, requests, sending
from lookout_ledger.disclosures.common import perform
from lookout_ledger.disclosures.drafts import DraftInput
from lookout_ledger.disclosures.workflow_models import DisclosureDraft, ForeignRequest
from lookout_ledger.history.disclosures import Disclosure
from support.disclosure_world import ADDRESS, AGENCY, SECTOR_ROLES, World, build_world
from support.mail_sink import Sink, with_smtp


@pytest.fixture
def world(sqlite_ledger: Ledger, smtp_sink: tuple[Sink, int]) -> World:
    return build_world(with_smtp(sqlite_ledger, smtp_sink[1]))


def _refused(rule: str, fn: object, match: str) -> Refusal:
    with pytest.raises(Refusal) as exc:
        fn()  # type: ignore[operator]
    assert exc.value.rule == rule, exc.value
    assert match in exc.value.reason, exc.value.reason
    assert exc.value.citation and exc.value.remedy
    return exc.value


def _count(ledger: Ledger, model: type) -> int:
    with ledger.reading() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def _send(world: World, did: str, **kw: object) -> sending.SendResult:
    with world.ledger.transaction() as s:
        return sending.send(world.ledger, s, "lia", did, **kw)  # type: ignore[arg-type]


def _decide(world: World, username: str, did: str, role: str, approve: bool = True) -> None:
    with world.ledger.transaction() as s:
        drafts.decide(world.ledger, s, username, did, role, approve, "Checked the request and the fields.")


def test_request_without_written_form_or_exigency(world: World) -> None:
    _refused(
        "DX-WRITTEN-REQUEST",
        lambda: world.request(document=None),
        "no written form attached and no exigency",
    )
    assert _count(world.ledger, ForeignRequest) == 0


def test_oral_request_whose_written_form_is_overdue(world: World) -> None:
    rid = world.request(document=None, exigency="Traveller at the gate, flight leaves in one hour")
    did = world.draft(rid)
    world.approve_all(did, rid)
    assert isinstance(world.ledger.clock, FixedClock)
    world.ledger.clock.advance(days=3, minutes=1)
    _refused("DX-WRITTEN-REQUEST", lambda: _send(world, did, channel="official_email", address=ADDRESS), "was due")
    _refused("DX-WRITTEN-REQUEST", lambda: world.draft(rid), "has not been recorded")
    assert _count(world.ledger, Disclosure) == 0


def test_agreement_without_coordinating_offices_cannot_be_cited(world: World) -> None:
    ledger = world.ledger
    with ledger.transaction() as s:
        ag = requests.register_agreement(ledger, s, "lia", "Memorandum on traveller information", "MX", AGENCY)
        requests.approve_agreement(ledger, s, "pia", ag, "privacy", "Privacy impact assessment reviewed.")
        requests.approve_agreement(ledger, s, "ian", ag, "international affairs", "Coordinated with State.")
    ref = _refused("DX-AGREEMENT-COORDINATION", lambda: world.request(agreement_id=ag), "chief counsel")
    assert ref.details["missing"] == ["chief counsel"]
    with pytest.raises(AuthError, match="does not belong to the chief counsel office"), ledger.transaction() as s:
        requests.approve_agreement(ledger, s, "cal", ag, "chief counsel", "Legal sufficiency reviewed.")
    with ledger.transaction() as s:
        requests.approve_agreement(ledger, s, "ccl", ag, "chief counsel", "Legal sufficiency reviewed.")
    assert world.request(agreement_id=ag)


def test_purpose_and_fields(world: World) -> None:
    rid = world.request()
    _refused("DX-PURPOSE", lambda: world.draft(rid, purpose="curiosity"), "not one of the four statutory purposes")
    _refused("DX-PURPOSE", lambda: world.draft(rid, fields=[]), "none chosen")
    _refused("DX-PURPOSE", lambda: world.draft(rid, fields=["name", "criminal_history"]), "criminal_history")
    assert _count(world.ledger, DisclosureDraft) == 0


def test_sending_without_every_written_approval(world: World) -> None:
    rid = world.request()
    did = world.draft(rid)
    world.approve_all(did, rid, approvers=("ace", "dco"))
    ref = _refused(
        "DX-APPROVAL-REQUIRED",
        lambda: _send(world, did, channel="official_email", address=ADDRESS),
        "lacks the written approval of: sector assistant chief counsel",
    )
    assert ref.details["missing"] == ["sector assistant chief counsel"]
    world.open_request("cal", rid)
    _decide(world, "cal", did, SECTOR_ROLES[2], approve=False)
    _refused(
        "DX-APPROVAL-REQUIRED",
        lambda: _send(world, did, channel="official_email", address=ADDRESS),
        "(refused by sector assistant chief counsel)",
    )
    assert _count(world.ledger, Disclosure) == 0


def test_no_approval_needed_when_no_us_person_is_named(world: World) -> None:
    rid = world.request()
    did = world.draft(rid, person_ids=["P-MX"])
    with world.ledger.reading() as s:
        assert drafts.view(s, did).approvals == []
    assert _send(world, did, channel="official_email", address=ADDRESS).disclosure_id


def test_nobody_approves_their_own_draft(world: World) -> None:
    rid = world.request()
    did = world.draft(rid, username="dual")
    world.open_request("dual", rid)
    _refused("DX-SEPARATION-OF-DUTIES", lambda: _decide(world, "dual", did, SECTOR_ROLES[0]), "nobody approves")
    with world.ledger.reading() as s:
        assert all(a.state == "pending" for a in drafts.view(s, did).approvals)
        assert drafts.approval_queue(s, "dual") == []
        assert [r for _, r in drafts.approval_queue(s, "ace")] == [SECTOR_ROLES[0]]


def test_approver_must_hold_the_role_and_open_the_request(world: World) -> None:
    rid = world.request()
    did = world.draft(rid)
    _refused("DX-SEE-REQUEST", lambda: _decide(world, "ace", did, SECTOR_ROLES[0]), "has not opened request")
    with pytest.raises(AuthError, match="cannot give the division chief of operations approval"):
        _decide(world, "ace", did, SECTOR_ROLES[1])
    world.open_request("ace", rid)
    _decide(world, "ace", did, SECTOR_ROLES[0])


def test_deny_entry_for_us_persons_needs_a_policy_condition(world: World) -> None:
    rid = world.request()
    _refused(
        "DX-DENY-ENTRY",
        lambda: world.draft(rid, requested_action="deny_entry"),
        "deny entry to U.S. persons (P-US)",
    )
    _refused(
        "DX-DENY-ENTRY",
        lambda: world.draft(
            rid,
            requested_action="deny_entry",
            deny_entry_condition="national_security_determination",
            deny_entry_reference="DET-2019-01",
            determined_by="O-ACE",
        ),
        "designated official",
    )
    _refused(
        "DX-DENY-ENTRY",
        lambda: world.draft(rid, requested_action="deny_entry", deny_entry_condition="outstanding_warrant"),
        "without its reference",
    )
    assert _count(world.ledger, DisclosureDraft) == 0
    # foreign nationals only: the U.S.-person rule does not apply
    assert world.draft(rid, person_ids=["P-MX"], requested_action="deny_entry")
    # a designated official's determination, with counsel's approval among the required ones
    did = world.draft(
        rid,
        requested_action="deny_entry",
        deny_entry_condition="national_security_determination",
        deny_entry_reference="DET-2019-01",
        determined_by="O-COM",
    )
    world.approve_all(did, rid)
    assert _send(world, did, channel="official_email", address=ADDRESS).disclosure_id


def test_deny_entry_in_a_unit_without_counsel_adds_counsels_approval(world: World) -> None:
    from lookout_ledger.org.models import UnitRequiredApproval

    ledger = world.ledger
    with ledger.transaction() as s:
        s.execute(UnitRequiredApproval.__table__.delete().where(UnitRequiredApproval.position == 2))
    rid = world.request()
    did = world.draft(
        rid,
        requested_action="deny_entry",
        deny_entry_condition="outstanding_warrant",
        deny_entry_reference="Warrant 19-CR-0042 (S.D. Cal.)",
    )
    world.approve_all(did, rid, approvers=("ace", "dco"))
    _refused("DX-APPROVAL-REQUIRED", lambda: _send(world, did, channel="official_email", address=ADDRESS), "counsel")
    world.open_request("cal", rid)
    _decide(world, "cal", did, "counsel")
    assert _send(world, did, channel="official_email", address=ADDRESS).disclosure_id


@pytest.mark.parametrize(
    ("channel", "address", "match"),
    [
        ("whatsapp", None, "WhatsApp is not a channel"),
        ("personal_email", "someone@gmail.com", "'personal_email' is not a channel"),
        ("official_email", "enlace.tijuana@yahoo.com.mx", "webmail or personal address"),
        ("official_email", "enlace.tijuana@webmail.example", "webmail or personal address"),
        ("official_email", "otra.persona@inm.gob.example", "not an official address registered"),
    ],
)
def test_channel_and_address(world: World, channel: str, address: str | None, match: str) -> None:
    rid = world.request()
    did = world.draft(rid)
    world.approve_all(did, rid)
    _refused("DX-CHANNEL", lambda: _send(world, did, channel=channel, address=address), match)
    assert _count(world.ledger, Disclosure) == 0


def test_webmail_address_cannot_be_registered(world: World) -> None:
    with pytest.raises(Refusal) as exc, world.ledger.transaction() as s:
        requests.register_address(world.ledger, s, "adm", AGENCY, "liaison@hotmail.com")
    assert exc.value.rule == "DX-CHANNEL"


def test_oral_disclosure_needs_note_and_written_advisement(world: World) -> None:
    rid = world.request()
    did = world.draft(rid)
    world.approve_all(did, rid)
    note = "Told the liaison the two names by telephone; nothing else was said."
    _refused("DX-ADVISEMENT", lambda: _send(world, did, channel="phone", note=note), "advisement")
    with pytest.raises(Exception, match="note: required"):
        _send(world, did, channel="phone", note="called", advisement_given=True)


def test_refusal_is_kept_in_the_audit_log(world: World) -> None:
    ledger = world.ledger
    rid = world.request()
    did = world.draft(rid)
    with pytest.raises(Refusal):
        perform(
            ledger,
            "lia",
            "send",
            lambda s: sending.send(ledger, s, "lia", did, "whatsapp"),
            target=did,
        )
    with ledger.reading() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "disclosure.send.refused")).scalar_one()
        assert entry.target_id == did


def test_draft_input_is_checked_before_anything_is_written(world: World) -> None:
    rid = world.request()
    with pytest.raises(Exception, match="law_enforcement_reason: required"):
        world.draft(rid, law_enforcement_reason="  ")
    with pytest.raises(Exception, match="persons: no person 'P-NOPE'"):
        world.draft(rid, person_ids=["P-NOPE"])
    with world.ledger.transaction() as s, pytest.raises(AuthError, match="liaison_officer"):
        drafts.create_draft(
            world.ledger,
            s,
            "ace",
            DraftInput(rid, ["P-US"], ["name"], "1628a1", "a long enough reason", "none", "Lic. Ficticia"),
        )
    assert _count(world.ledger, DisclosureDraft) == 0
