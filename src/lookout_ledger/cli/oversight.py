"""`lookout audit` and `lookout findings`: the oversight engine on the command line.

A thin adapter: it opens the ledger, calls `run_audit`, and prints. JSON output is exactly the
LIF audit contract (`to_spec()`), written as bytes so nothing reformats it.
"""

from __future__ import annotations

import sys
from enum import StrEnum

import orjson
import typer
from rich.table import Table

from lookout_ledger.cli.common import NOW_HELP, console, open_ledger, signed_in
from lookout_ledger.core.auth import Role
from lookout_ledger.oversight.audit import AuditResult, Finding, run_audit
from lookout_ledger.oversight.requirements import REQUIREMENT_KEYS
from lookout_ledger.oversight.rules import RULES

# The review's own words for each metric (Figure 1 and the findings on disclosures).
LOOKOUT_METRIC_WORDS = {
    "total": "Lookouts",
    "non_suspect": "Lookouts on non-suspects (placed for association or information only)",
    "persons_with_lookouts": "Persons with lookouts",
    "persons_inspected": "Persons referred to secondary inspection at least once",
    "persons_never_inspected": "Persons with lookouts never inspected",
    "persons_removed_after_first_referral": "Persons whose lookouts were removed after the first referral",
    "persons_active_after_first_referral": "Persons whose lookouts remained active after the first referral",
    "persons_reentered_while_active": "Of those, persons who reentered while the lookout was still active",
    "persons_re_referred": "Persons referred to secondary inspection two or more times",
    "max_referrals_one_person": "Most referrals of one person",
    "transferred_without_notice": "Lookouts transferred without notice or instruction",
}
DISCLOSURE_METRIC_WORDS = {
    "total": "Foreign disclosures",
    "us_persons_disclosed": "U.S. persons whose information was disclosed",
    "us_persons_in_deny_entry_requests": "U.S. persons named in requests to deny entry",
}
CELL = {
    "compliant": "[green]✓[/]",
    "non_compliant": "[bold red]X[/]",
    "unknown": "[yellow]Unknown[/]",
    "not_applicable": "[dim]N/A[/]",
}
COLUMN_WORDS = {
    "advisement": "Advise in writing",
    "marking": "Marking",
    "channel": "Channel",
    "encryption": "Encrypt",
    "record": "Record",
    "retention": "Retain",
}


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _audit(now: str | None, review_window_days: int | None) -> AuditResult:
    """The audit is an oversight read of every record: auditors and administrators."""
    signed_in(Role.AUDITOR, Role.ADMIN)
    ledger = open_ledger(now)
    with ledger.reading() as s:
        return run_audit(s, now=ledger.now(), review_window_days=review_window_days, policy=ledger.policy)


def _write_json(payload: object) -> None:
    sys.stdout.buffer.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


def _print_metrics(result: AuditResult) -> None:
    table = Table("Figure 1: lookouts and referrals", "count", title="Lookout metrics", title_justify="left")
    for key, words in LOOKOUT_METRIC_WORDS.items():
        table.add_row(words, str(result.metrics["lookouts"][key]))
    console.print(table)
    table = Table("Foreign disclosures", "count", title="Disclosure metrics", title_justify="left")
    for key, words in DISCLOSURE_METRIC_WORDS.items():
        table.add_row(words, str(result.metrics["disclosures"][key]))
    console.print(table)


def _print_matrix(result: AuditResult) -> None:
    if not result.disclosures:
        console.print("No foreign disclosures recorded.")
        return
    table = Table(
        "disclosure",
        *(COLUMN_WORDS[k] for k in REQUIREMENT_KEYS),
        title="Appendix C: disclosure requirements (✓ compliant, X non-compliant)",
        title_justify="left",
    )
    for d in result.disclosures:
        table.add_row(d["id"], *(CELL[d["requirements"][k]] for k in REQUIREMENT_KEYS))
    console.print(table)


def _print_findings(findings: list[Finding], per_rule: int) -> None:
    grouped: dict[str, list[Finding]] = {}
    for f in findings:
        grouped.setdefault(f.rule, []).append(f)
    summary = Table("rule", "findings", "what it means", title="Findings by rule", title_justify="left")
    for rule_id, rule in RULES.items():
        summary.add_row(rule_id, str(len(grouped.get(rule_id, []))), rule.statement)
    console.print(summary)
    for rule_id, items in sorted(grouped.items()):
        rule = RULES[rule_id]
        console.print(f"\n[bold]{rule_id}[/] — {rule.title} ({len(items)})  [dim]{rule.citation}[/]")
        for f in items[:per_rule]:
            console.print(f"  • {f.message}")
        if len(items) > per_rule:
            console.print(f"  [dim]… and {len(items) - per_rule} more (lookout findings --rule {rule_id})[/]")


def register(app: typer.Typer) -> None:
    @app.command("audit")
    def audit(
        now: str | None = typer.Option(None, "--now", help=NOW_HELP),
        review_window_days: int | None = typer.Option(
            None,
            "--review-window-days",
            min=0,
            help="Days an owner has to re-evaluate a lookout after an inspection; default: the policy's value (7).",
        ),
        output: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text (tables) or json (LIF spec)."),
        per_rule: int = typer.Option(5, "--per-rule", min=0, help="Findings listed per rule in text output."),
    ) -> None:
        """Evaluate every lookout, inspection, disclosure and message against the audit rules."""
        result = _audit(now, review_window_days)
        if output is OutputFormat.json:
            _write_json(result.to_spec())
            return
        console.print(
            f"Audit at {result.to_spec()['evaluated_at']} under policy {result.policy_name} {result.policy_version}, "
            f"review window {result.review_window_days} days"
        )
        _print_metrics(result)
        _print_matrix(result)
        _print_findings(result.findings, per_rule)

    @app.command("findings")
    def findings(
        rule: list[str] = typer.Option([], "--rule", help="Only this rule id (repeatable)."),
        owner: str | None = typer.Option(None, "--owner", help="Only findings whose responsible official is this id."),
        unit: str | None = typer.Option(None, "--unit", help="Only findings in this unit."),
        now: str | None = typer.Option(None, "--now", help=NOW_HELP),
        review_window_days: int | None = typer.Option(None, "--review-window-days", min=0),
        output: OutputFormat = typer.Option(OutputFormat.text, "--format"),
    ) -> None:
        """List findings, filtered by rule, responsible official or unit."""
        unknown = [r for r in rule if r not in RULES]
        if unknown:
            console.print(f"[bold red]error:[/] unknown rule {', '.join(unknown)}; rules: {', '.join(RULES)}")
            raise typer.Exit(2)
        result = _audit(now, review_window_days)
        selected = [
            f
            for f in result.findings
            if (not rule or f.rule in rule)
            and (owner is None or f.owner_id == owner)
            and (unit is None or f.unit_id == unit)
        ]
        if output is OutputFormat.json:
            _write_json([f.to_spec() | {"owner_id": f.owner_id, "unit_id": f.unit_id} for f in selected])
            return
        table = Table("rule", "record", "person", "owner", "message", title=f"{len(selected)} findings")
        for f in selected:
            table.add_row(f.rule, f"{f.record_type} {f.record_id}", f.person_id or "", f.owner_id or "", f.message)
        console.print(table)
