"""A small invented operation with something for every section of the report to show.

Shared by the report tests (and handy to render by hand): two units, five officials, six
persons (one with a distinctive invented name the SPII tests look for), lookouts that are
removed, kept, transferred without notice and never used, repeat inspections, three
disclosures whose Appendix C cells cover all four values, and two problem messages.
Every person and official here is invented.
"""

from __future__ import annotations

from lookout_ledger.core.ledger import Ledger
from support.factories import Factory

NOW = "2019-06-01T00:00:00Z"
SECRET_GIVEN = "Zephyrine"
SECRET_FAMILY = "Quillfeather"


def build(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        fx = Factory(s, ledger.keyring)
        sd = fx.unit(
            "U-SD",
            "San Diego Field Office",
            restrict_disclosure_channels=True,
            required_disclosure_approvals=("supervisor", "counsel"),
        )
        eoc = fx.unit("U-EOC", "Emergency Operations Center")
        eoc1 = fx.official("O-EOC1", eoc, "Rowan Testwood")
        eoc2 = fx.official("O-EOC2", eoc, "Blake Sampleton")
        sup = fx.official("O-SUP", eoc, "Casey Examplar")
        fob = fx.official("O-FOB1", sd, "Drew Fictus")
        ttrt = fx.official("O-TTRT", eoc, "Emery Mockford")

        p1 = fx.person("P-001", SECRET_GIVEN, SECRET_FAMILY, occupation="journalist")
        p2 = fx.person("P-002", "Ona", "Inventada")
        p3 = fx.person("P-003", "Lior", "Madeup")
        p4 = fx.person("P-004", "Sasha", "Notreal")
        p5 = fx.person("P-005", "Kit", "Fabricado")
        p6 = fx.person("P-006", "Remy", "Imaginario", us_person=False)

        # A non-suspect journalist, inspected three times, never reviewed: the review's core story.
        l1 = fx.lookout(
            p1,
            "L-1",
            owner_id=eoc1,
            status_code="non_suspect",
            suspected_activity=None,
            basis="Photographed the caravan; may know its organisers.",
            information_sought=["organisers of the caravan"],
            approved_by=sup,
            approved_at="2018-12-01T09:00:00-08:00",
            created_at="2018-12-01T08:00:00-08:00",
        )
        for n, (day, new_info) in enumerate((("2019-01-02", True), ("2019-01-20", False), ("2019-02-05", False)), 1):
            c = fx.crossing(p1, f"{day}T09:00:00-08:00", id=f"C-1{n}", lookout_ids=[l1])
            fx.inspection(
                p1,
                f"{day}T09:30:00-08:00",
                [l1],
                id=f"I-1{n}",
                crossing_id=c,
                topics_asked=["travel plans"],
                new_information=new_info,
                officer_ids=[ttrt],
            )

        # No basis; inspected once and removed two days later: "removed after the first referral".
        l2 = fx.lookout(p2, "L-2", owner_id=eoc1, basis=None, approved_by=sup)
        c = fx.crossing(p2, "2019-01-05T10:00:00-08:00", id="C-21", lookout_ids=[l2])
        fx.inspection(p2, "2019-01-05T10:15:00-08:00", [l2], id="I-21", crossing_id=c)
        fx.event(l2, "removed", "2019-01-07T12:00:00-08:00", id="E-21", actor_id=eoc1, reason="no longer needed")

        # Non-suspect, never approved, handed to another owner without a word.
        l3 = fx.lookout(p3, "L-3", owner_id=eoc1, status_code="non_suspect", approved_by=None)
        fx.event(l3, "transferred", "2019-01-31T17:00:00-08:00", id="E-31", actor_id=eoc1, to_owner_id=eoc2)

        # Never used.
        fx.lookout(p4, "L-4", owner_id=eoc2, approved_by=sup)

        # Two inspections: the second undocumented, with a phone search nobody justified.
        l5 = fx.lookout(p5, "L-5", owner_id=eoc2, approved_by=sup)
        c = fx.crossing(p5, "2019-01-10T08:00:00-08:00", id="C-51", lookout_ids=[l5])
        fx.inspection(p5, "2019-01-10T08:20:00-08:00", [l5], id="I-51", crossing_id=c)
        c = fx.crossing(p5, "2019-01-16T08:00:00-08:00", id="C-52", lookout_ids=[l5])
        fx.inspection(
            p5,
            "2019-01-16T08:10:00-08:00",
            [l5],
            id="I-52",
            crossing_id=c,
            documented=False,
            ended_at="2019-01-16T15:10:00-08:00",
            device_search={"performed": True, "reason": None, "supervisor_approval_id": sup},
        )

        # Disclosures: deny entry by personal e-mail; a meeting; a WhatsApp message.
        fx.disclosure(
            [p1, p2, p6],
            "2018-12-20T16:45:00-08:00",
            id="D-1",
            unit_id=sd,
            discloser_id=fob,
            channel="personal_email",
            recipient_address_official=False,
            encrypted=False,
            confidentiality_advisement=False,
            sensitivity_marking=None,
            foreign_request={"none": True},
            law_enforcement_reason=None,
            recorded=False,
            retained=None,
            requested_action="deny_entry",
        )
        fx.disclosure(
            [p3],
            "2018-12-22T11:00:00-08:00",
            id="D-2",
            unit_id=sd,
            discloser_id=fob,
            channel="in_person",
            confidentiality_advisement=None,
            sensitivity_marking=None,
            approvals=[
                {"role": "supervisor", "official_id": sup, "at": "2018-12-21T09:00:00-08:00", "written": True},
                {"role": "counsel", "official_id": eoc2, "at": "2018-12-23T09:00:00-08:00", "written": False},
            ],
        )
        fx.disclosure(
            [p4],
            "2019-01-03T20:00:00-08:00",
            id="D-3",
            unit_id=eoc,
            discloser_id=eoc2,
            channel="whatsapp",
            encrypted=None,
            retained=False,
        )

        fx.communication("2018-12-20T16:50:00-08:00", id="M-1", channel="whatsapp", account="personal")
        fx.communication(
            "2018-12-21T09:00:00-08:00", id="M-2", channel="official_email", account="official", retained=False
        )
