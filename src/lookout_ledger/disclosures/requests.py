"""Foreign requests, recipient agencies and information-sharing agreements.

The review found disclosures that answered WhatsApp messages nobody kept, and one sent to a
webmail address. So a request is recorded from its written form with the document itself
(sealed, since it names people), an agency's official addresses are registered before anyone
can send to them, and an agreement is citable only after the offices that coordinate
agreements have approved it.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.filetypes import document_type, safe_filename
from lookout_ledger.core.ids import new_id
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.disclosures.common import MIN_STATEMENT_CHARS, acting, refusal, same_role, text_field
from lookout_ledger.disclosures.workflow_models import (
    AgencyAddress,
    AgreementApproval,
    ForeignAgency,
    ForeignRequest,
    RequestView,
    SharingAgreement,
)
from lookout_ledger.org.models import Unit

DOCUMENT_CONTEXT = "disclosure.request_document"
# Who opens a request's document: who records and answers it, who approves the answer, and the
# privacy office that reviews it (#16 item 6: the API handed it to every role).
DOCUMENT_READERS = (Role.LIAISON_OFFICER, Role.SUPERVISOR, Role.COUNSEL, Role.AUDITOR)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
REGISTRAR_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)


def mail_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().casefold()


def check_official_address(ledger: Ledger, address: str, field: str = "address") -> str:
    """A syntactically plain address whose domain is not a webmail or personal provider."""
    text = (address or "").strip()
    local, _, domain = text.partition("@")
    if not local or "." not in domain or " " in text or text.count("@") != 1:
        raise LedgerError(f"{field}: expected an e-mail address like name@agency.gob.mx, got {address!r}")
    domain = mail_domain(text)
    personal = {d.casefold() for d in ledger.policy.param("personal_mail_domains", [])}
    if domain in personal or any(domain.endswith("." + d) for d in personal) or "webmail" in domain.split(".")[0]:
        raise refusal(
            ledger.policy,
            "DX-CHANNEL",
            f"{text} is a webmail or personal address ({domain}), not an official address of a government agency.",
            "use an address on the agency's own government domain, registered for that agency.",
        )
    return text.casefold()


def register_agency(ledger: Ledger, session: Session, username: str, agency_id: str, country: str, name: str) -> None:
    user, _ = acting(session, username)
    if not user.has_role(*REGISTRAR_ROLES):
        raise AuthError(f"{username} needs the role admin, supervisor or auditor to register a recipient agency")
    agency_id = text_field(agency_id, "agency id")
    country = text_field(country, "country").upper()
    if len(country) != 2 or not country.isalpha():
        raise LedgerError(f"country: expected a two-letter ISO code like MX, got {country!r}")
    if session.get(ForeignAgency, agency_id) is not None:
        raise LedgerError(f"agency id: {agency_id!r} is already registered")
    session.add(
        ForeignAgency(
            id=agency_id,
            country=country,
            name=text_field(name, "agency name"),
            registered_by=username,
            registered_at=ledger.now(),
        )
    )
    session.flush()
    ledger.audit(session, username, "disclosure.agency.register", "foreign_agency", agency_id, {"country": country})


def register_address(
    ledger: Ledger, session: Session, username: str, agency_id: str, address: str, official_name: str | None = None
) -> str:
    user, _ = acting(session, username)
    if not user.has_role(*REGISTRAR_ROLES):
        raise AuthError(f"{username} needs the role admin, supervisor or auditor to register an official address")
    if session.get(ForeignAgency, agency_id) is None:
        raise NotFound(f"agency: no recipient agency {agency_id!r} is registered")
    clean = check_official_address(ledger, address)
    if session.get(AgencyAddress, (agency_id, clean)) is None:
        session.add(
            AgencyAddress(
                agency_id=agency_id,
                address=clean,
                official_name=" ".join((official_name or "").split()) or None,
                registered_by=username,
                registered_at=ledger.now(),
            )
        )
        session.flush()
        ledger.audit(session, username, "disclosure.address.register", "foreign_agency", agency_id, {"address": clean})
    return clean


def registered_addresses(session: Session, agency_id: str) -> list[str]:
    q = select(AgencyAddress.address).where(AgencyAddress.agency_id == agency_id).order_by(AgencyAddress.address)
    return list(session.execute(q).scalars())


# --- agreements --------------------------------------------------------------------------


def register_agreement(
    ledger: Ledger, session: Session, username: str, title: str, country: str, agency_id: str | None = None
) -> str:
    acting(session, username)
    if agency_id is not None and session.get(ForeignAgency, agency_id) is None:
        raise NotFound(f"agency: no recipient agency {agency_id!r} is registered")
    agreement_id = new_id("AG")
    session.add(
        SharingAgreement(
            id=agreement_id,
            title=text_field(title, "title"),
            country=text_field(country, "country").upper()[:2],
            agency_id=agency_id,
            registered_by=username,
            registered_at=ledger.now(),
        )
    )
    session.flush()
    ledger.audit(session, username, "disclosure.agreement.register", "sharing_agreement", agreement_id, {})
    return agreement_id


def approve_agreement(
    ledger: Ledger, session: Session, username: str, agreement_id: str, office: str, statement: str
) -> None:
    """An office's written coordination of an agreement; the approver must belong to that office.

    An official belongs to an office when their recorded role begins with its name ("chief
    counsel", "privacy officer", "international affairs liaison"; a "sector assistant chief
    counsel" is not the chief counsel), so the approval is attributable to the office.
    """
    _, official = acting(session, username)
    agreement = session.get(SharingAgreement, agreement_id)
    if agreement is None:
        raise NotFound(f"no agreement {agreement_id!r}")
    offices = ledger.policy.param("agreement_offices", [])
    match = next((o for o in offices if same_role(o, office)), None)
    if match is None:
        raise LedgerError(f"office: expected one of {', '.join(offices)}, got {office!r}")
    if official.title_confirmed_by is None or not " ".join((official.role or "").split()).casefold().startswith(
        match.casefold()
    ):
        raise AuthError(
            f"{username} acts as {official.id} ({official.role}), who does not belong to the {match} office "
            "by a title this ledger confirmed (an imported title is a claim)"
        )
    if agreement.registered_by == username:
        raise refusal(
            ledger.policy,
            "DX-SEPARATION-OF-DUTIES",
            f"{username} registered agreement {agreement_id} and cannot also approve it.",
            f"ask another official of the {match} office.",
        )
    if session.get(AgreementApproval, (agreement_id, match)) is not None:
        raise LedgerError(f"office: the {match} office has already approved agreement {agreement_id}")
    session.add(
        AgreementApproval(
            agreement_id=agreement_id,
            office=match,
            username=username,
            official_id=official.id,
            at=ledger.now(),
            statement=text_field(statement, "statement", MIN_STATEMENT_CHARS),
        )
    )
    session.flush()
    ledger.audit(
        session, username, "disclosure.agreement.approve", "sharing_agreement", agreement_id, {"office": match}
    )


def missing_agreement_offices(ledger: Ledger, session: Session, agreement_id: str) -> list[str]:
    done = set(
        session.execute(
            select(AgreementApproval.office).where(AgreementApproval.agreement_id == agreement_id)
        ).scalars()
    )
    return [o for o in ledger.policy.param("agreement_offices", []) if o not in done]


def require_citable_agreement(ledger: Ledger, session: Session, agreement_id: str) -> None:
    if session.get(SharingAgreement, agreement_id) is None:
        raise NotFound(f"agreement: no agreement {agreement_id!r}")
    missing = missing_agreement_offices(ledger, session, agreement_id)
    if missing:
        raise refusal(
            ledger.policy,
            "DX-AGREEMENT-COORDINATION",
            f"agreement {agreement_id} lacks the approval of: {', '.join(missing)}; it cannot be cited as a basis.",
            "have each coordinating office approve the agreement first, or cite no agreement.",
            missing=missing,
        )


# --- requests ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInput:
    unit_id: str
    agency_id: str
    sender_name: str
    sent_on: datetime
    asked: str
    received_at: datetime | None = None
    document: bytes | None = None
    document_name: str | None = None  # the type is found from the content (core.filetypes)
    exigency: str | None = None  # set only for an oral request taken under exigent circumstances
    agreement_id: str | None = None


def _seal_document(ledger: Ledger, fr: ForeignRequest, data: bytes, name: str | None) -> None:
    """Check the upload by its content (the uploader's type is a claim) and seal it on the request."""
    if not data:
        raise LedgerError("document: the request's document is empty")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise LedgerError(f"document: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    media = document_type(data)
    token = ledger.keyring.encrypt(base64.b64encode(data).decode("ascii"), DOCUMENT_CONTEXT, fr.id)
    assert token is not None
    fr.document_digest, fr.document_enc = hashlib.sha256(data).hexdigest(), token
    fr.document_name = text_field(safe_filename(name, "request"), "document name")
    fr.document_type = media


def record_request(ledger: Ledger, session: Session, username: str, req: RequestInput) -> ForeignRequest:
    """Record a foreign request: written with its document, or oral under a stated exigency."""
    user, _ = acting(session, username)
    if not user.has_role(Role.LIAISON_OFFICER):
        raise AuthError(f"{username} needs the role liaison_officer to record a foreign request")
    if session.get(Unit, req.unit_id) is None:
        raise NotFound(f"unit: no unit {req.unit_id!r}")
    if session.get(ForeignAgency, req.agency_id) is None:
        raise NotFound(f"agency: no recipient agency {req.agency_id!r} is registered")
    now = ledger.now()
    received = req.received_at or now
    if req.sent_on > now or received > now:
        raise LedgerError("date: a request cannot be sent or received in the future")
    if req.agreement_id is not None:
        require_citable_agreement(ledger, session, req.agreement_id)
    sender = text_field(req.sender_name, "sender")
    asked = text_field(req.asked, "asked", MIN_STATEMENT_CHARS, "what the foreign agency asks for")
    written = req.document is not None
    exigency = " ".join((req.exigency or "").split()) or None
    if not written and exigency is None:
        raise refusal(
            ledger.policy,
            "DX-WRITTEN-REQUEST",
            "the request has no written form attached and no exigency is stated.",
            "attach the written request (letter, e-mail or form), or state the exigency that justifies "
            "acting on an oral request.",
        )
    if not written and exigency is not None and len(exigency) < MIN_STATEMENT_CHARS:
        raise LedgerError(f"exigency: state the exigency in at least {MIN_STATEMENT_CHARS} characters")
    fr = ForeignRequest(
        id=new_id("FR"),
        unit_id=req.unit_id,
        sender_name=sender,
        agency_id=req.agency_id,
        sent_on=req.sent_on,
        received_at=received,
        asked=asked,
        agreement_id=req.agreement_id,
        written=written,
        exigency=None if written else exigency,
        recorded_by=username,
        recorded_at=now,
    )
    if written:
        assert req.document is not None
        _seal_document(ledger, fr, req.document, req.document_name)
        fr.written_received_at = received
    else:
        fr.written_due_at = received + timedelta(days=int(ledger.policy.param("exigent_request_days", 3)))
    session.add(fr)
    session.flush()
    ledger.audit(
        session,
        username,
        "disclosure.request.record",
        "foreign_request",
        fr.id,
        {"written": written, "agency": req.agency_id, "document_sha256": fr.document_digest},
    )
    return fr


def record_written_form(
    ledger: Ledger, session: Session, username: str, request_id: str, document: bytes, document_name: str
) -> ForeignRequest:
    """The written form of an exigent oral request arrives; late arrival is recorded, not hidden."""
    from lookout_ledger.history.disclosures import Disclosure  # the log entries answering this request

    user, _ = acting(session, username)
    if not user.has_role(Role.LIAISON_OFFICER):
        raise AuthError(f"{username} needs the role liaison_officer to record a foreign request")
    fr = get_request(session, request_id)
    if fr.written:
        raise LedgerError(f"request {request_id} already has its written form")
    now = ledger.now()
    _seal_document(ledger, fr, document, document_name)
    fr.written = True
    fr.written_received_at = now
    on_time = fr.written_due_at is None or now <= fr.written_due_at
    if on_time:
        # The request is now in writing, as the rule allows for exigent requests: the log says so.
        from lookout_ledger.disclosures.workflow_models import DisclosureDraft

        ids = session.execute(
            select(DisclosureDraft.disclosure_id).where(
                DisclosureDraft.request_id == request_id, DisclosureDraft.disclosure_id.is_not(None)
            )
        ).scalars()
        for did in ids:
            d = session.get(Disclosure, did)
            if d is not None:
                d.request_written = True
    session.flush()
    ledger.audit(
        session,
        username,
        "disclosure.request.written_form",
        "foreign_request",
        request_id,
        {"document_sha256": fr.document_digest, "on_time": on_time},
    )
    return fr


def list_agencies(session: Session) -> list[ForeignAgency]:
    return list(session.execute(select(ForeignAgency).order_by(ForeignAgency.name)).scalars())


def list_units(session: Session) -> list[Unit]:
    return list(session.execute(select(Unit).order_by(Unit.name)).scalars())


def agreement_as_dict(ledger: Ledger, session: Session, agreement_id: str) -> dict[str, object]:
    """An agreement, its approvals by office and whether it may be cited (every office approved)."""
    ag = session.get(SharingAgreement, agreement_id)
    if ag is None:
        raise NotFound(f"no agreement {agreement_id!r}")
    offices = list(ledger.policy.param("agreement_offices", []))
    rows = session.execute(select(AgreementApproval).where(AgreementApproval.agreement_id == agreement_id)).scalars()
    # in the policy's order of offices, so the answer is the same whatever the approvals' times
    approvals = sorted(rows, key=lambda a: offices.index(a.office) if a.office in offices else len(offices))
    missing = missing_agreement_offices(ledger, session, agreement_id)
    return {
        "id": ag.id,
        "title": ag.title,
        "country": ag.country,
        "agency_id": ag.agency_id,
        "registered_by": ag.registered_by,
        "registered_at": ag.registered_at.isoformat(),
        "approvals": [
            {
                "office": a.office,
                "username": a.username,
                "official_id": a.official_id,
                "at": a.at.isoformat(),
                "statement": a.statement,
            }
            for a in approvals
        ],
        "missing_offices": missing,
        "citable": not missing,
    }


def list_requests(session: Session, limit: int = 50) -> list[ForeignRequest]:
    """The most recent requests first: what the liaison officer answers next."""
    q = select(ForeignRequest).order_by(ForeignRequest.received_at.desc(), ForeignRequest.id).limit(limit)
    return list(session.execute(q).scalars())


def get_request(session: Session, request_id: str) -> ForeignRequest:
    fr = session.get(ForeignRequest, request_id)
    if fr is None:
        raise NotFound(f"no foreign request {request_id!r}")
    return fr


def open_document(ledger: Ledger, session: Session, username: str, request_id: str) -> tuple[str, str, bytes]:
    """The request's document in clear, with the view recorded (approvers must have seen it)."""
    user, _ = acting(session, username)
    if not user.has_role(*DOCUMENT_READERS):
        raise AuthError(f"{username} needs the role {' or '.join(map(str, DOCUMENT_READERS))} to open a request")
    fr = get_request(session, request_id)
    if fr.document_enc is None:
        # An exigent oral request: the request itself is what the liaison officer recorded of it.
        name, media = f"{fr.id}-oral-request.txt", "text/plain; charset=utf-8"
        due = fr.written_due_at.isoformat() if fr.written_due_at else "?"
        data = (
            f"Oral request {fr.id} (written form due by {due})\n"
            f"From: {fr.sender_name} ({fr.agency_id})\nReceived: {fr.received_at.isoformat()}\n"
            f"Asked: {fr.asked}\nExigency: {fr.exigency}\n"
        ).encode()
    else:
        name, media = fr.document_name or "request", fr.document_type or "application/octet-stream"
        data = base64.b64decode(ledger.keyring.decrypt(fr.document_enc, DOCUMENT_CONTEXT, fr.id) or "")
    session.add(RequestView(request_id=request_id, username=user.username, at=ledger.now()))
    session.flush()
    ledger.audit(session, username, "disclosure.request.open", "foreign_request", request_id, {})
    return name, media, data


def has_seen(session: Session, request_id: str, username: str) -> bool:
    q = select(RequestView.id).where(RequestView.request_id == request_id, RequestView.username == username)
    return session.execute(q.limit(1)).first() is not None


def require_request_in_force(ledger: Ledger, fr: ForeignRequest, now: datetime) -> None:
    """A written request, or an exigent oral one whose written form is not yet overdue."""
    if fr.written:
        return
    if fr.written_due_at is not None and now > fr.written_due_at:
        raise refusal(
            ledger.policy,
            "DX-WRITTEN-REQUEST",
            f"request {fr.id} was oral (exigency: {fr.exigency}); its written form was due by "
            f"{fr.written_due_at.isoformat()} and has not been recorded.",
            "record the written request before disclosing anything in answer to it.",
        )
