"""The records-request package as PDF, beside the HTML: the same index, marked SPII on every page.

A records request is often answered on paper or to a requester who cannot open a standalone
HTML file; the PDF carries the same certificate, counts and records, drawn from the same JSON
index (whose SHA-256 is in the audit log), so the two can never say different things. It uses
reportlab, which the disclosures package already uses, with the DejaVu fonts matplotlib ships
so accents, Cyrillic and the like print as written.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
MARKING = "SENSITIVE PERSONALLY IDENTIFIABLE INFORMATION // PRIVACY ACT // DO NOT FORWARD"
KINDS = ("lookouts", "inspections", "disclosures", "communications")


def _fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(ttf / "DejaVuSans-Bold.ttf")))


def _mark(request_id: str) -> Any:
    def mark(canvas: Canvas, _doc: object) -> None:
        width, height = letter
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#8a1c1c"))
        canvas.setFont(FONT_BOLD, 7.5)
        for y in (height - 10 * mm, 8 * mm):
            canvas.drawCentredString(width / 2, y, MARKING)
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT, 7)
        canvas.drawString(15 * mm, 14 * mm, f"Records request {request_id}")
        canvas.drawRightString(width - 15 * mm, 14 * mm, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    return mark


def _table(rows: list[list[str]], widths: list[float], cell: ParagraphStyle) -> Table:
    return Table(
        [[Paragraph(escape(v), cell) for v in row] for row in rows],
        colWidths=widths,
        repeatRows=1,
        style=TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        ),
    )


def _text(v: object) -> str:
    return "-" if v is None else str(v)


def render_pdf(index: dict[str, Any]) -> bytes:
    """The package of a records request (the index `run_request` returns) as a PDF document."""
    _fonts()
    body = ParagraphStyle("b", fontName=FONT, fontSize=9, leading=12)
    h1 = ParagraphStyle("h1", parent=body, fontName=FONT_BOLD, fontSize=14, leading=18)
    h2 = ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=11, leading=15, spaceBefore=6)
    h3 = ParagraphStyle("h3", parent=body, fontName=FONT_BOLD, fontSize=9, leading=12, spaceBefore=4)
    cell = ParagraphStyle("c", parent=body, fontSize=7.5, leading=9.5)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=letter,
        topMargin=20 * mm,
        bottomMargin=22 * mm,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        title=f"Records request {index['request_id']}",
        author=str(index["requested_by"]),
    )
    cert = index["certificate"]
    story: list[Any] = [
        Paragraph(escape(f"Records request {index['request_id']}"), h1),
        Paragraph(
            escape(
                f"Reference: {index.get('reference') or 'none'}. Searched by {index['requested_by']} at "
                f"{index['searched_at']} under policy {index['policy']}."
            ),
            body,
        ),
        Paragraph("Search certificate", h2),
        Paragraph(escape(cert["statement"]), body),
        Spacer(1, 2 * mm),
        _table(
            [["Store", "Records searched", "From", "To"]]
            + [[s["store"], str(s["records_searched"]), _text(s["from"]), _text(s["to"])] for s in cert["stores"]],
            [70 * mm, 30 * mm, 40 * mm, 40 * mm],
            cell,
        ),
        Spacer(1, 3 * mm),
        _table(
            [["Person", "Aliases searched", "Lookouts", "Inspections", "Disclosures", "Communications", "Total"]]
            + [
                [
                    p["person_id"],
                    "; ".join(f"{a['value']} ({a['kind']})" for a in p["aliases_searched"]),
                    *(str(p["counts"][k]) for k in (*KINDS, "total")),
                ]
                for p in index["people"]
            ],
            [22 * mm, 58 * mm, 18 * mm, 20 * mm, 20 * mm, 24 * mm, 18 * mm],
            cell,
        ),
    ]
    for p in index["people"]:
        name = p["aliases_searched"][0]["value"] if p["aliases_searched"] else ""
        story += [Paragraph(escape(f"{p['person_id']}: {name}"), h2), Paragraph(escape(p["answer"]), body)]
        for kind in KINDS:
            rows = p["records"].get(kind) or []
            if not rows:
                continue
            keys = list(rows[0])
            grid = [keys] + [[_text(r.get(k)) for k in keys] for r in rows]
            story += [
                Paragraph(escape(f"{kind.capitalize()} ({len(rows)})"), h3),
                _table(grid, [180 * mm / len(keys)] * len(keys), cell),
            ]
    story += [
        Spacer(1, 4 * mm),
        Paragraph("The SHA-256 digest of the JSON index is recorded in the audit log with this request.", body),
    ]
    mark = _mark(str(index["request_id"]))
    doc.build(story, onFirstPage=mark, onLaterPages=mark)
    return buf.getvalue()
