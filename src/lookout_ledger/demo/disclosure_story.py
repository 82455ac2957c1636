"""The nine foreign disclosures of the demo scenario (Appendix C of the review).

Each disclosure's facts are chosen so the spec's requirement rules give Appendix C's cell:
the sector's FOB restricts channels (official e-mail to an official address, in person, or
telephone) and needs three written approvals in advance; the targeting center restricts no
channel. Unknown facts are null, never false: "we do not know whether the hard copies were
marked" (Unknown) is a different finding from "the e-mail was not marked" (X).

People named: 54 distinct U.S. persons in all. The PowerPoint lists 38 U.S. travelers with
lookouts (plus one American without a lookout whom Mexico later turned back, and foreign
nationals); the deny-entry e-mail lists 24 people, 14 of them Americans (9 with lookouts, 5
without); the other disclosures add 10 travelers with lookouts and one more American without.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from lookout_ledger.demo.builder import LifBuilder, local, stamp
from lookout_ledger.demo.cast import SAN_YSIDRO
from lookout_ledger.demo.travelers import Travelers

MX = "MX"
IMMIGRATION = "National immigration authority, Baja California office"
INTELLIGENCE = "National intelligence center"

# Travelers with lookouts who are NOT on the PowerPoint: the 13 the review found elsewhere.
NOT_ON_POWERPOINT = {"AJ", "H1", "H2", "H3", "H4", "AZ", "E6A", "E6B", "E6C", "VC", "MF", "E2B", "C11"}
DENY_ENTRY_WITH_LOOKOUTS = ["ADV", "S01", "S02", "S03", "S04", "C01", "C02", "C03", "AT1"]
AMERICANS_WITHOUT_LOOKOUTS = ["X01", "X02", "X03", "X04", "X05", "X06"]
FOREIGN_ON_DENY_ENTRY = [f"F{i:02d}" for i in range(1, 11)]
FOREIGN_ON_POWERPOINT = [f"F{i:02d}" for i in range(1, 9)] + ["F11", "F12"]


def add_other_people(t: Travelers) -> None:
    """Americans without lookouts and foreign nationals named in disclosures, and three people
    the lookouts' bases refer to (not in any disclosure)."""
    for key in AMERICANS_WITHOUT_LOOKOUTS:
        t.add(key, occupation="other" if key in ("X02", "X05") else None)
    nationalities = ["MX", "HN", "GT", "MX", "SV", "MX", "HN", "MX", "GT", "MX", "HN", "MX"]
    for i, country in enumerate(nationalities, start=1):
        t.add(f"F{i:02d}", us_person=False, citizenship=[country])
    t.add("F-VIOLENCE", us_person=False, citizenship=["HN"])  # the person suspected of planning violence
    t.add("F-CHATADMIN", us_person=False, citizenship=["MX"])  # the WhatsApp chat group administrator
    t.add("F-ORGANIZER", us_person=False, citizenship=["GT"])  # seen riding in the vehicle owner's car


def _recipient(agency: str, official: str | None, address: str | None) -> dict[str, Any]:
    return {"country": MX, "agency": agency, "official": official, "address": address}


def _disclosure(
    b: LifBuilder,
    n: int,
    moment: datetime,
    *,
    unit: str,
    discloser: str,
    recipient: dict[str, Any],
    channel: str,
    address_official: bool | None,
    persons: list[str],
    encrypted: bool | None,
    advisement: bool | None,
    marking: bool | None,
    retained: bool | None,
    requested_action: str,
    request: dict[str, Any] | None = None,
    reason: str | None = None,
    approvals: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    if len(set(persons)) != len(persons):
        raise ValueError(f"disclosure {n} names someone twice")
    return b.add(
        "disclosure",
        id=f"FD-{n}",
        at=stamp(moment),
        unit_id=unit,
        discloser_id=discloser,
        recipient=recipient,
        channel=channel,
        recipient_address_official=address_official,
        person_ids=persons,
        spii=True,
        encrypted=encrypted,
        confidentiality_advisement=advisement,
        sensitivity_marking=marking,
        foreign_request=request,
        law_enforcement_reason=reason,
        recorded=False,  # none of the nine was entered in a disclosure log
        retained=retained,
        requested_action=requested_action,
        approvals=approvals or [],
    )


def build_disclosures(b: LifBuilder, t: Travelers) -> None:
    with_lookouts = list(t.lookout_ids)
    powerpoint = t.ids([k for k in with_lookouts if k not in NOT_ON_POWERPOINT] + ["X01", *FOREIGN_ON_POWERPOINT])
    deny_list = t.ids([*DENY_ENTRY_WITH_LOOKOUTS, "X01", "X02", "X03", "X04", "X05", *FOREIGN_ON_DENY_ENTRY])

    # FD-1: official e-mail to an official Mexican address asking Mexico to deny entry to 24
    # people (14 Americans). Not encrypted, no advisement or marking, no log entry; whether
    # related WhatsApp messages were kept is unknown (the discloser deleted his chats).
    _disclosure(
        b,
        1,
        local("2018-12-10", "15:40"),
        unit="U-FOB",
        discloser="OFF-FOB-1",
        recipient=_recipient(IMMIGRATION, "Lic. Ernesto Vidaurri Pons", "e.vidaurri@inm-bc.gob.example"),
        channel="official_email",
        address_official=True,
        persons=deny_list,
        encrypted=False,
        advisement=False,
        marking=False,
        retained=None,
        requested_action="deny_entry",
    )
    # FD-2: the PowerPoint shown at a January meeting: in person, so channel compliant and
    # encryption/retention not applicable; nobody knows what the hard copies said.
    _disclosure(
        b,
        2,
        local("2019-01-09", "10:00"),
        unit="U-FOB",
        discloser="OFF-FOB-2",
        recipient=_recipient("Binational command post (Mexican federal and state officials)", None, None),
        channel="in_person",
        address_official=None,
        persons=powerpoint,
        encrypted=None,
        advisement=None,
        marking=None,
        retained=None,
        requested_action="unknown",
    )
    # FD-3: the same PowerPoint sent by WhatsApp (end-to-end encrypted, but not an allowed
    # channel); the message was lost when the phone was updated.
    _disclosure(
        b,
        3,
        local("2019-01-10", "21:15"),
        unit="U-FOB",
        discloser="OFF-FOB-2",
        recipient=_recipient(IMMIGRATION, "Regional director", "+52 664 555 0142 (WhatsApp)"),
        channel="whatsapp",
        address_official=None,
        persons=powerpoint,
        encrypted=None,
        advisement=None,
        marking=None,
        retained=False,
        requested_action="unknown",
    )
    # FD-4: six Americans' SPII from an official account to a webmail address, unencrypted;
    # the related WhatsApp messages were deleted.
    _disclosure(
        b,
        4,
        local("2019-01-17", "11:20"),
        unit="U-FOB",
        discloser="OFF-FOB-3",
        recipient=_recipient(INTELLIGENCE, "Intelligence liaison", "enlace.tijuana@webmail.example"),
        channel="official_email",
        address_official=False,
        persons=t.ids(["H1", "H2", "E6A", "E6B", "X06", "ADV"]),
        encrypted=False,
        advisement=False,
        marking=False,
        retained=False,
        requested_action="unknown",
    )
    ntc_recipient = _recipient(INTELLIGENCE, "Analyst, caravan desk", "analista.caravana@cni.gob.example")

    def oral_ok(moment: datetime) -> list[dict[str, Any]]:
        """The NTC supervisor's oral go-ahead: an approval, but not a written one."""
        when = stamp(moment - timedelta(minutes=30))
        return [{"role": "NTC supervisor", "official_id": "OFF-NTC-SUP", "at": when, "written": False}]

    purpose = "Border-crossing information to understand the person's role in the caravan"
    # FD-5: the first NTC e-mail, unencrypted; the WhatsApp request it answered was not kept.
    fd5 = local("2019-01-11", "14:05", "ET")
    _disclosure(
        b,
        5,
        fd5,
        unit="U-NTC",
        discloser="OFF-NTC-1",
        recipient=ntc_recipient,
        channel="official_email",
        address_official=True,
        persons=t.ids(["AZ"]),
        encrypted=False,
        advisement=False,
        marking=False,
        retained=False,
        requested_action="information_request",
        request={"written": False, "received_at": stamp(local("2019-01-10", "19:30", "ET"))},
        reason=purpose,
        approvals=oral_ok(fd5),
    )
    # FD-6 to FD-9: password-protected attachments, kept in the official mailbox; FD-6 was
    # sent proactively, the others answer written requests.
    later = [
        (6, local("2019-01-22", "10:10", "ET"), ["AJ", "H3", "MF", "E2B", "J2"], None),
        (7, local("2019-01-30", "16:45", "ET"), ["C11"], local("2019-01-29", "12:00", "ET")),
        (8, local("2019-02-07", "09:30", "ET"), ["S05", "SIX"], local("2019-02-06", "18:10", "ET")),
        (9, local("2019-02-19", "11:55", "ET"), ["J1"], local("2019-02-18", "09:05", "ET")),
    ]
    for n, moment, keys, asked_at in later:
        _disclosure(
            b,
            n,
            moment,
            unit="U-NTC",
            discloser="OFF-NTC-1",
            recipient=ntc_recipient,
            channel="official_email",
            address_official=True,
            persons=t.ids(keys),
            encrypted=True,
            advisement=False,
            marking=False,
            retained=True,
            requested_action="information_request",
            request=None if asked_at is None else {"written": True, "received_at": stamp(asked_at)},
            reason=purpose,
            approvals=oral_ok(moment),
        )

    # Mexico turned one American from the deny-entry list back at the border; the port
    # released him without the interview the request claimed CBP wanted.
    b.crossing(t.person_ids["X01"], local("2019-01-16", "13:25"), SAN_YSIDRO, False, [])
