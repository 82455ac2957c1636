"""The oversight report as PDF (reportlab): the same sections as the HTML, for filing and printing.

The PDF is drawn from the same `ReportContext` as the HTML, so both say the same thing. It
embeds DejaVu Sans (shipped with matplotlib, so present wherever the charts work) because
the Appendix C marks need a font with a check mark, and because an embedded font prints the
same everywhere. Long tables split across pages with their header repeated; internal links
go from the summary tables to the findings and records, and every section is in the outline.
The document is written in reportlab's invariant mode (no creation date, fixed document id),
so the same audit gives the same bytes and the sha256 in the audit log can be checked.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    LongTable,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from lookout_ledger.oversight.report import CELL_CLASS, REQUIREMENT_HEADINGS, ReportContext, charts

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_BOLD_ITALIC = "DejaVuSans-BoldOblique"

ACCENT = colors.HexColor("#1b3a6b")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#c8ccd2")
HEAD = colors.HexColor("#eef1f5")
CELL_FILL = {
    "ok": colors.HexColor("#dcefe0"),
    "bad": colors.HexColor("#f6d5d1"),
    "unknown": colors.HexColor("#fbeccb"),
    "na": colors.HexColor("#ececec"),
}

PAGE = letter
WIDE_PAGE = landscape(letter)  # the Appendix C matrix: twelve columns need the width
MARGIN = 15 * mm
WIDTH = PAGE[0] - 2 * MARGIN
WIDE_WIDTH = WIDE_PAGE[0] - 2 * MARGIN
HEIGHT = PAGE[1] - 2 * MARGIN - 8 * mm


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name, file in (
        (FONT, "DejaVuSans.ttf"),
        (FONT_BOLD, "DejaVuSans-Bold.ttf"),
        (FONT_ITALIC, "DejaVuSans-Oblique.ttf"),
        (FONT_BOLD_ITALIC, "DejaVuSans-BoldOblique.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(ttf / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, alignment=TA_LEFT)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.2),
        "cellb": ParagraphStyle("cellb", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9.2),
        "mark": ParagraphStyle("mark", parent=base, fontName=FONT_BOLD, fontSize=7, leading=9, alignment=1),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=6.5, leading=8),
        "ruleid": ParagraphStyle("ruleid", parent=base, fontSize=6.8, leading=8.6),
        "muted": ParagraphStyle("muted", parent=base, fontSize=8, leading=10.5, textColor=MUTED),
        "kicker": ParagraphStyle("kicker", parent=base, fontSize=8, textColor=MUTED),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=17, leading=21, textColor=ACCENT),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=16,
            textColor=ACCENT,
            spaceBefore=6,
            spaceAfter=6,
        ),
        # keepWithNext: a heading never ends a page without what follows it
        "h3": ParagraphStyle(
            "h3", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=8, spaceAfter=3, keepWithNext=1
        ),
        "statement": ParagraphStyle(
            "statement", parent=base, fontSize=8, leading=10.5, textColor=MUTED, spaceAfter=4, keepWithNext=1
        ),
        "bullet": ParagraphStyle("bullet", parent=base, fontSize=9.5, leading=13, leftIndent=10, bulletIndent=0),
        "notice": ParagraphStyle(
            "notice",
            parent=base,
            backColor=colors.HexColor("#fff3cd"),
            borderPadding=4,
            borderColor=colors.HexColor("#d9b44a"),
        ),
    }


def _t(text: object) -> str:
    """Plain text made safe for reportlab's paragraph markup."""
    return escape(str(text))


class _Doc(BaseDocTemplate):
    """Adds every level-2 heading to the PDF outline, so a reader can jump between sections."""

    def afterFlowable(self, flowable: Flowable) -> None:
        key = getattr(flowable, "_outline_key", None)
        if key:
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable._outline_title, key, level=flowable._outline_level)  # type: ignore[attr-defined]


def _heading(text: str, style: ParagraphStyle, key: str, level: int = 0) -> Paragraph:
    p = Paragraph(f'<a name="{key}"/>{_t(text)}', style)
    p._outline_key = key  # type: ignore[attr-defined]
    p._outline_title = text  # type: ignore[attr-defined]
    p._outline_level = level  # type: ignore[attr-defined]
    return p


def _link(text: str, target: str | None) -> str:
    return f'<a href="#{target}" color="#1f4f8f">{_t(text)}</a>' if target else _t(text)


def _table(rows: list[list[Any]], widths: list[float], header: bool = True, extra: list[Any] | None = None) -> Table:
    # LongTable splits long tables across pages without re-measuring every row per page.
    kind = LongTable if len(rows) > 100 else Table
    table = kind(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD))
    table.setStyle(TableStyle(style + (extra or [])))
    return table


def _chart(png: bytes, max_height: float = HEIGHT - 30 * mm) -> Image:
    img = Image(io.BytesIO(png))
    scale = min(WIDTH / img.imageWidth, max_height / img.imageHeight)
    img.drawWidth = img.imageWidth * scale
    img.drawHeight = img.imageHeight * scale
    return img


def _on_page(ctx: ReportContext) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(MUTED)
        left = (
            f"Lookout Ledger oversight report · evaluated at {ctx.evaluated_at} · "
            f"{ctx.policy_name} {ctx.policy_version}"
        )
        if ctx.include_spii:
            left += " · CONTAINS SPII"
        canvas.drawString(MARGIN, MARGIN - 6 * mm, left)
        canvas.drawRightString(canvas._pagesize[0] - MARGIN, MARGIN - 6 * mm, f"Page {doc.page}")
        canvas.restoreState()

    return draw


def render_pdf(ctx: ReportContext) -> bytes:
    _register_fonts()
    s = _styles()
    buf = io.BytesIO()
    doc = _Doc(
        buf,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=ctx.title,
        author="Lookout Ledger",
        subject=f"Audit evaluated at {ctx.evaluated_at}",
        creator="Lookout Ledger",
        invariant=True,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    wide = Frame(
        doc.leftMargin, doc.bottomMargin, WIDE_WIDTH, WIDE_PAGE[1] - doc.topMargin - doc.bottomMargin, id="wide"
    )
    doc.addPageTemplates(
        [
            PageTemplate(id="page", frames=[frame], onPage=_on_page(ctx), pagesize=PAGE),
            PageTemplate(id="wide", frames=[wide], onPage=_on_page(ctx), pagesize=WIDE_PAGE),
        ]
    )
    story: list[Flowable] = []
    story += _title_block(ctx, s)
    story += _summary(ctx, s)
    story += _inspections(ctx, s)
    story += _by_rule(ctx, s)
    story += _by_owner(ctx, s)
    story += _matrix(ctx, s)
    story += _finding_list(ctx, s)
    story += _records(ctx, s)
    doc.build(story)
    return buf.getvalue()


# --- sections ------------------------------------------------------------------------------------


def _title_block(ctx: ReportContext, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    kicker = "LOOKOUT LEDGER · OVERSIGHT REPORT" + (" · CONTAINS SPII" if ctx.include_spii else "")
    meta = [
        ("Evaluated at", ctx.evaluated_at),
        ("Policy", f"{ctx.policy_name}, version {ctx.policy_version}"),
        ("Review window", f"{ctx.review_window_days} day{'' if ctx.review_window_days == 1 else 's'}"),
        ("Database", ctx.database),
        ("Records audited", ", ".join(f"{n} {label.lower()}" for label, n in ctx.counts)),
        ("Findings", str(ctx.total_findings)),
    ]
    rows = [[Paragraph(_t(k), s["cellb"]), Paragraph(_t(v), s["cell"])] for k, v in meta]
    out: list[Flowable] = [
        Paragraph(_t(kicker), s["kicker"]),
        Spacer(1, 2 * mm),
        Paragraph(_t(ctx.title), s["h1"]),
        Spacer(1, 4 * mm),
        _table(rows, [35 * mm, WIDTH - 35 * mm], header=False),
        Spacer(1, 4 * mm),
    ]
    if ctx.include_spii:
        out.append(
            Paragraph(
                f"<b>This report names persons.</b> Names were decrypted for the stated purpose “{_t(ctx.purpose)}”; "
                "each read is recorded in the ledger's audit log. Handle as sensitive PII.",
                s["notice"],
            )
        )
    else:
        out.append(
            Paragraph(
                "Persons are shown by their ledger id only. Names are sensitive PII and appear only in a report "
                "written with --include-spii and a stated purpose, which the audit log records.",
                s["muted"],
            )
        )
    return out


def _summary(ctx: ReportContext, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [Spacer(1, 5 * mm), _heading("1. Summary", s["h2"], "summary")]
    out += [Paragraph(_t(line), s["bullet"], bulletText="•") for line in ctx.headlines]
    rows: list[list[Any]] = [[Paragraph("<b>Metric</b>", s["cell"]), Paragraph("<b>Key</b>", s["cell"]), "Value"]]
    for m in ctx.metric_rows:
        rows.append([Paragraph(_t(m.label), s["cell"]), Paragraph(_t(m.key), s["cell"]), str(m.value)])
    out += [
        Spacer(1, 3 * mm),
        _table(
            rows,
            [95 * mm, 70 * mm, 20 * mm],
            extra=[("ALIGN", (2, 0), (2, -1), "RIGHT"), ("FONT", (0, 0), (-1, -1), FONT, 7.5)],
        ),
    ]
    return out


def _inspections(ctx: ReportContext, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    png = charts.inspections_chart(ctx.inspections_by_person, "png")
    assert isinstance(png, bytes)
    out: list[Flowable] = [
        PageBreak(),
        _heading("2. Initial and repeat inspections", s["h2"], "figure-inspections"),
        Paragraph(
            "Each lookout-linked secondary inspection of a person with a lookout; the first is the initial "
            "inspection, every later one a repeat (after Figure 1 of the review).",
            s["body"],
        ),
        Spacer(1, 2 * mm),
        _chart(png),
        Paragraph(
            f"Figure 1. Initial and repeat inspections of persons with lookouts, {_t(ctx.evaluated_at)}.", s["muted"]
        ),
    ]
    if ctx.chart_key:
        cols = 3
        cells = [Paragraph(f"<b>{_t(k.label)}</b> {_t(k.person)} ({k.inspections})", s["small"]) for k in ctx.chart_key]
        per_col = -(-len(cells) // cols)
        grid = [
            [cells[c * per_col + r] if c * per_col + r < len(cells) else "" for c in range(cols)]
            for r in range(per_col)
        ]
        key = Table(grid, colWidths=[WIDTH / cols] * cols, hAlign="LEFT")
        key.setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
        out += [Spacer(1, 3 * mm), Paragraph("<b>Key to the person labels</b> (inspections)", s["small"]), key]
    return out


def _by_rule(ctx: ReportContext, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    png = charts.findings_chart(ctx.finding_counts, "png")
    assert isinstance(png, bytes)
    rows: list[list[Any]] = [
        [Paragraph(f"<b>{h}</b>", s["cell"]) for h in ("Rule", "Requirement", "Citation", "Findings")]
    ]
    for r in ctx.rules:
        rows.append(
            [
                Paragraph(_link(r.rule.id, r.anchor if r.count else None), s["ruleid"]),
                Paragraph(f"<b>{_t(r.rule.title)}.</b> {_t(r.rule.statement)}", s["cell"]),
                Paragraph(_t(r.rule.citation), s["cell"]),
                str(r.count),
            ]
        )
    return [
        PageBreak(),
        _heading("3. Findings by rule", s["h2"], "by-rule"),
        Paragraph(
            "Findings are facts for a reviewer, not verdicts. Every rule was evaluated; a rule with no findings is "
            "listed with 0.",
            s["body"],
        ),
        Spacer(1, 2 * mm),
        _chart(png, max_height=90 * mm),
        Spacer(1, 3 * mm),
        _table(
            rows,
            [48 * mm, 70 * mm, 52 * mm, 16 * mm],
            extra=[("ALIGN", (3, 0), (3, -1), "RIGHT"), ("FONT", (3, 1), (3, -1), FONT, 8)],
        ),
    ]


def _by_owner(ctx: ReportContext, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [
        _heading("4. Findings by responsible official", s["h2"], "by-owner"),
        Paragraph(
            "The responsible official is the lookout owner for lookouts and their inspections, and the discloser for "
            "disclosures.",
            s["body"],
        ),
        Spacer(1, 2 * mm),
    ]
    if not ctx.owners:
        return [*out, Paragraph("No findings.", s["muted"])]
    rows: list[list[Any]] = [[Paragraph(f"<b>{h}</b>", s["cell"]) for h in ("Official", "Unit", "Findings", "By rule")]]
    for o in ctx.owners:
        name = _t(o.name) + (f' <font color="#555555">{_t(o.owner_id)}</font>' if o.owner_id else "")
        by_rule = "; ".join(f"{_link(rule, a)} {n}" for rule, n, a in o.by_rule)
        rows.append(
            [Paragraph(name, s["cell"]), Paragraph(_t(o.unit), s["cell"]), str(o.total), Paragraph(by_rule, s["cell"])]
        )
    out.append(
        _table(
            rows,
            [45 * mm, 40 * mm, 16 * mm, 85 * mm],
            extra=[("ALIGN", (2, 0), (2, -1), "RIGHT"), ("FONT", (2, 1), (2, -1), FONT, 8)],
        )
    )
    return out


def _matrix(ctx: ReportContext, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [
        NextPageTemplate("wide"),
        PageBreak(),
        _heading("5. Foreign disclosures: compliance with Appendix C requirements", s["h2"], "disclosures"),
        Paragraph("✓ compliant · X non-compliant · Unknown: the record does not say · N/A: not applicable", s["body"]),
        Spacer(1, 2 * mm),
    ]
    if not ctx.matrix:
        return [*out, Paragraph("No disclosures in the ledger.", s["muted"])]
    head = ["Disclosure", "Date", "Unit", "Discloser", "Channel", "Persons (U.S.)"]
    head += [f"{_t(REQUIREMENT_HEADINGS[c.key])} <super>{c.note}</super>" for c in ctx.requirement_columns]
    rows: list[list[Any]] = [[Paragraph(h, s["head"]) for h in head]]
    extra: list[Any] = []
    for i, row in enumerate(ctx.matrix, start=1):
        cells: list[Any] = [
            Paragraph(_link(row.disclosure_id, row.link), s["cell"]),
            Paragraph(_t(row.date), s["cell"]),
            Paragraph(_t(row.unit), s["cell"]),
            Paragraph(_t(row.discloser), s["cell"]),
            Paragraph(_t(row.channel), s["cell"]),
            Paragraph(f"{row.persons} ({row.us_persons})", s["cell"]),
        ]
        for j, cell in enumerate(row.cells):
            cells.append(Paragraph(_t(cell.symbol), s["mark"]))
            fill = CELL_FILL.get(CELL_CLASS.get(cell.value, ""))
            if fill is not None:
                extra.append(("BACKGROUND", (6 + j, i), (6 + j, i), fill))
        rows.append(cells)
    widths = [18 * mm, 26 * mm, 26 * mm, 24 * mm, 18 * mm, 14 * mm] + [(WIDE_WIDTH - 126 * mm) / 6] * 6
    out.append(_table(rows, widths, extra=extra))
    notes = [Paragraph(f"<super>{c.note}</super> {_t(c.citation)}.", s["small"]) for c in ctx.requirement_columns]
    return [*out, Spacer(1, 2 * mm), *notes]


def _finding_list(ctx: ReportContext, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [
        NextPageTemplate("page"),
        PageBreak(),
        _heading("6. Findings, rule by rule", s["h2"], "finding-list"),
    ]
    if not ctx.findings_by_rule:
        return [*out, Paragraph("No findings.", s["muted"])]
    for rule_row, rows in ctx.findings_by_rule:
        table_rows: list[list[Any]] = [
            [Paragraph(f"<b>{h}</b>", s["cell"]) for h in ("Record", "Person", "Responsible", "What the record shows")]
        ]
        for f in rows:
            table_rows.append(
                [
                    Paragraph(_link(f"{f.record_type} {f.record_id}", f.record_anchor), s["cell"]),
                    Paragraph(_t(f.person), s["cell"]),
                    Paragraph(_t(f.owner), s["cell"]),
                    Paragraph(_t(f.message), s["cell"]),
                ]
            )
        out += [
            _heading(f"{rule_row.rule.id} — {rule_row.rule.title} ({rule_row.count})", s["h3"], rule_row.anchor, 1),
            Paragraph(f"{_t(rule_row.rule.statement)} <i>{_t(rule_row.rule.citation)}</i>", s["statement"]),
            _table(table_rows, [34 * mm, 30 * mm, 30 * mm, WIDTH - 94 * mm]),
        ]
    return out


def _records(ctx: ReportContext, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), _heading("7. Records behind the findings", s["h2"], "records")]
    if ctx.records_omitted:
        out.append(
            Paragraph(
                f"The first {len(ctx.records)} records are shown; {ctx.records_omitted} more records with findings "
                "are listed in section 6 without their details. Write the report with --max-records 0 to include "
                "every record.",
                s["muted"],
            )
        )
    if not ctx.records:
        return [*out, Paragraph("No findings, so no records to show.", s["muted"])]
    for rec in ctx.records:
        head: list[Flowable] = [
            Paragraph(f'<a name="{rec.anchor}"/>{_t(rec.title)}', s["h3"]),
        ]
        for f in rec.findings:
            head.append(
                Paragraph(
                    f"{_link(f.rule, f.rule_anchor)} {_t(f.message)} <font color='#555555'>({_t(f.citation)})</font>",
                    s["bullet"],
                    bulletText="•",
                )
            )
        facts = [[Paragraph(_t(k), s["cellb"]), Paragraph(_t(v), s["cell"])] for k, v in rec.facts]
        if rec.related:
            links = ", ".join(_link(text, target) for text, target in rec.related)
            facts.append([Paragraph("Related records", s["cellb"]), Paragraph(links, s["cell"])])
        block: list[Flowable] = [*head, Spacer(1, 1.5 * mm), _table(facts, [50 * mm, WIDTH - 50 * mm], header=False)]
        if rec.requirements:
            req_rows = [
                [Paragraph(f"<b>{_t(k)}</b>", s["cell"]) for k, _ in rec.requirements],
                [Paragraph(_t(c.symbol), s["mark"]) for _, c in rec.requirements],
            ]
            fills = [
                ("BACKGROUND", (j, 1), (j, 1), CELL_FILL[CELL_CLASS[c.value]])
                for j, (_, c) in enumerate(rec.requirements)
                if c.value in CELL_CLASS
            ]
            block += [Spacer(1, 1.5 * mm), _table(req_rows, [WIDTH / 6] * 6, extra=fills)]
        if rec.approvals:
            rows: list[list[Any]] = [
                [Paragraph(f"<b>{h}</b>", s["cell"]) for h in ("Role", "Official", "At", "In writing")]
            ]
            rows += [[Paragraph(_t(v), s["cell"]) for v in a] for a in rec.approvals]
            block += [
                Spacer(1, 1.5 * mm),
                Paragraph("<b>Approvals</b>", s["small"]),
                _table(rows, [35 * mm, 60 * mm, 50 * mm, 20 * mm]),
            ]
        elif rec.record_type == "disclosure":
            block.append(Paragraph("No approvals recorded.", s["muted"]))
        out.append(KeepTogether(block))  # splits anyway when a record is longer than a page
        if rec.timeline:
            rows = [[Paragraph(f"<b>{h}</b>", s["cell"]) for h in ("When", "What", "Detail")]]
            rows += [
                [Paragraph(_t(t.at), s["cell"]), Paragraph(_t(t.what), s["cell"]), Paragraph(_t(t.detail), s["cell"])]
                for t in rec.timeline
            ]
            out += [
                Spacer(1, 1.5 * mm),
                Paragraph("<b>Timeline</b>", s["small"]),
                _table(rows, [40 * mm, 30 * mm, WIDTH - 70 * mm]),
            ]
        out.append(Spacer(1, 4 * mm))
    return out
