"""`lookout report`: the figures, matrix, anchors and SPII handling of the HTML and PDF report.

The data is the invented operation in `report_scenario`; the expected figures below are
worked out by hand from it (and cross-checked against the audit result), so a report that
drifted from the audit, or an audit that drifted from the data, fails here.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from lookout_ledger.cli import app
from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.auth import Role, add_user
from lookout_ledger.core.errors import AuthError, LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import parse_instant
from lookout_ledger.oversight.audit import run_audit
from lookout_ledger.oversight.report import build_report_context, percent, render_html, write_report
from support import report_scenario
from support.cli_support import auditor, token_for

NOW = parse_instant(report_scenario.NOW)
PURPOSE = "OIG review 21-62: identify travellers named in the caravan lookouts"
NAMES = (report_scenario.SECRET_GIVEN, report_scenario.SECRET_FAMILY, "Inventada", "Fabricado", "Imaginario")


@pytest.fixture
def scenario(ledger: Ledger) -> Ledger:
    report_scenario.build(ledger)
    return ledger


def _auditor(ledger: Ledger, username: str = "auditor1", role: Role = Role.AUDITOR) -> str:
    with ledger.transaction() as s:
        add_user(s, username=username, password="correct horse", roles=[role], at=NOW)
    return username


def _entries(ledger: Ledger, action: str) -> list[AuditEntry]:
    with ledger.reading() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)).scalars())


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _flat(text: str) -> str:
    """Collapse whitespace, so a sentence wrapped across lines still matches."""
    return " ".join(text.split())


class _Html(HTMLParser):
    """Ids, internal links, and the text of each Appendix C matrix row."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.external: list[str] = []
        self.rows: dict[str, list[str]] = {}
        self._row: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        href = a.get("href") or ""
        if href.startswith("#"):
            self.hrefs.append(href[1:])
        elif href or (tag in ("img", "script", "link") and not (a.get("src") or "").startswith("data:")):
            self.external.append(f"{tag} {attrs}")
        if tag == "tr" and (a.get("id") or "").startswith("matrix-"):
            self._row = a["id"]
            self.rows[self._row or ""] = []
        if tag == "td" and self._row:
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._row and self._cell is not None:
            self.rows[self._row].append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr":
            self._row = None


def _parse(html: str) -> _Html:
    p = _Html()
    p.feed(html)
    return p


def test_percent_rounds_half_up_like_the_review() -> None:
    assert percent(25, 51) == "49%"
    assert percent(1, 8) == "13%"  # 12.5 rounds up, not to even
    assert percent(0, 0) == "0%"


def test_html_states_the_metrics_in_the_reviews_words(scenario: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(scenario, out, "html", now=NOW)
    assert out.stat().st_mode & 0o777 == 0o600  # a report names people: its owner's alone (#16 item 6)
    text = _flat(re.sub(r"<[^>]+>", " ", out.read_text()))
    with scenario.reading() as s:
        m = run_audit(s, now=NOW, review_window_days=7, policy=scenario.policy).metrics
    # Worked out from the scenario: L-1 and L-3 are non-suspect; P-001, P-002, P-005 were inspected;
    # only P-002's lookout was removed in time; P-001 (3 times) and P-005 (twice) came back.
    assert m["lookouts"]["total"] == 5 and m["lookouts"]["non_suspect"] == 2
    assert "5 lookouts, 2 (40%) on persons not suspected of illegal activity." in text
    assert "5 persons with lookouts: 3 inspected at least once, 2 never inspected." in text
    assert "3 persons inspected; 1 had their lookouts removed after the first referral; 2 remained active." in text
    assert (
        "Of the 2 whose lookouts remained active, 2 re-entered while a lookout still referred them; "
        "2 persons were referred to secondary inspection more than once, one of them 3 times." in text
    )
    assert "1 lookout transferred to another owner without notice or instructions." in text
    assert "3 disclosures to foreign authorities; none of the 3 fully complied" in text
    assert "4 U.S. persons named in disclosures; 2 of them in requests to deny entry." in text
    # every metric of the audit appears with its spec key and value
    for group, values in m.items():
        for key, value in values.items():
            assert re.search(rf"<code>{group}\.{key}</code></td><td class=\"num\">{value}</td>", out.read_text())
    assert "tecs-directive-strict" in text and "2019-06-01T00:00:00+00:00" in text and "7 days" in text


def test_matrix_shows_each_requirement_value_with_its_mark(scenario: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(scenario, out, "html", now=NOW)
    rows = {cells[0]: cells[6:] for cells in _parse(out.read_text()).rows.values()}
    assert rows == {
        "D-1": ["X", "Unknown", "X", "X", "X", "Unknown"],
        "D-2": ["Unknown", "Unknown", "✓", "N/A", "✓", "N/A"],
        "D-3": ["✓", "✓", "N/A", "✓", "✓", "X"],
    }
    html = out.read_text()
    # each column's citation is a footnote
    assert "San Diego Disclosure SOP, Section 3.1" in html and "4300A, Section 5.4.6k" in html


def test_every_internal_link_lands_and_no_external_resource(scenario: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(scenario, out, "html", now=NOW)
    doc = _parse(out.read_text())
    assert not doc.external
    assert set(doc.hrefs) <= doc.ids, set(doc.hrefs) - doc.ids
    # summary tables link down to the rule lists and the records
    for target in ("rule-LK-NON-SUSPECT", "record-lookout-L-1", "record-inspection-I-52", "record-disclosure-D-1"):
        assert target in doc.ids and target in doc.hrefs
    assert "record-communication-M-1" in doc.ids
    html = out.read_text()
    assert html.count('src="data:image/svg+xml;base64,') == 2


def test_drill_down_shows_the_facts_behind_the_finding(scenario: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(scenario, out, "html", now=NOW)
    html = out.read_text()
    lookout = html[html.index('id="record-lookout-L-1"') :]
    lookout = _flat(re.sub(r"<[^>]+>", " ", lookout[: lookout.index("</article>")]))
    assert "Photographed the caravan; may know its organisers." in lookout
    assert "organisers of the caravan" in lookout and "non-suspect" in lookout
    assert "2018-12-01 08:00 (UTC−08:00) by Rowan Testwood (O-EOC1)" in lookout  # source offset kept
    assert lookout.count("inspected") >= 3 and "crossing matched" in lookout
    inspection = html[html.index('id="record-inspection-I-52"') :]
    inspection = _flat(re.sub(r"<[^>]+>", " ", inspection[: inspection.index("</article>")]))
    assert "Device search performed; reason: none stated; supervisor approval: Casey Examplar (O-SUP)" in inspection
    assert "7 h 00 min" in inspection and "Interview documented no" in inspection
    disclosure = html[html.index('id="record-disclosure-D-2"') :]
    disclosure = _flat(re.sub(r"<[^>]+>", " ", disclosure[: disclosure.index("</article>")]))
    assert "counsel Blake Sampleton (O-EOC2) 2018-12-23 09:00 (UTC−08:00) no" in disclosure
    assert "Approvals the unit requires supervisor, counsel" in disclosure


def test_no_spii_without_include_spii(scenario: Ledger, tmp_path: Path) -> None:
    html_out, pdf_out = tmp_path / "r.html", tmp_path / "r.pdf"
    write_report(scenario, html_out, "html", now=NOW)
    write_report(scenario, pdf_out, "pdf", now=NOW)
    html = html_out.read_text()
    pdf = _pdf_text(pdf_out.read_bytes())
    for name in NAMES:
        assert name not in html and name not in pdf
    # the chart images must not carry names either (drawn as paths, but check the embedded SVG text too)
    for data in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html):
        assert report_scenario.SECRET_FAMILY not in base64.b64decode(data).decode()
    assert "P-001" in html and "P-001" in pdf
    assert not _entries(scenario, "person.read")


def test_include_spii_names_persons_and_logs_each_read(scenario: Ledger, tmp_path: Path) -> None:
    actor = _auditor(scenario)
    html_out, pdf_out = tmp_path / "r.html", tmp_path / "r.pdf"
    written = write_report(scenario, html_out, "html", now=NOW, actor=actor, include_spii=True, purpose=PURPOSE)
    write_report(scenario, pdf_out, "pdf", now=NOW, actor=actor, include_spii=True, purpose=PURPOSE)
    html = html_out.read_text()
    assert f"{report_scenario.SECRET_GIVEN} {report_scenario.SECRET_FAMILY} (P-001)" in html
    assert PURPOSE in html and "Contains SPII" in html
    assert report_scenario.SECRET_FAMILY in _pdf_text(pdf_out.read_bytes())
    reads = _entries(scenario, "person.read")
    assert written.persons_read == 6
    assert {e.target_id for e in reads} == {"P-001", "P-002", "P-003", "P-004", "P-005", "P-006"}
    for e in reads:
        assert e.actor == actor and json.loads(e.detail)["purpose"] == PURPOSE
    report_entry = _entries(scenario, "report.write")[0]
    detail = json.loads(report_entry.detail)
    assert detail["include_spii"] is True and detail["purpose"] == PURPOSE


@pytest.mark.parametrize(
    ("purpose", "role", "error"),
    [
        (None, Role.AUDITOR, LedgerError),  # no purpose
        ("why", Role.AUDITOR, LedgerError),  # not a purpose a reviewer can judge
        (PURPOSE, Role.ADMIN, AuthError),  # a role that does not need names
    ],
)
def test_include_spii_refused_writes_and_logs_nothing(
    scenario: Ledger, tmp_path: Path, purpose: str | None, role: Role, error: type[Exception]
) -> None:
    actor = _auditor(scenario, "someone", role)
    out = tmp_path / "r.html"
    with pytest.raises(error):
        write_report(scenario, out, "html", now=NOW, actor=actor, include_spii=True, purpose=purpose)
    assert not out.exists() and not list(tmp_path.glob(".*tmp"))
    assert not _entries(scenario, "person.read") and not _entries(scenario, "report.write")


def test_unknown_actor_cannot_include_spii(scenario: Ledger, tmp_path: Path) -> None:
    with pytest.raises(AuthError):
        write_report(scenario, tmp_path / "r.html", "html", now=NOW, actor="cli", include_spii=True, purpose=PURPOSE)


def test_pdf_is_a_valid_document_with_every_section(scenario: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    written = write_report(scenario, out, "pdf", now=NOW)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 8
    text = _flat(_pdf_text(data))
    for heading in (
        "1. Summary",
        "2. Initial and repeat inspections",
        "3. Findings by rule",
        "4. Findings by responsible official",
        "5. Foreign disclosures: compliance with Appendix C requirements",
        "6. Findings, rule by rule",
        "7. Records behind the findings",
    ):
        assert heading in text
    assert "5 lookouts, 2 (40%) on persons not suspected of illegal activity." in text
    assert "✓" in text and "Unknown" in text and "N/A" in text
    assert [o.title for o in reader.outline if not isinstance(o, list)][:3] == [
        "1. Summary",
        "2. Initial and repeat inspections",
        "3. Findings by rule",
    ]
    # the matrix page is landscape
    assert any(float(p.mediabox.width) > float(p.mediabox.height) for p in reader.pages)
    assert written.findings == 24


def test_writing_is_logged_with_the_digest_and_reproducible(scenario: Ledger, tmp_path: Path) -> None:
    for fmt in ("html", "pdf"):
        a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
        first = write_report(scenario, a, fmt, now=NOW)
        second = write_report(scenario, b, fmt, now=NOW)
        assert a.read_bytes() == b.read_bytes(), f"{fmt} output is not deterministic"
        assert first.sha256 == hashlib.sha256(a.read_bytes()).hexdigest() == second.sha256
    entries = _entries(scenario, "report.write")
    assert [json.loads(e.detail)["format"] for e in entries] == ["html", "html", "pdf", "pdf"]
    for e in entries:
        detail = json.loads(e.detail)
        assert e.change_digest == detail["sha256"] and detail["review_window_days"] == 7
        assert detail["evaluated_at"] == "2019-06-01T00:00:00+00:00" and detail["findings"] == 24


def test_review_window_changes_the_figures(scenario: Ledger, tmp_path: Path) -> None:
    """P-002's lookout was removed two days after the inspection: inside a 7-day window, not a 1-day one."""
    write_report(scenario, tmp_path / "short.html", "html", now=NOW, window=1)
    text = _flat(re.sub(r"<[^>]+>", " ", (tmp_path / "short.html").read_text()))
    assert "1 day" in text
    assert "3 persons inspected; 0 had their lookouts removed after the first referral; 3 remained active." in text


def test_bad_options_are_refused_before_anything_is_written(scenario: Ledger, tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="--format"):
        write_report(scenario, tmp_path / "r.doc", "doc", now=NOW)
    with pytest.raises(LedgerError, match="--out"):
        write_report(scenario, tmp_path / "missing" / "r.html", "html", now=NOW)
    with pytest.raises(LedgerError, match="--purpose"):
        write_report(scenario, tmp_path / "r.html", "html", now=NOW, purpose=PURPOSE)
    assert not _entries(scenario, "report.write")


def test_empty_ledger_still_renders(ledger: Ledger, tmp_path: Path) -> None:
    html = write_report(ledger, tmp_path / "e.html", "html", now=NOW)
    pdf = write_report(ledger, tmp_path / "e.pdf", "pdf", now=NOW)
    text = (tmp_path / "e.html").read_text()
    assert "0 lookouts, 0 (0%)" in text and "No disclosures in the ledger." in text
    assert html.findings == pdf.findings == 0
    assert PdfReader(tmp_path / "e.pdf").pages


def test_context_is_built_inside_a_caller_session(scenario: Ledger) -> None:
    """The web dashboard can build the context from its own session and audit result."""
    with scenario.reading() as s:
        result = run_audit(s, now=NOW, review_window_days=7, policy=scenario.policy)
        ctx = build_report_context(scenario, s, result)
    assert ctx.total_findings == len(result.findings)
    assert [c.label for c in ctx.chart_key] == ["Person 1", "Person 2", "Person 3"]
    assert [c.person for c in ctx.chart_key] == ["P-001", "P-005", "P-002"]
    owners = {o.owner_id: o.total for o in ctx.owners}
    assert owners["O-EOC1"] == sum(1 for f in result.findings if f.owner_id == "O-EOC1")
    assert "<svg" not in render_html(ctx)  # charts are data URIs, not inline DOM


def test_cli_writes_the_report(sqlite_ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report_scenario.build(sqlite_ledger)
    monkeypatch.setenv("LOOKOUT_DATABASE_URL", sqlite_ledger.settings.database_url)
    monkeypatch.setenv("LOOKOUT_KEY", base64.b64encode(bytes(range(32))).decode())
    monkeypatch.setenv("LOOKOUT_TOKEN", token_for(sqlite_ledger.settings.database_url, auditor(sqlite_ledger)))
    out = tmp_path / "cli.pdf"
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--now", report_scenario.NOW])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-") and "report.write" in result.output
    html_out = tmp_path / "cli.out"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--out",
            str(html_out),
            "--format",
            "html",
            "--now",
            report_scenario.NOW,
            "--review-window-days",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "10 days" in html_out.read_text()
    entries = _entries(sqlite_ledger, "report.write")
    assert [json.loads(e.detail)["format"] for e in entries] == ["pdf", "html"]
    assert isinstance(entries[0].at, datetime)


def test_drill_down_limit_keeps_every_finding_and_every_link_valid(scenario: Ledger, tmp_path: Path) -> None:
    full = tmp_path / "full.html"
    capped = tmp_path / "capped.html"
    write_report(scenario, full, "html", now=NOW, max_records=0)
    write_report(scenario, capped, "html", now=NOW, max_records=2)
    full_doc, capped_doc = _parse(full.read_text()), _parse(capped.read_text())
    records = {i for i in full_doc.ids if i.startswith("record-")}
    assert {i for i in capped_doc.ids if i.startswith("record-")} == {"record-lookout-L-1", "record-lookout-L-2"}
    assert set(capped_doc.hrefs) <= capped_doc.ids
    text = _flat(re.sub(r"<[^>]+>", " ", capped.read_text()))
    assert f"{len(records) - 2} more records with findings are listed in section 6" in text
    assert "disclosure D-1" in text and "communication M-2" in text  # still listed, without a link
    with pytest.raises(LedgerError, match="--max-records"):
        write_report(scenario, tmp_path / "bad.html", "html", now=NOW, max_records=-1)
