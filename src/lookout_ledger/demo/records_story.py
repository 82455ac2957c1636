"""The communications of the demo scenario: the e-mails that survived and the chats that did not.

Surviving official e-mails carry the story (target profiles sent five days before the
deny-entry request, the forward up the chain, a commander asking about it hours later, a
self-reminder to "provide the target list", a retroactive approval request two months after
the fact, the "no records" answers). WhatsApp chats on personal accounts were deleted or lost
(retained false) and never forwarded to an official account; a personal text exchange about
an inherited lookout was kept but never forwarded either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lookout_ledger.demo.builder import LifBuilder, local, stamp

MEXICAN_IMMIGRATION_CONTACT = "e.vidaurri@inm-bc.gob.example"
MEXICAN_INTEL_WEBMAIL = "enlace.tijuana@webmail.example"


def _address(official_id: str) -> str:
    return f"{official_id.lower()}@agency.example"


def _personal(official_id: str) -> str:
    return f"{official_id.lower().replace('off-', '')}.home@webmail.example"


def _message(
    b: LifBuilder,
    moment: datetime,
    *,
    channel: str,
    account: str,
    sender: str,
    recipients: list[str],
    subject: str | None,
    body: str,
    retained: bool,
    attachments: list[str] | None = None,
    forwarded: datetime | None = None,
    disclosure_id: str | None = None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": b.next_id("CM"),
        "channel": channel,
        "account": account,
        "sent_at": stamp(moment),
        "sender": sender,
        "recipients": recipients,
        "subject": subject,
        "body": body,
        "attachments": attachments or [],
        "forwarded_to_official_at": None if forwarded is None else stamp(forwarded),
        "retained": retained,
    }
    if disclosure_id:
        fields["disclosure_id"] = disclosure_id
    return b.add("communication", **fields)


def _official_email(
    b: LifBuilder, moment: datetime, sender: str, recipients: list[str], subject: str, body: str, **kw: Any
) -> dict[str, Any]:
    return _message(
        b,
        moment,
        channel="official_email",
        account="official",
        sender=_address(sender),
        recipients=recipients,
        subject=subject,
        body=body,
        retained=True,
        **kw,
    )


def _whatsapp(b: LifBuilder, moment: datetime, sender: str, recipients: list[str], body: str, **kw: Any) -> None:
    """A chat on a personal WhatsApp account: not an official account, never forwarded, not kept."""
    _message(
        b,
        moment,
        channel="whatsapp",
        account="personal",
        sender=sender,
        recipients=recipients,
        subject=None,
        body=body,
        retained=False,
        **kw,
    )


def build_communications(b: LifBuilder) -> None:
    _deny_entry_request(b)
    _powerpoint(b)
    _webmail_disclosure(b)
    _targeting_center(b)
    _inherited_lookouts(b)
    _records_requests(b)


def _deny_entry_request(b: LifBuilder) -> None:
    _official_email(
        b,
        local("2018-12-05", "16:20"),
        "OFF-EOC-2",
        [_address("OFF-FOB-1")],
        "Target profiles",
        "Attached are profiles for the 24 caravan organizers/instigators we discussed.",
        attachments=["target_profiles_24.pdf"],
    )
    _official_email(
        b,
        local("2018-12-10", "14:35"),
        "OFF-FOB-4",
        [_address("OFF-FOB-1")],
        "Draft note to immigration",
        "English draft, no names: CBP has identified organizers of the caravan in Tijuana; "
        "requests that they be denied entry and returned to the United States for interview.",
    )
    _official_email(
        b,
        local("2018-12-10", "15:40"),
        "OFF-FOB-1",
        [MEXICAN_IMMIGRATION_CONTACT, _address("OFF-FOB-5")],
        "Organizadores de la caravana",
        "Spanish text of the request: 24 named people with dates of birth and nationalities; asks that "
        "they be denied entry to Mexico and returned to the United States.",
        attachments=["lista_24.xlsx"],
        disclosure_id="FD-1",
    )
    _whatsapp(
        b,
        local("2018-12-10", "16:30"),
        "OFF-FOB-1 (personal WhatsApp)",
        ["Mexican immigration contact"],
        "Chat with the Mexican immigration contact; deleted when the detail ended, content unknown.",
    )
    _official_email(
        b,
        local("2018-12-10", "19:05"),
        "OFF-EOC-4",
        [_address("OFF-EOC-3"), _address("OFF-FOB-1")],
        "List provided to Mexico?",
        "Asking whether a list of U.S. citizens was provided to Mexico to deny them entry.",
    )
    _official_email(
        b,
        local("2018-12-11", "08:10"),
        "OFF-FOB-1",
        [_address("OFF-EOC-2")],
        "FW: Organizadores de la caravana",
        "Forwarding the request sent yesterday.",
    )
    _official_email(
        b,
        local("2018-12-11", "09:02"),
        "OFF-EOC-2",
        [_address("OFF-EOC-3")],
        "FW: FW: Organizadores de la caravana",
        "FYI.",
    )
    _official_email(
        b,
        local("2018-12-28", "10:00"),
        "OFF-EOC-2",
        [_address("OFF-TTRT-1"), _address("OFF-TTRT-2")],
        "Yesterday's interview",
        "What did he say about the associate and the phone number?",
    )


def _powerpoint(b: LifBuilder) -> None:
    _official_email(
        b,
        local("2019-01-05", "07:55"),
        "OFF-FOB-2",
        [_address("OFF-FOB-2")],
        "Reminder",
        "Provide target list to the Mexican government.",
    )
    _whatsapp(
        b,
        local("2019-01-10", "21:15"),
        "OFF-FOB-2 (WhatsApp)",
        ["Regional director, national immigration authority"],
        "Transmission of the PowerPoint; lost when the phone was updated, text unknown.",
        attachments=["caravan_suspected_organizers_fy2019.pptx"],
        disclosure_id="FD-3",
    )
    _official_email(
        b,
        local("2019-01-24", "12:40"),
        "OFF-FOB-3",
        [_address("OFF-FOB-2"), _address("OFF-FOB-6")],
        "Denied entry",
        "The traveler turned back yesterday is on the target deck we shared with Mexico.",
    )
    _official_email(
        b,
        local("2019-01-29", "18:20"),
        "OFF-FOB-3",
        [_address("OFF-FOB-2"), _address("OFF-FOB-6"), _address("OFF-FOB-AC")],
        "Rechazos",
        "Pasted from a group chat: 'Ambos de los alertados de la lista'. Mexico started to reject entry of "
        "people assisting the caravan.",
    )
    _official_email(
        b,
        local("2019-03-12", "09:15"),
        "OFF-FOB-2",
        [_address("OFF-FOB-AC")],
        "Approval request (January briefing)",
        "Requesting approval, after the fact, for the material shared with Mexican officials on January 9.",
    )


def _webmail_disclosure(b: LifBuilder) -> None:
    _official_email(
        b,
        local("2019-01-16", "17:50"),
        "OFF-FOB-3",
        [_personal("OFF-FOB-3")],
        "doc",
        "The document with six U.S. citizens' SPII, sent to his own personal webmail.",
        attachments=["seis.docx"],
    )
    _message(
        b,
        local("2019-01-16", "18:05"),
        channel="personal_email",
        account="personal",
        sender=_personal("OFF-FOB-3"),
        recipients=[_address("OFF-FOB-3")],
        subject="fotos",
        body="Photographs of several caravan associates' driver's licenses, from an external drive.",
        attachments=["licencias.zip"],
        retained=True,
        forwarded=local("2019-01-16", "18:05"),
    )
    _official_email(
        b,
        local("2019-01-17", "11:20"),
        "OFF-FOB-3",
        [MEXICAN_INTEL_WEBMAIL],
        "Información",
        "Six U.S. citizens' SPII; says they may have been involved in a past event. Requests nothing.",
        attachments=["seis.docx"],
        disclosure_id="FD-4",
    )
    _whatsapp(
        b,
        local("2019-01-17", "12:05"),
        "OFF-FOB-3 (personal WhatsApp)",
        ["Mexican intelligence liaison"],
        "Chat with the recipient of the e-mail; deleted by the sender, content unknown.",
        disclosure_id="FD-4",
    )


def _targeting_center(b: LifBuilder) -> None:
    _official_email(
        b,
        local("2019-01-08", "11:30", "ET"),
        "OFF-NTC-1",
        [_address("OFF-NTC-SUP")],
        "Information-sharing arrangement",
        "Internal, non-binding arrangement to share information on caravan organizers, inciters and supporters.",
        attachments=["arrangement.pdf"],
    )
    _whatsapp(
        b,
        local("2019-01-10", "19:30", "ET"),
        "Mexican intelligence analyst",
        ["OFF-NTC-1 (personal WhatsApp)"],
        "Request for information about an American; the chat was deleted and the request not copied to e-mail.",
        disclosure_id="FD-5",
    )
    sends = [
        ("FD-5", local("2019-01-11", "14:05", "ET"), "Unencrypted, unprotected attachment."),
        ("FD-6", local("2019-01-22", "10:10", "ET"), "Password-protected attachment; sent without a request."),
        ("FD-7", local("2019-01-30", "16:45", "ET"), "Password-protected attachment answering a written request."),
        ("FD-8", local("2019-02-07", "09:30", "ET"), "Password-protected attachment answering a written request."),
        ("FD-9", local("2019-02-19", "11:55", "ET"), "Password-protected attachment answering a written request."),
    ]
    for disclosure_id, moment, body in sends:
        _official_email(
            b,
            moment,
            "OFF-NTC-1",
            ["analista.caravana@cni.gob.example"],
            "Solicitud de información",
            body,
            attachments=[f"{disclosure_id.lower()}.pdf"],
            disclosure_id=disclosure_id,
        )


def _inherited_lookouts(b: LifBuilder) -> None:
    """The new owner learns of an inherited lookout from the port, and texts the old owner."""

    def sms(moment: datetime, sender: str, recipient: str, body: str) -> None:
        _message(
            b,
            moment,
            channel="sms",
            account="personal",
            sender=f"{sender} (personal phone)",
            recipients=[f"{recipient} (personal phone)"],
            subject=None,
            body=body,
            retained=True,
        )

    sms(
        local("2019-02-04", "15:20"),
        "OFF-EOC-5",
        "OFF-EOC-1",
        "TTRT says I own the lookout on a journalist at Otay Mesa. Do we still need it?",
    )
    sms(local("2019-02-04", "15:31"), "OFF-EOC-1", "OFF-EOC-5", "No, that one is no longer necessary.")
    _official_email(
        b,
        local("2019-02-13", "17:00"),
        "OFF-EOC-4",
        [_address("OFF-EOC-5"), _address("OFF-EOC-7")],
        "Caravan lookouts",
        "After today's press story, review every caravan lookout you hold and remove those no longer needed.",
    )


def _records_requests(b: LifBuilder) -> None:
    """Both units answered an oversight request about 54 Americans with 'no records'."""
    for sender, when in (("OFF-FOB-AC", "2019-03-20"), ("OFF-NTC-SUP", "2019-03-22")):
        zone = "ET" if sender == "OFF-NTC-SUP" else "PT"
        _official_email(
            b,
            local(when, "10:00", zone),
            sender,
            ["oversight-requests@agency.example"],
            "Response: notices or alerts about 54 U.S. citizens",
            "A search found no records of notices or alerts to any foreign agency about the listed persons.",
        )
