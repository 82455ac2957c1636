"""The oversight report: the audit of the ledger, written for an inspector general and a privacy office.

The report is a view of one `AuditResult` and never computes a control itself: every figure
comes from the audit engine, so the report, `lookout audit --format json` and the web
dashboard cannot disagree. What the report adds is wording (the review's own phrasing of the
metrics), grouping (by rule, by responsible official, the Appendix C matrix) and the records
behind each finding.

Person names are SPII. By default the report names persons by id only; with `include_spii`
names are decrypted for a stated purpose, by a user whose role needs them, and each person
read is logged ("person.read") in the same transaction that logs the report ("report.write"
with the sha256 of the bytes written), so a copy of the report can be traced to its request.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import SPII_ROLES, User
from lookout_ledger.core.errors import AuthError, LedgerError
from lookout_ledger.core.files import write_private
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.history.communications import Communication
from lookout_ledger.history.crossings import Crossing
from lookout_ledger.history.disclosures import Disclosure, DisclosurePerson
from lookout_ledger.history.inspections import Inspection
from lookout_ledger.history.lookouts import Lookout
from lookout_ledger.org.models import Official, Unit
from lookout_ledger.oversight.audit import AuditResult, run_audit
from lookout_ledger.oversight.report import charts
from lookout_ledger.oversight.report.records import (
    Directory,
    RecordFacts,
    TimelineEntry,
    load_records,
    local_time,
    words,
)
from lookout_ledger.oversight.requirements import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    REQUIREMENT_CITATIONS,
    REQUIREMENT_KEYS,
    UNKNOWN,
)
from lookout_ledger.oversight.rules import RULES, Rule
from lookout_ledger.people.models import Person
from lookout_ledger.people.service import can_read_spii, check_purpose

ReportFormat = Literal["html", "pdf"]
FORMATS: tuple[str, ...] = ("html", "pdf")
TEMPLATES = Path(__file__).parent / "templates"

# The marks of Appendix C of the review, and a class the stylesheet colours (with the mark
# itself still readable in greyscale).
SYMBOLS = {COMPLIANT: "✓", NON_COMPLIANT: "X", UNKNOWN: "Unknown", NOT_APPLICABLE: "N/A"}
CELL_CLASS = {COMPLIANT: "ok", NON_COMPLIANT: "bad", UNKNOWN: "unknown", NOT_APPLICABLE: "na"}

# Column headings of the Appendix C matrix, in the review's words.
REQUIREMENT_HEADINGS = {
    "advisement": "Advised in writing to keep confidential and use only for the intended purpose",
    "marking": "Marked with sensitivity notations",
    "channel": "Shared only by government e-mail, in person or by telephone",
    "encryption": "Sensitive information encrypted",
    "record": "Request, disclosure and law enforcement reason recorded",
    "retention": "Disclosure and related records retained",
}

# The same requirements in a word, where a column is narrow (the record drill-down, the PDF matrix).
REQUIREMENT_SHORT = {
    "advisement": "Advisement",
    "marking": "Marking",
    "channel": "Channel",
    "encryption": "Encryption",
    "record": "Record",
    "retention": "Retention",
}

RECORD_TYPE_ORDER = ("lookout", "inspection", "disclosure", "communication")
# A drill-down past a few thousand records is a database, not a report: beyond this many records
# the report still lists and counts every finding, and says how many records it did not print.
DEFAULT_MAX_RECORDS = 2000
RECORD_TYPE_TITLES = {
    "lookout": "Lookout",
    "inspection": "Inspection",
    "disclosure": "Disclosure",
    "communication": "Communication",
}


# --- the context the templates render ----------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    symbol: str
    value: str
    css: str


@dataclass(frozen=True)
class RequirementColumn:
    key: str
    heading: str
    citation: str
    note: int


@dataclass
class MatrixRow:
    disclosure_id: str
    link: str | None
    date: str
    unit: str
    discloser: str
    channel: str
    persons: int
    us_persons: int
    cells: list[Cell]

    @property
    def fully_compliant(self) -> bool:
        return all(c.value in (COMPLIANT, NOT_APPLICABLE) for c in self.cells)


@dataclass
class RuleRow:
    rule: Rule
    count: int
    anchor: str


@dataclass
class OwnerRow:
    owner_id: str | None
    name: str
    unit: str
    total: int
    by_rule: list[tuple[str, int, str]]


@dataclass
class FindingRow:
    rule: str
    rule_anchor: str
    record_type: str
    record_id: str
    record_anchor: str | None  # None when the record is beyond the drill-down limit
    person: str
    owner: str
    message: str
    citation: str
    at: str


@dataclass
class RecordSection:
    anchor: str
    record_type: str
    record_id: str
    title: str
    facts: list[tuple[str, str]]
    timeline: list[TimelineEntry]
    approvals: list[tuple[str, str, str, str]]
    requirements: list[tuple[str, Cell]]
    findings: list[FindingRow]
    related: list[tuple[str, str | None]]  # (text, anchor when the record is in the drill-down)


@dataclass(frozen=True)
class ChartKeyRow:
    label: str
    person: str
    inspections: int


@dataclass(frozen=True)
class MetricRow:
    label: str
    key: str
    value: int


@dataclass
class ReportContext:
    """Everything the HTML and PDF renderers show, already worded; neither renderer queries anything."""

    title: str
    database: str
    counts: list[tuple[str, int]]
    evaluated_at: str
    policy_name: str
    policy_version: str
    review_window_days: int
    include_spii: bool
    purpose: str | None
    headlines: list[str]
    metric_rows: list[MetricRow]
    rules: list[RuleRow]
    owners: list[OwnerRow]
    requirement_columns: list[RequirementColumn]
    matrix: list[MatrixRow]
    findings_by_rule: list[tuple[RuleRow, list[FindingRow]]]
    records: list[RecordSection]
    chart_key: list[ChartKeyRow]
    inspections_by_person: dict[str, list[datetime]]
    finding_counts: dict[str, int]
    total_findings: int
    records_omitted: int = 0
    persons_read: list[str] = field(default_factory=list)


# --- building the context -------------------------------------------------------------------------


def anchor(kind: str, ident: str | None) -> str:
    """An HTML id/fragment for any record id: letters, digits, '.', '-' kept, everything else escaped
    as _hex_ (so the mapping is one-to-one and the fragment needs no URL encoding)."""
    text = ident if ident is not None else "none"
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9.-]", lambda m: f"_{ord(m.group()):x}_", text)


def record_anchor(record_type: str, record_id: str) -> str:
    return anchor(f"record-{record_type}", record_id)


def percent(part: int, whole: int) -> str:
    """A whole percentage rounded half up (25 of 51 is 49%), as the review writes them."""
    if whole == 0:
        return "0%"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{value}%"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def headline_metrics(metrics: dict[str, Any], matrix: list[MatrixRow], findings: int, rules_fired: int) -> list[str]:
    """The metrics in the review's own phrasing, each sentence built from the audit's numbers."""
    lk, ds = metrics["lookouts"], metrics["disclosures"]
    total, non_suspect = lk["total"], lk["non_suspect"]
    inspected, active = lk["persons_inspected"], lk["persons_active_after_first_referral"]
    lines = [
        f"{plural(total, 'lookout')}, {non_suspect} ({percent(non_suspect, total)}) on persons not suspected "
        "of illegal activity.",
        f"{plural(lk['persons_with_lookouts'], 'person')} with lookouts: {inspected} inspected at least once, "
        f"{lk['persons_never_inspected']} never inspected.",
        f"{plural(inspected, 'person')} inspected; {lk['persons_removed_after_first_referral']} had their lookouts "
        f"removed after the first referral; {active} remained active.",
        f"Of the {active} whose lookouts remained active, {lk['persons_reentered_while_active']} re-entered while a "
        f"lookout still referred them; {plural(lk['persons_re_referred'], 'person was', 'persons were')} referred "
        f"to secondary inspection more than once, one of them {plural(lk['max_referrals_one_person'], 'time')}.",
        f"{plural(lk['transferred_without_notice'], 'lookout')} transferred to another owner without notice "
        "or instructions.",
    ]
    fully = sum(1 for row in matrix if row.fully_compliant)
    dtotal = ds["total"]
    complied = "none" if fully == 0 and dtotal else str(fully)
    lines.append(
        f"{plural(dtotal, 'disclosure')} to foreign authorities; {complied} of the {dtotal} fully complied with the "
        "six requirements of Appendix C."
    )
    lines.append(
        f"{plural(ds['us_persons_disclosed'], 'U.S. person')} named in disclosures; "
        f"{ds['us_persons_in_deny_entry_requests']} of them in requests to deny entry."
    )
    lines.append(f"{plural(findings, 'finding')} under {rules_fired} of the {len(RULES)} rules evaluated.")
    return lines


METRIC_LABELS = {
    "lookouts": {
        "total": "Lookouts",
        "non_suspect": "Lookouts on non-suspects",
        "persons_with_lookouts": "Persons with lookouts",
        "persons_inspected": "Persons inspected (lookout-linked)",
        "persons_never_inspected": "Persons never inspected",
        "persons_removed_after_first_referral": "Persons whose lookouts were removed after the first referral",
        "persons_active_after_first_referral": "Persons whose lookouts remained active after the first referral",
        "persons_reentered_while_active": "Persons who re-entered while a lookout was active",
        "persons_re_referred": "Persons referred two or more times",
        "max_referrals_one_person": "Most referrals of one person",
        "transferred_without_notice": "Lookouts transferred without notice",
    },
    "disclosures": {
        "total": "Disclosures",
        "us_persons_disclosed": "U.S. persons named in disclosures",
        "us_persons_in_deny_entry_requests": "U.S. persons in requests to deny entry",
    },
}


def _metric_rows(metrics: dict[str, Any]) -> list[MetricRow]:
    rows = []
    for group, values in metrics.items():
        labels = METRIC_LABELS.get(group, {})
        for key, value in values.items():
            rows.append(MetricRow(labels.get(key, words(key).capitalize()), f"{group}.{key}", int(value)))
    return rows


def _database_label(ledger: Ledger) -> str:
    """Where the data came from, without a password; an SQLite file by its absolute path."""
    url = make_url(ledger.settings.database_url)
    if url.drivername.startswith("sqlite") and url.database and url.database != ":memory:":
        url = url.set(database=str(Path(url.database).resolve()))
    return url.render_as_string(hide_password=True)


def _counts(session: Session) -> list[tuple[str, int]]:
    tables = (
        ("Units", Unit),
        ("Officials", Official),
        ("Persons", Person),
        ("Lookouts", Lookout),
        ("Crossings", Crossing),
        ("Inspections", Inspection),
        ("Disclosures", Disclosure),
        ("Communications", Communication),
    )
    return [(label, session.execute(select(func.count()).select_from(model)).scalar_one()) for label, model in tables]


class _PersonNames:
    """Person labels for the report: ids, or "Name (id)" once names were decrypted for a purpose."""

    def __init__(self, ledger: Ledger, session: Session, person_ids: Iterable[str], reveal: bool) -> None:
        self.names: dict[str, str] = {}
        if not reveal:
            return
        ids = sorted({p for p in person_ids if p})
        ring = ledger.keyring
        for i in range(0, len(ids), 500):
            for p in session.execute(select(Person).where(Person.id.in_(ids[i : i + 500]))).scalars():
                given = ring.decrypt(p.given_name_enc, "person.given_name", p.id) or ""
                family = ring.decrypt(p.family_name_enc, "person.family_name", p.id) or ""
                self.names[p.id] = f"{given} {family}".strip()

    def __call__(self, person_id: str | None) -> str:
        if person_id is None:
            return "—"
        name = self.names.get(person_id)
        return f"{name} ({person_id})" if name else person_id


def _check_spii_reader(session: Session, actor: str | None, purpose: str | None) -> str:
    """Names leave the ledger only for a user whose role needs them, with a purpose a reviewer can judge."""
    text = check_purpose(purpose)
    user = session.get(User, actor) if actor else None
    if user is None or not can_read_spii(user):
        need = " or ".join(sorted(str(r) for r in SPII_ROLES))
        raise AuthError(f"--include-spii: {actor or 'nobody'} needs one of the roles {need} to see persons' names")
    return text


def build_report_context(
    ledger: Ledger,
    session: Session,
    result: AuditResult,
    include_spii: bool = False,
    purpose: str | None = None,
    actor: str | None = None,
    max_records: int | None = DEFAULT_MAX_RECORDS,
) -> ReportContext:
    """Shape one audit result into the report. With `include_spii`, `session` must be a write
    transaction: every person whose name is decrypted gets a "person.read" audit entry in it.
    `max_records` caps the drill-down (None or 0: every record behind a finding)."""
    purpose_text = _check_spii_reader(session, actor, purpose) if include_spii else None
    directory = Directory.load(session)
    findings = list(result.findings)
    order = {t: i for i, t in enumerate(RECORD_TYPE_ORDER)}
    keys = sorted(
        {(f.record_type, f.record_id) for f in findings}, key=lambda k: (order.get(k[0], len(order)), k[0], k[1])
    )
    shown_keys = keys[:max_records] if max_records else keys
    shown = set(shown_keys)

    # Persons the report may name: in findings, in the chart key, and in the disclosures drilled into.
    disclosure_ids = {rid for rtype, rid in shown if rtype == "disclosure"}
    disclosure_persons: dict[str, list[str]] = defaultdict(list)
    all_disclosure_ids = [d["id"] for d in result.disclosures]
    for i in range(0, len(all_disclosure_ids), 500):
        for did, pid in session.execute(
            select(DisclosurePerson.disclosure_id, DisclosurePerson.person_id).where(
                DisclosurePerson.disclosure_id.in_(all_disclosure_ids[i : i + 500])
            )
        ):
            disclosure_persons[did].append(pid)
    named = {f.person_id for f in findings if f.person_id}
    if len(result.inspections_by_person) <= charts.MAX_PERSON_ROWS:  # persons in the chart key
        named |= set(result.inspections_by_person)
    named |= {p for did in disclosure_ids for p in disclosure_persons.get(did, [])}
    person = _PersonNames(ledger, session, named, include_spii)

    # Drill-down records and their findings.
    wanted: dict[str, set[str]] = defaultdict(set)
    for record_type, record_id in shown_keys:
        wanted[record_type].add(record_id)
    facts = load_records(session, wanted, directory, person, include_spii, ledger.keyring)
    rows_by_record: dict[tuple[str, str], list[FindingRow]] = defaultdict(list)
    rows_by_rule: dict[str, list[FindingRow]] = defaultdict(list)
    for f in findings:
        row = FindingRow(
            rule=f.rule,
            rule_anchor=anchor("rule", f.rule),
            record_type=f.record_type,
            record_id=f.record_id,
            record_anchor=record_anchor(f.record_type, f.record_id) if (f.record_type, f.record_id) in shown else None,
            person=person(f.person_id),
            owner=directory.official_name(f.owner_id) if f.owner_id else "—",
            message=f.message,
            citation=f.citation,
            at=format_rfc3339(f.at) if f.at else "",
        )
        rows_by_record[(f.record_type, f.record_id)].append(row)
        rows_by_rule[f.rule].append(row)

    counts = Counter(f.rule for f in findings)
    rule_rows = [RuleRow(rule, counts.get(rule_id, 0), anchor("rule", rule_id)) for rule_id, rule in RULES.items()]
    for rule_id in sorted(set(counts) - set(RULES)):  # a rule the catalog does not know still gets reported
        rule_rows.append(RuleRow(Rule(rule_id, rule_id, "", "", ""), counts[rule_id], anchor("rule", rule_id)))

    matrix, requirement_cells = _matrix(result, directory, disclosure_persons, session, disclosure_ids)
    records = _record_sections(shown_keys, facts, rows_by_record, requirement_cells, person)
    chart_rows = charts.person_rows(result.inspections_by_person)
    # The key explains the per-person chart; past MAX_PERSON_ROWS the chart is weekly and has no labels.
    chart_key = (
        [ChartKeyRow(r.label, person(r.person_id), len(r.inspections)) for r in chart_rows]
        if len(chart_rows) <= charts.MAX_PERSON_ROWS
        else []
    )

    if include_spii:
        for pid in sorted(person.names):
            ledger.audit(
                session,
                actor or "",
                "person.read",
                "person",
                pid,
                {"purpose": purpose_text, "fields": ["name"], "via": "report"},
            )

    return ReportContext(
        title="Oversight report: lookouts, inspections, foreign disclosures and records",
        database=_database_label(ledger),
        counts=_counts(session),
        evaluated_at=format_rfc3339(result.evaluated_at),
        policy_name=result.policy_name,
        policy_version=result.policy_version,
        review_window_days=result.review_window_days,
        include_spii=include_spii,
        purpose=purpose_text,
        headlines=headline_metrics(result.metrics, matrix, len(findings), sum(1 for n in counts.values() if n)),
        metric_rows=_metric_rows(result.metrics),
        rules=rule_rows,
        owners=_owners(findings, directory),
        requirement_columns=[
            RequirementColumn(k, REQUIREMENT_HEADINGS[k], REQUIREMENT_CITATIONS[k], n)
            for n, k in enumerate(REQUIREMENT_KEYS, start=1)
        ],
        matrix=matrix,
        findings_by_rule=[(r, rows_by_rule[r.rule.id]) for r in rule_rows if r.count],
        records=records,
        chart_key=chart_key,
        inspections_by_person={k: list(v) for k, v in result.inspections_by_person.items()},
        finding_counts=dict(counts),
        total_findings=len(findings),
        records_omitted=len(keys) - len(shown_keys),
        persons_read=sorted(person.names),
    )


def _cell(value: str) -> Cell:
    return Cell(SYMBOLS.get(value, value), value, CELL_CLASS.get(value, ""))


def _matrix(
    result: AuditResult,
    directory: Directory,
    disclosure_persons: dict[str, list[str]],
    session: Session,
    with_findings: set[str],
) -> tuple[list[MatrixRow], dict[str, list[tuple[str, Cell]]]]:
    ids = [d["id"] for d in result.disclosures]
    rows: dict[str, Disclosure] = {}
    for i in range(0, len(ids), 500):
        for x in session.execute(select(Disclosure).where(Disclosure.id.in_(ids[i : i + 500]))).scalars():
            rows[x.id] = x
    persons = {p for plist in disclosure_persons.values() for p in plist}
    us_persons: set[str] = set()
    plist = sorted(persons)
    for i in range(0, len(plist), 500):
        us_persons |= set(
            session.execute(
                select(Person.id).where(Person.id.in_(plist[i : i + 500]), Person.us_person.is_(True))
            ).scalars()
        )
    matrix: list[MatrixRow] = []
    cells_by_id: dict[str, list[tuple[str, Cell]]] = {}
    for d in result.disclosures:
        found = rows.get(d["id"])
        cells = [_cell(d["requirements"][k]) for k in REQUIREMENT_KEYS]
        cells_by_id[d["id"]] = list(zip(REQUIREMENT_KEYS, cells, strict=True))
        named = disclosure_persons.get(d["id"], [])
        matrix.append(
            MatrixRow(
                disclosure_id=d["id"],
                link=record_anchor("disclosure", d["id"]) if d["id"] in with_findings else None,
                date=local_time(found.at, found.at_offset) if found else "",
                unit=directory.unit(found.unit_id) if found else "",
                discloser=directory.official_name(found.discloser_id) if found else "",
                channel=words(found.channel) if found else "",
                persons=len(named),
                us_persons=sum(1 for p in named if p in us_persons),
                cells=cells,
            )
        )
    return matrix, cells_by_id


def _owners(findings: list[Any], directory: Directory) -> list[OwnerRow]:
    """Findings per responsible official: accountability, as the review assigns it, is personal."""
    by_owner: dict[str | None, Counter[str]] = defaultdict(Counter)
    unit_of: dict[str | None, str | None] = {}
    for f in findings:
        by_owner[f.owner_id][f.rule] += 1
        unit_of.setdefault(f.owner_id, f.unit_id)
    rows = []
    for owner_id, counts in by_owner.items():
        unit_id = unit_of.get(owner_id)
        unit = directory.unit(unit_id) if unit_id else "—"
        rows.append(
            OwnerRow(
                owner_id=owner_id,
                name=directory.official_name(owner_id) if owner_id else "No responsible official recorded",
                unit=unit,
                total=sum(counts.values()),
                by_rule=[(rule, n, anchor("rule", rule)) for rule, n in sorted(counts.items())],
            )
        )
    rows.sort(key=lambda r: (-r.total, r.name, r.owner_id or ""))
    return rows


def _record_sections(
    keys: list[tuple[str, str]],
    facts: dict[tuple[str, str], RecordFacts],
    rows_by_record: dict[tuple[str, str], list[FindingRow]],
    requirement_cells: dict[str, list[tuple[str, Cell]]],
    person: _PersonNames,
) -> list[RecordSection]:
    shown = set(keys)
    sections = []
    for record_type, record_id in keys:
        found = facts.get((record_type, record_id))
        title = f"{RECORD_TYPE_TITLES.get(record_type, record_type.capitalize())} {record_id}"
        if found and found.person_id:
            title += f" — person {person(found.person_id)}"
        sections.append(
            RecordSection(
                anchor=record_anchor(record_type, record_id),
                record_type=record_type,
                record_id=record_id,
                title=title,
                facts=found.facts if found else [("Record", "not found in the ledger")],
                timeline=found.timeline if found else [],
                approvals=found.approvals if found else [],
                requirements=[(REQUIREMENT_SHORT[k], c) for k, c in requirement_cells.get(record_id, [])]
                if record_type == "disclosure"
                else [],
                findings=rows_by_record[(record_type, record_id)],
                related=[
                    (f"{t} {i}", record_anchor(t, i) if (t, i) in shown else None)
                    for t, i in (found.related if found else [])
                ],
            )
        )
    return sections


# --- rendering ----------------------------------------------------------------------------------------


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html", "j2", "html.j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def svg_data_uri(svg: str) -> str:
    """An SVG as a data: URI, so the report has no external resource and the two charts' internal
    ids (clip paths) cannot collide as they could if both were inlined into one DOM."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render_html(ctx: ReportContext) -> str:
    inspections_svg = charts.inspections_chart(ctx.inspections_by_person, "svg")
    findings_svg = charts.findings_chart(ctx.finding_counts, "svg")
    assert isinstance(inspections_svg, str) and isinstance(findings_svg, str)
    template = _environment().get_template("report.html.j2")
    return template.render(
        r=ctx,
        inspections_chart=svg_data_uri(inspections_svg),
        findings_chart=svg_data_uri(findings_svg),
    )


def render_pdf(ctx: ReportContext) -> bytes:
    from lookout_ledger.oversight.report.pdf import render_pdf as _render

    return _render(ctx)


def render(ctx: ReportContext, fmt: str) -> bytes:
    if fmt == "html":
        return render_html(ctx).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(ctx)
    raise LedgerError(f"--format: expected one of {', '.join(FORMATS)}, not {fmt!r}")


# --- the use case -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenReport:
    path: Path
    format: str
    sha256: str
    size: int
    findings: int
    persons_read: int


def write_report(
    ledger: Ledger,
    out_path: str | os.PathLike[str],
    fmt: str = "html",
    now: datetime | None = None,
    window: int | None = None,
    actor: str = "cli",
    include_spii: bool = False,
    purpose: str | None = None,
    max_records: int | None = DEFAULT_MAX_RECORDS,
) -> WrittenReport:
    """Audit, render and write the report in one transaction with its audit-log entries.

    The file is written to a temporary name and moved into place only after the audit entry is
    in the transaction; if anything fails the file is not left behind and nothing is logged.
    """
    if fmt not in FORMATS:
        raise LedgerError(f"--format: expected one of {', '.join(FORMATS)}, not {fmt!r}")
    if max_records is not None and max_records < 0:
        raise LedgerError("--max-records: a whole number >= 0 (0: every record)")
    if window is not None and window < 1:
        raise LedgerError("--review-window-days: a whole number of days >= 1")
    if not include_spii and purpose:
        raise LedgerError("--purpose is only used with --include-spii (names are not in the report otherwise)")
    path = Path(out_path)
    if not path.parent.exists():
        raise LedgerError(f"--out: the directory {path.parent} does not exist")
    at = now or ledger.now()
    days = window if window is not None else ledger.policy.review_window_days
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    moved = False
    try:
        with ledger.transaction() as session:
            result = run_audit(session, now=at, review_window_days=days, policy=ledger.policy)
            ctx = build_report_context(ledger, session, result, include_spii, purpose, actor, max_records)
            data = render(ctx, fmt)
            digest = hashlib.sha256(data).hexdigest()
            detail: dict[str, Any] = {
                "format": fmt,
                "sha256": digest,
                "bytes": len(data),
                "file": path.name,
                "evaluated_at": ctx.evaluated_at,
                "policy": {"name": ctx.policy_name, "version": ctx.policy_version},
                "review_window_days": ctx.review_window_days,
                "findings": ctx.total_findings,
                "include_spii": include_spii,
            }
            if include_spii:
                detail["purpose"] = ctx.purpose
                detail["persons_named"] = len(ctx.persons_read)
            ledger.audit(session, actor, "report.write", "report", path.name, detail, change_digest=digest)
            write_private(tmp, data)
            os.replace(tmp, path)
            moved = True
    except BaseException:
        # Nothing was logged (the transaction rolled back), so no file may claim otherwise.
        tmp.unlink(missing_ok=True)
        if moved:
            path.unlink(missing_ok=True)
        raise
    return WrittenReport(path, fmt, digest, len(data), ctx.total_findings, len(ctx.persons_read))
