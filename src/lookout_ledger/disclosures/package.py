"""The protected package: a PDF the system builds itself, marked on every page, with the
confidentiality advisement in English and Spanish and only the disclosed fields, encrypted
with AES-256 under a passphrase that travels separately.

The review's disclosures were spreadsheets and PowerPoint slides pasted into WhatsApp and
webmail, unmarked and unencrypted. Building the package here means an official cannot forget
the marking or the advisement, and cannot attach more than the approved fields.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
import orjson
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lookout_ledger.core.crypto import Keyring
from lookout_ledger.people.models import Person, PersonCitizenship, PersonDocument, PersonOtherName, part_row

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
MARKING = "LAW ENFORCEMENT SENSITIVE // DISCLOSED UNDER 19 U.S.C. 1628 // NO FURTHER DISSEMINATION WITHOUT CBP CONSENT"
MARKING_ES = "SENSIBLE PARA LA APLICACIÓN DE LA LEY // NO DIFUNDIR SIN CONSENTIMIENTO DE CBP"
ADVISEMENT_EN = (
    "CONFIDENTIALITY ADVISEMENT. This information is provided by U.S. Customs and Border Protection under "
    "19 U.S.C. 1628 for the stated purpose only. The receiving agency must hold it in confidence, use it only "
    "for that purpose, and must not disclose it to any other person, agency or government without the prior "
    "written consent of U.S. Customs and Border Protection."
)
ADVISEMENT_ES = (
    "AVISO DE CONFIDENCIALIDAD. Esta información es proporcionada por la Oficina de Aduanas y Protección "
    "Fronteriza de los Estados Unidos conforme a 19 U.S.C. 1628 únicamente para el propósito indicado. La "
    "agencia receptora debe mantenerla en confidencialidad, usarla sólo para ese propósito y no debe "
    "divulgarla a ninguna otra persona, agencia o gobierno sin el consentimiento previo y por escrito de la "
    "Oficina de Aduanas y Protección Fronteriza de los Estados Unidos."
)
FIELD_LABELS = {
    "name": "Name / Nombre",
    "date_of_birth": "Date of birth / Fecha de nacimiento",
    "other_names": "Other names / Otros nombres",
    "citizenship": "Citizenship / Nacionalidad",
    "documents": "Documents / Documentos",
    "us_person": "U.S. person / Persona estadounidense",
}
SPII_FIELDS = frozenset({"name", "date_of_birth", "other_names", "documents"})
_hasher = PasswordHasher()


@dataclass(frozen=True)
class PackageHeader:
    reference: str
    created_at: datetime
    agency: str
    recipient_official: str
    purpose: str
    reason: str
    request: str
    requested_action: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Package:
    pdf: bytes  # encrypted
    passphrase: str
    verifier: str
    content_digest: str
    filename: str


def disclosed_records(session: object, keyring: Keyring, persons: list[Person], fields: list[str]) -> list[dict]:
    """Only the chosen fields of each person, decrypted: nothing else reaches the package."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    out = []
    for p in persons:
        row: dict[str, object] = {"id": p.id}
        if "name" in fields:
            given = keyring.decrypt(p.given_name_enc, "person.given_name", p.id) or ""
            family = keyring.decrypt(p.family_name_enc, "person.family_name", p.id) or ""
            row["name"] = f"{given} {family}".strip()
        if "date_of_birth" in fields:
            row["date_of_birth"] = keyring.decrypt(p.date_of_birth_enc, "person.date_of_birth", p.id) or ""
        if "other_names" in fields:
            names = session.execute(
                select(PersonOtherName.name_enc, PersonOtherName.position)
                .where(PersonOtherName.person_id == p.id)
                .order_by(PersonOtherName.position)
            ).all()
            row["other_names"] = [keyring.decrypt(n, "person.other_name", part_row(p.id, i)) or "" for n, i in names]
        if "citizenship" in fields:
            row["citizenship"] = list(
                session.execute(
                    select(PersonCitizenship.country)
                    .where(PersonCitizenship.person_id == p.id)
                    .order_by(PersonCitizenship.position)
                ).scalars()
            )
        if "documents" in fields:
            docs = session.execute(
                select(PersonDocument).where(PersonDocument.person_id == p.id).order_by(PersonDocument.position)
            ).scalars()
            row["documents"] = [
                " ".join(x for x in (d.kind, _number(keyring, d), d.country) if x).strip() for d in docs
            ]
        if "us_person" in fields:
            row["us_person"] = "yes / sí" if p.us_person else "no"
        out.append(row)
    return out


def content_digest(header: PackageHeader, records: list[dict]) -> str:
    """SHA-256 of exactly what was disclosed (header facts and records), for the disclosure log."""
    payload = {
        "reference": header.reference,
        "agency": header.agency,
        "recipient_official": header.recipient_official,
        "purpose": header.purpose,
        "reason": header.reason,
        "request": header.request,
        "requested_action": header.requested_action,
        "fields": list(header.fields),
        "records": records,
    }
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(ttf / "DejaVuSans-Bold.ttf")))


def _mark_page(canvas: Canvas, doc: object) -> None:
    """The sensitivity marking at the top and bottom of every page."""
    width, height = letter
    canvas.saveState()
    canvas.setFillColor(colors.HexColor("#8a1c1c"))
    for y in (height - 10 * mm, 8 * mm):
        canvas.setFont(FONT_BOLD, 7.5)
        canvas.drawCentredString(width / 2, y, MARKING)
        canvas.setFont(FONT, 6.5)
        canvas.drawCentredString(width / 2, y - 3.2 * mm, MARKING_ES)
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT, 7)
    canvas.drawRightString(width - 15 * mm, 14 * mm, f"Page {canvas.getPageNumber()}")
    canvas.restoreState()


def render_pdf(header: PackageHeader, records: list[dict]) -> bytes:
    _register_fonts()
    body = ParagraphStyle("b", fontName=FONT, fontSize=9, leading=12)
    bold = ParagraphStyle("h", parent=body, fontName=FONT_BOLD, fontSize=12, leading=15)
    cell = ParagraphStyle("c", parent=body, fontSize=8, leading=10)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=letter,
        topMargin=22 * mm,
        bottomMargin=22 * mm,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        title=f"Disclosure {header.reference}",
        author="U.S. Customs and Border Protection",
    )
    facts = [
        ("Reference / Referencia", header.reference),
        ("Date / Fecha", header.created_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Recipient / Destinatario", f"{header.recipient_official}, {header.agency}"),
        ("Purpose / Propósito", header.purpose),
        ("Law enforcement reason / Motivo", header.reason),
        ("In answer to / En respuesta a", header.request),
        ("Action requested / Acción solicitada", header.requested_action),
    ]
    story: list = [
        Paragraph("Disclosure of information to a foreign government", bold),
        Spacer(1, 3 * mm),
        Paragraph(escape(ADVISEMENT_EN), body),
        Spacer(1, 2 * mm),
        Paragraph(escape(ADVISEMENT_ES), body),
        Spacer(1, 4 * mm),
        Table(
            [[Paragraph(escape(k), cell), Paragraph(escape(v), cell)] for k, v in facts],
            colWidths=[50 * mm, 130 * mm],
            style=TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]),
        ),
        Spacer(1, 5 * mm),
    ]
    head = ["Record"] + [FIELD_LABELS[f] for f in header.fields]
    rows = [[Paragraph(escape(h), cell) for h in head]]
    for i, r in enumerate(records, 1):
        values = []
        for f in header.fields:
            v = r.get(f, "")
            values.append("; ".join(v) if isinstance(v, list) else str(v))
        rows.append([Paragraph(str(i), cell)] + [Paragraph(escape(v), cell) for v in values])
    width = 180 * mm
    first = 14 * mm
    rest = (width - first) / max(1, len(header.fields))
    story.append(
        Table(
            rows,
            colWidths=[first] + [rest] * len(header.fields),
            repeatRows=1,
            style=TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            ),
        )
    )
    doc.build(story, onFirstPage=_mark_page, onLaterPages=_mark_page)
    return buf.getvalue()


def encrypt_pdf(pdf: bytes, passphrase: str) -> bytes:
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.encrypt(user_password=passphrase, owner_password=secrets.token_urlsafe(32), algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def new_passphrase() -> str:
    """Four groups of five characters: readable over the telephone, ~100 bits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def verify_passphrase(verifier: str, passphrase: str) -> bool:
    try:
        return _hasher.verify(verifier, passphrase)
    except (VerificationError, InvalidHashError):
        return False


def build_package(header: PackageHeader, records: list[dict]) -> Package:
    passphrase = new_passphrase()
    pdf = encrypt_pdf(render_pdf(header, records), passphrase)
    return Package(
        pdf=pdf,
        passphrase=passphrase,
        verifier=_hasher.hash(passphrase),
        content_digest=content_digest(header, records),
        filename=f"disclosure-{header.reference}.pdf",
    )


def _number(keyring: Keyring, d: PersonDocument) -> str | None:
    return keyring.decrypt(d.number_enc, "document.number", part_row(d.person_id, d.position))
