"""`lookout screen ...`: screening travelers (one, or a JSON Lines batch) from the command line.

The batch interface is a contract other tools and the quality checks use:
`lookout screen --batch FILE --now T --format json` writes one JSON line per input line, in
order, `{"id", "refer", "matches": [{"lookout_id", "person_id", "score", "explanation"}]}`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import typer

from lookout_ledger.cli.common import NOW_HELP, console, open_ledger, state
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.screening.matcher import Presented
from lookout_ledger.screening.service import ScreeningResult, parse_batch, screen_batch, screen_traveler


def _print(results: list[ScreeningResult], fmt: str) -> None:
    if fmt == "json":
        out = sys.stdout.buffer
        for r in results:
            out.write(orjson.dumps(r.as_batch_line()) + b"\n")
        out.flush()
        return
    for r in results:
        if not r.refer:
            console.print(f"{r.presented_id}: no referral")
            continue
        console.print(f"[bold red]{r.presented_id}: REFER to secondary[/]")
        for m in r.matches:
            console.print(f"  lookout {m.lookout.lookout_id} (person {m.lookout.person_id}) score {m.score}")
            console.print(f"    {m.explanation}")


def register(app: typer.Typer) -> None:
    @app.command("screen")
    def screen(
        batch: Path | None = typer.Option(None, "--batch", help="JSON Lines file of presented identities."),
        given: str | None = typer.Option(None, "--given", help="Given name(s) as presented."),
        family: str | None = typer.Option(None, "--family", help="Family name(s) as presented."),
        dob: str | None = typer.Option(None, "--dob", help="Date of birth, YYYY-MM-DD."),
        nationality: str | None = typer.Option(None, help="Nationality (ISO 3166 alpha-2)."),
        document: list[str] = typer.Option(
            [], "--document", help="KIND:NUMBER:COUNTRY, e.g. passport:X1234567:MX (repeatable)."
        ),
        port: str = typer.Option("batch", help="Port of entry (a live screening needs one)."),
        fmt: str = typer.Option("text", "--format", help="text or json."),
        no_log: bool = typer.Option(
            False, "--no-log", help="Batch only, and only in a simulation database: do not write the screening log."
        ),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Screen a traveler (as the signed-in port officer) or a batch file (port officer or auditor).

        Every screening is logged. In a system of record, `--now` makes a batch a what-if evaluated at that
        time; its log is recorded at the system's time. A live screening takes the system's time."""
        if fmt not in ("text", "json"):
            raise LedgerError("--format: text or json")
        ledger = open_ledger(now)
        if batch is not None:
            if not batch.exists():
                raise LedgerError(f"--batch: no file {batch}")
            with batch.open("rb") as fh:
                presented = parse_batch(fh)
            _print(screen_batch(ledger, presented, actor=state.actor, port=port, log=not no_log), fmt)
            return
        docs = []
        for i, d in enumerate(document):
            parts = d.split(":")
            if len(parts) != 3 or not parts[1]:
                raise LedgerError(f"--document {i + 1}: write KIND:NUMBER:COUNTRY")
            docs.append({"kind": parts[0] or None, "number": parts[1], "country": parts[2] or None})
        presented_one = Presented.from_dict(
            {
                "id": "cli",
                "given_name": given,
                "family_name": family,
                "date_of_birth": dob,
                "nationality": nationality,
                "documents": docs,
            },
            "options",
        )
        result = screen_traveler(ledger, state.actor, presented_one, port)
        if fmt == "json":
            sys.stdout.buffer.write(orjson.dumps(result.as_dict()) + b"\n")
        else:
            _print([result], fmt)
