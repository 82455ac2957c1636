"""`lookout report`: write the oversight report (HTML or PDF) for an inspector general or privacy office.

A thin adapter over `oversight.report.write_report`, which audits, renders and logs the write
in one transaction.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from lookout_ledger.cli.common import NOW_HELP, console, open_ledger, signed_in, state
from lookout_ledger.core.auth import Role
from lookout_ledger.oversight.report import DEFAULT_MAX_RECORDS, write_report


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        out: Path = typer.Option(..., "--out", "-o", help="File to write (overwritten if it exists)."),
        fmt: ReportFormat | None = typer.Option(
            None, "--format", "-f", help="html or pdf; default: from the --out suffix, else html."
        ),
        now: str | None = typer.Option(None, help=NOW_HELP),
        review_window_days: int | None = typer.Option(
            None,
            "--review-window-days",
            min=1,
            help="Days an owner has to re-evaluate a lookout; default: the policy's.",
        ),
        include_spii: bool = typer.Option(
            False,
            "--include-spii",
            help="Show persons' names (decrypted; each read is logged). Needs a role that may see SPII and --purpose.",
        ),
        purpose: str | None = typer.Option(
            None, "--purpose", help="Why names are needed, in words (required with --include-spii; logged)."
        ),
        max_records: int = typer.Option(
            DEFAULT_MAX_RECORDS,
            "--max-records",
            min=0,
            help="Most records to detail in the drill-down (every finding is still listed); 0: all.",
        ),
    ) -> None:
        """Write the oversight report: metrics, Figure-1 chart, findings by rule and official, the Appendix C
        matrix, and the records behind every finding."""
        chosen = fmt.value if fmt else ("pdf" if out.suffix.lower() == ".pdf" else "html")
        signed_in(Role.AUDITOR, Role.ADMIN)
        evaluation = open_ledger(now)
        ledger = evaluation.recording()  # reads of names are logged at the system's time
        written = write_report(
            ledger,
            out,
            chosen,
            now=evaluation.now(),
            window=review_window_days,
            actor=state.actor,
            include_spii=include_spii,
            purpose=purpose,
            max_records=max_records,
        )
        spii = f"; names of {written.persons_read} persons (read logged)" if include_spii else ""
        console.print(
            f"wrote [bold]{written.path}[/] ({written.format}, {written.size:,} bytes, "
            f"{written.findings} findings{spii})\nsha256 {written.sha256} recorded in the audit log as report.write"
        )
