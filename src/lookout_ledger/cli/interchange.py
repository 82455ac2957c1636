"""`lookout import`, `lookout export`, `lookout generate`: the LIF interchange commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeElapsedColumn, TransferSpeedColumn
from rich.table import Table

from lookout_ledger.cli.common import NOW_HELP, console, err_console, open_ledger, signed_in
from lookout_ledger.core.auth import Role
from lookout_ledger.interchange.exporter import export_lif
from lookout_ledger.interchange.generate import generate_lif
from lookout_ledger.interchange.importer import ImportFailed, import_lif
from lookout_ledger.interchange.schema import RECORD_TYPES
from lookout_ledger.interchange.sealing import SealingWriter, load_private, load_public, unseal


def _counts_table(title: str, counts: dict[str, dict[str, int]]) -> Table:
    columns = list(next(iter(counts.values())))
    table = Table("type", *columns, title=title)
    for rtype in RECORD_TYPES:
        table.add_row(rtype, *(str(counts[rtype][c]) for c in columns))
    return table


def _errors_table(failure: ImportFailed) -> Table:
    table = Table("line", "field", "expected", "found", title=f"{failure.source}: nothing was imported")
    for e in failure.errors:
        table.add_row(str(e.line), e.field, e.expected, e.found)
    return table


def _not_a_file(path: Path) -> str | None:
    """Why `path` cannot be imported, in words (#15: a directory or /dev/null read "no such file")."""
    if not path.exists():
        return "no such file"
    if path.is_dir():
        return "is a directory, not a LIF file"
    if not path.is_file():
        return "is not a regular file (a device or a pipe); give a file, or - for standard input"
    return None


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        file: str = typer.Argument(..., help="The LIF file to import; - reads standard input."),
        update: bool = typer.Option(False, "--update", help="Replace stored records whose content differs."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Import a LIF file (admin): all or nothing; re-importing the same file changes nothing.

        Imported records are history, not authority: an imported lookout refers nobody until an owner
        adopts it under the current policy (`lookout lookouts adopt`)."""
        actor = signed_in(Role.ADMIN).username
        ledger = open_ledger(now)
        source = sys.stdin.buffer if file == "-" else Path(file)
        if file != "-" and (problem := _not_a_file(Path(file))) is not None:
            err_console.print(f"[bold red]error:[/] {file}: {problem}")
            raise typer.Exit(2)
        try:
            if err_console.is_terminal:
                with Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    DownloadColumn(),
                    TransferSpeedColumn(),
                    TimeElapsedColumn(),
                    console=err_console,
                    transient=True,
                ) as bar:
                    task = bar.add_task(f"importing {file}", total=None)
                    report = import_lif(
                        ledger,
                        source,
                        actor,
                        update=update,
                        progress=lambda done, total: bar.update(task, completed=done, total=total),
                    )
            else:
                report = import_lif(ledger, source, actor, update=update)
        except ImportFailed as failure:
            err_console.print(_errors_table(failure))
            total = len(failure.errors) + failure.more
            more = f" (the first {len(failure.errors)} are listed)" if failure.more else ""
            err_console.print(f"[bold red]{total} problem{'s' if total != 1 else ''}[/]{more}; nothing was written.")
            raise typer.Exit(2) from None
        console.print(_counts_table(f"imported {report.source} ({report.records} records)", report.counts))
        console.print(f"sha256 {report.sha256}")

    @app.command("export")
    def export(
        file: str = typer.Argument(..., help="Where to write the LIF file; - writes standard output."),
        purpose: str = typer.Option(
            ..., help="Why these records leave the ledger (logged as the purpose of the read)."
        ),
        recipient_key: Path | None = typer.Option(
            None, "--recipient-key", help="Seal the file for this recipient's public key (`lookout keys recipient`)."
        ),
    ) -> None:
        """Export every record as a LIF file (auditor or admin, with a purpose; the file is written 0600).

        The export is logged as a read of every person it names, with the purpose."""
        actor = signed_in(Role.AUDITOR, Role.ADMIN).username
        ledger = open_ledger()
        recipient = load_public(recipient_key) if recipient_key is not None else None
        if file == "-":
            sink = SealingWriter(sys.stdout.buffer, recipient) if recipient else None
            counts = export_lif(ledger, sink or sys.stdout.buffer, actor, purpose=purpose)  # type: ignore[arg-type]
            if sink is not None:
                sink.close()
            sys.stdout.buffer.flush()
            return
        target = Path(file)
        partial = target.with_name(target.name + ".partial")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                sealed = SealingWriter(fh, recipient) if recipient else None
                counts = export_lif(ledger, sealed or fh, actor, purpose=purpose)  # type: ignore[arg-type]
                if sealed is not None:
                    sealed.close()
            os.replace(partial, target)  # never leave half a file under the real name
        finally:
            partial.unlink(missing_ok=True)
        table = Table("type", "records", title=f"exported {file}")
        for rtype, n in counts.items():
            table.add_row(rtype, str(n))
        console.print(table)

    @app.command("unseal")
    def unseal_(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A sealed export."),
        key: Path = typer.Option(..., "--key", help="Your private key (from `lookout keys recipient`)."),
        out: Path = typer.Option(..., "--out", help="Where to write the plain LIF file (0600)."),
    ) -> None:
        """Open an export sealed for you; refuses a wrong key and a changed or cut-off file."""
        private = load_private(key)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with file.open("rb") as src, os.fdopen(fd, "wb") as dst:
            chunks = unseal(src, dst, private)
        console.print(f"wrote {out} ({chunks} chunk{'s' if chunks != 1 else ''})")

    @app.command("generate")
    def generate(
        file: str = typer.Argument(..., help="Where to write the synthetic LIF file; - writes standard output."),
        lookouts: int = typer.Option(..., "--lookouts", min=1, help="How many lookouts (about 4.8 lines each)."),
        seed: int = typer.Option(1, "--seed", help="The same seed gives the same file."),
    ) -> None:
        """Write a synthetic LIF file of invented people, for trials and benchmarks."""
        if file == "-":
            generate_lif(sys.stdout.buffer, lookouts=lookouts, seed=seed)
            sys.stdout.buffer.flush()
            return
        with Path(file).open("wb") as fh:
            counts = generate_lif(fh, lookouts=lookouts, seed=seed)
        table = Table("type", "records", title=f"generated {file} (seed {seed})")
        for rtype, n in counts.items():
            table.add_row(rtype, str(n))
        console.print(table)
