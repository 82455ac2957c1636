"""Sending an approved draft, and writing the disclosure log entry that the audit judges.

Every check runs again at the moment of sending (request in force, approvals written and
dated before now, deny-entry conditions, channel and address), because that moment is what
the SOP regulates. The e-mail goes out inside the use case's transaction: if the SMTP server
refuses it, nothing is recorded as sent. The LIF `disclosures` row is then written from the
facts of the workflow, so a workflow disclosure is compliant on all six Appendix C
requirements by construction: written request, dated written approvals, advisement and marking
in the package, official channel to an official address, encrypted, recorded with the reason,
and the transmission kept as an official `communications` record.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import AuthError, ConfigError, LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.disclosures import drafts
from lookout_ledger.disclosures.common import acting, refusal, text_field
from lookout_ledger.disclosures.package import (
    ADVISEMENT_EN,
    ADVISEMENT_ES,
    MARKING,
    SPII_FIELDS,
    PackageHeader,
    build_package,
    disclosed_records,
)
from lookout_ledger.disclosures.requests import (
    get_request,
    registered_addresses,
    require_citable_agreement,
    require_request_in_force,
)
from lookout_ledger.disclosures.workflow_models import (
    SEND_CHANNELS,
    STATUTORY_PURPOSES,
    DisclosureDraft,
    ForeignAgency,
)
from lookout_ledger.history.communications import Communication, seal_text
from lookout_ledger.history.disclosures import CHANNELS, Disclosure, DisclosureApproval, DisclosurePerson
from lookout_ledger.notifications.mailer import parse_smtp_url

PACKAGE_CONTEXT = "disclosure.package"
MIN_NOTE_CHARS = 20
PACKAGE_READERS = (Role.LIAISON_OFFICER, Role.AUDITOR)


@dataclass(frozen=True)
class SendResult:
    draft_id: str
    disclosure_id: str
    channel: str
    passphrase: str  # shown once to the sender; only a verifier is stored
    content_digest: str
    filename: str
    package: bytes  # the encrypted PDF


def _check_channel(ledger: Ledger, session: Session, draft: DisclosureDraft, channel: str, address: str | None) -> str:
    policy = ledger.policy
    if channel not in SEND_CHANNELS:
        known = channel in CHANNELS
        raise refusal(
            policy,
            "DX-CHANNEL",
            f"{channel!r} is not a channel for foreign disclosures"
            + (" (WhatsApp is not a channel)" if channel == "whatsapp" else "")
            + ("" if known else " (unknown channel)")
            + ".",
            "send by official e-mail to a registered official address, or disclose in person or by telephone "
            "with a note of what was said and shown.",
        )
    if channel != "official_email":
        return ""
    from lookout_ledger.disclosures.requests import check_official_address

    clean = check_official_address(ledger, address or "", "address")
    if clean not in registered_addresses(session, draft.agency_id):
        raise refusal(
            policy,
            "DX-CHANNEL",
            f"{clean} is not an official address registered for agency {draft.agency_id}.",
            "send to an address registered for the recipient agency, or have the privacy office register it.",
        )
    return clean


def _email(ledger: Ledger, to: str, subject: str, body: str, filename: str, pdf: bytes, ref: str) -> str:
    url = ledger.settings.smtp_url
    if not url:
        raise ConfigError("LOOKOUT_SMTP_URL is not set: there is no mail server to send the package through")
    target = parse_smtp_url(url)
    msg = EmailMessage()
    msg["From"] = target.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["X-Lookout-Disclosure"] = ref
    msg["Sensitivity"] = "Company-Confidential"
    msg.set_content(body)
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    try:
        client: smtplib.SMTP = (
            smtplib.SMTP_SSL(target.host, target.port, timeout=10, context=ssl.create_default_context())
            if target.ssl
            else smtplib.SMTP(target.host, target.port, timeout=10)
        )
        with client:
            if target.starttls:
                client.starttls(context=ssl.create_default_context())
            if target.username:
                client.login(target.username, target.password or "")
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise LedgerError(f"the package was not sent (mail server {target.host}:{target.port}: {exc})") from None
    return target.sender


def send(
    ledger: Ledger,
    session: Session,
    username: str,
    draft_id: str,
    channel: str,
    address: str | None = None,
    note: str | None = None,
    advisement_given: bool = False,
) -> SendResult:
    """Send an approved draft: build and encrypt the package, transmit it, write the log entry."""
    user, official = acting(session, username)
    if not user.has_role(Role.LIAISON_OFFICER):
        raise AuthError(f"{username} needs the role liaison_officer to send a disclosure")
    policy = ledger.policy
    now = ledger.now()
    draft = drafts.get_draft(session, draft_id)
    if draft.status != "draft":
        raise LedgerError(f"draft {draft_id} is {draft.status}; it cannot be sent")
    if official.unit_id != draft.unit_id:
        raise AuthError(
            f"{username} acts for unit {official.unit_id}; draft {draft_id} belongs to unit {draft.unit_id}"
        )
    fr = get_request(session, draft.request_id)
    require_request_in_force(ledger, fr, now)
    if fr.agreement_id is not None:
        require_citable_agreement(ledger, session, fr.agreement_id)
    v = drafts.view(session, draft_id)
    drafts.check_deny_entry(ledger, session, draft, v.us_person_ids)
    missing = [a.role for a in v.approvals if a.state != "approved" or a.at is None or a.at > now]
    if missing:
        refused = [a.role for a in v.approvals if a.state == "refused"]
        raise refusal(
            policy,
            "DX-APPROVAL-REQUIRED",
            f"draft {draft_id} names U.S. persons ({', '.join(v.us_person_ids)}) and lacks the written approval of: "
            f"{', '.join(missing)}" + (f" (refused by {', '.join(refused)})" if refused else "") + ".",
            "wait for every required approval; a refused draft is withdrawn and drafted again.",
            missing=missing,
        )
    clean_address = _check_channel(ledger, session, draft, channel, address)
    oral_note = None
    if channel != "official_email":
        oral_note = text_field(note, "note", MIN_NOTE_CHARS, "what was said and what was shown, and to whom")
        if not advisement_given:
            raise refusal(
                policy,
                "DX-ADVISEMENT",
                "the recipient has not been given the written confidentiality advisement and marked copy.",
                "hand over (or read and then send) the marked copy with the advisement, and confirm it.",
            )
    agency = session.get(ForeignAgency, draft.agency_id)
    assert agency is not None
    persons = drafts.persons_of(session, draft_id)
    records = disclosed_records(session, ledger.keyring, persons, list(draft.fields))
    disclosure_id = "FD-" + draft.id.removeprefix("DD-")
    header = PackageHeader(
        reference=disclosure_id,
        created_at=now,
        agency=agency.name,
        recipient_official=draft.recipient_official,
        purpose=STATUTORY_PURPOSES[draft.purpose],
        reason=draft.law_enforcement_reason,
        request=f"{fr.sender_name}, {fr.sent_on.date().isoformat()}: {fr.asked}",
        requested_action=draft.requested_action.replace("_", " "),
        fields=tuple(draft.fields),
    )
    package = build_package(header, records)
    subject = f"[{MARKING.split(' //')[0]}] Disclosure {disclosure_id}"
    body = (
        f"{ADVISEMENT_EN}\n\n{ADVISEMENT_ES}\n\n"
        f"The attached file is encrypted (AES-256). The passphrase is sent to you separately.\n"
        f"El archivo adjunto está cifrado (AES-256). La contraseña se le envía por separado.\n\n"
        f"Reference: {disclosure_id}\nContent SHA-256: {package.content_digest}\n"
    )
    session.add(
        Disclosure(
            id=disclosure_id,
            at=now,
            at_offset=0,
            unit_id=draft.unit_id,
            discloser_id=official.id,
            recipient_country=agency.country,
            recipient_agency=agency.name,
            recipient_official=draft.recipient_official,
            recipient_address=clean_address or None,
            recipient_present=True,
            channel=channel,
            recipient_address_official=True if channel == "official_email" else None,
            spii=bool(SPII_FIELDS & set(draft.fields)),
            encrypted=True if channel == "official_email" else None,
            confidentiality_advisement=True,
            sensitivity_marking=True,
            request_present=True,
            request_written=fr.written,
            request_received_at=fr.received_at,
            request_received_at_offset=0,
            law_enforcement_reason=draft.law_enforcement_reason,
            recorded=True,
            retained=True,
            requested_action=draft.requested_action,
        )
    )
    session.flush()
    for i, pid in enumerate(v.person_ids):
        session.add(DisclosurePerson(disclosure_id=disclosure_id, position=i, person_id=pid))
    decisions = list(v.approvals)
    for i, a in enumerate(decisions):
        session.add(
            DisclosureApproval(
                disclosure_id=disclosure_id,
                position=i,
                role=a.role,
                official_id=a.official_id,
                at=a.at,
                at_offset=0,
                written=True,
            )
        )
    session.flush()
    draft.status = "sent"
    draft.channel = channel
    draft.recipient_address = clean_address or None
    draft.oral_note = oral_note
    draft.content_digest = package.content_digest
    draft.passphrase_verifier = package.verifier
    draft.package_enc = ledger.keyring.encrypt(base64.b64encode(package.pdf).decode("ascii"), PACKAGE_CONTEXT, draft.id)
    draft.sent_at = now
    draft.sent_by = username
    draft.disclosure_id = disclosure_id
    if channel == "official_email":
        sender = _email(ledger, clean_address, subject, body, package.filename, package.pdf, disclosure_id)
        comm = Communication(
            id="CM-" + disclosure_id,
            channel="official_email",
            account="official",
            sent_at=now,
            sent_at_offset=0,
            sender=sender,
            recipients=[clean_address],
            **seal_text(ledger.keyring, "CM-" + disclosure_id, subject, body),
            attachments=[package.filename],
            retained=True,
            disclosure_id=disclosure_id,
        )
    else:
        comm = Communication(
            id="CM-" + disclosure_id,
            channel="meeting_note" if channel == "in_person" else "phone_note",
            account="official",
            sent_at=now,
            sent_at_offset=0,
            sender=official.name,
            recipients=[f"{draft.recipient_official}, {agency.name}"],
            **seal_text(
                ledger.keyring,
                "CM-" + disclosure_id,
                f"Disclosure {disclosure_id} ({channel.replace('_', ' ')})",
                oral_note,
            ),
            attachments=[package.filename],
            retained=True,
            disclosure_id=disclosure_id,
        )
    session.add(comm)
    session.flush()
    ledger.audit(
        session,
        username,
        "disclosure.send",
        "disclosure",
        disclosure_id,
        {
            "draft": draft_id,
            "request": fr.id,
            "channel": channel,
            "recipient": clean_address or draft.recipient_official,
            "purpose": draft.purpose,
            "persons": v.person_ids,
            "fields": list(draft.fields),
            "approvals": [{"role": a.role, "official": a.official_id} for a in decisions],
        },
        change_digest=package.content_digest,
    )
    return SendResult(
        draft_id, disclosure_id, channel, package.passphrase, package.content_digest, package.filename, package.pdf
    )


def stored_package(ledger: Ledger, session: Session, username: str, draft_id: str) -> tuple[str, bytes]:
    """The encrypted package as sent (still under its passphrase), for the record: the liaison
    officers who send and the auditors (privacy office) who review, as on the pages."""
    user, _ = acting(session, username)
    if not user.has_role(*PACKAGE_READERS):
        raise AuthError(f"{username} needs the role {' or '.join(map(str, PACKAGE_READERS))} to open a sent package")
    draft = drafts.get_draft(session, draft_id)
    if draft.package_enc is None:
        raise LedgerError(f"draft {draft_id} has not been sent")
    pdf = base64.b64decode(ledger.keyring.decrypt(draft.package_enc, PACKAGE_CONTEXT, draft.id) or "")
    ledger.audit(session, username, "disclosure.package.open", "disclosure", draft.disclosure_id, {})
    return f"disclosure-{draft.disclosure_id}.pdf", pdf
