"""The ledger's integrity: verify, checkpoint, prove, and the checkpoint signing key.

`verify` checks the key, the chain, every record against the digest its last entry left, and
any checkpoints an overseer kept; it exits 0 when all hold, 1 when something was changed
outside the application, and 3 when the key does not belong to the database (never reported
as tampering). Each run is kept for the dashboard.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import typer

from lookout_ledger.cli.common import console, open_ledger, signed_in
from lookout_ledger.core import checkpoints, integrity, proofs
from lookout_ledger.core.auth import Role
from lookout_ledger.core.clock import SystemClock
from lookout_ledger.core.errors import KeyError_
from lookout_ledger.core.files import write_private
from lookout_ledger.core.ledger import Ledger

OVERSIGHT = (Role.AUDITOR, Role.ADMIN)


def _ledger() -> Ledger:
    import lookout_ledger.models  # noqa: F401  (every capability's record types registered)

    try:
        ledger = open_ledger()
    except KeyError_ as exc:
        console.print(f"[bold red]key:[/] {exc}", highlight=False)
        sys.exit(3)
    ledger.clock = SystemClock()
    return ledger


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        console.print(f"[bold red]error:[/] cannot read {path}: {exc}", highlight=False)
        sys.exit(2)


def _write(path: Path, text: str) -> None:
    write_private(path, text)


def register(app: typer.Typer) -> None:
    @app.command("verify")
    def verify(
        checkpoint: list[Path] = typer.Option(
            [], "--checkpoint", "-c", help="A checkpoint kept outside the database (repeatable)."
        ),
        vkey: list[str] = typer.Option(
            [], "--vkey", help="A trusted verifier key (NAME+ID+KEY); default: this ledger's own signing keys."
        ),
        as_json: bool = typer.Option(False, "--json", help="The result as JSON."),
    ) -> None:
        """Verify the key, the audit chain, every record's state and kept checkpoints (auditor or admin).

        Exit 0: intact; 1: changed outside the application; 3: the key does not belong to this database."""
        ledger = _ledger()  # first: a wrong key is said to be one before anything else reads with it
        user = signed_in(*OVERSIGHT).username
        notes = [(str(p), _read(p)) for p in checkpoint]
        trusted = [checkpoints.VerifierKey.parse(v) for v in vkey] or None
        report = integrity.verify_ledger(ledger, notes, trusted)
        integrity.record_run(ledger, user, report)
        if as_json:
            sys.stdout.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
            sys.exit(report.exit_code)
        if not report.key_ok:
            console.print(f"[bold red]key:[/] {report.key_message}", highlight=False)
            sys.exit(3)
        for w in report.warnings[:5]:
            console.print(f"[yellow]warning[/] {w.message} (a {ledger.kind} database: times may be set by hand)")
        for line in report.log:
            console.print(f"[bold red]log deleted:[/] {line}", highlight=False)
        if report.chain:
            first = report.chain[0]
            console.print(f"[bold red]audit log broken[/] at entry {first.seq}: {first.kind}")
            for p in report.chain[:20]:
                console.print(f"  - {p.message}", highlight=False)
        else:
            console.print(f"[green]audit log intact[/]: {report.entries} entries verified")
        if report.state:
            console.print(f"[bold red]{len(report.state)} records changed outside the application[/]")
            for sp in report.state[:50]:
                console.print(f"  - {sp.message}", highlight=False)
        else:
            console.print(f"[green]records intact[/]: {report.records} records match their logged digests")
        for c in report.checkpoints:
            mark = "[green]checkpoint holds[/]" if c.ok else "[bold red]checkpoint fails[/]"
            console.print(f"{mark}: {c.message}", highlight=False)
        console.print(f"verified in {report.seconds:.1f} s")
        sys.exit(report.exit_code)

    @app.command("checkpoint")
    def checkpoint_cmd(
        out: Path | None = typer.Option(None, "--out", "-o", help="Also write the signed checkpoint to this file."),
        since: Path | None = typer.Option(
            None, "--since", help="An older checkpoint: write the consistency proof from it to the new one."
        ),
        proof_out: Path | None = typer.Option(None, "--proof-out", help="Where to write that proof (JSON)."),
    ) -> None:
        """Sign the log as it stands (C2SP tlog-checkpoint) and print it (auditor or admin): keep the
        copy outside the database; `verify --checkpoint` later proves the log still extends it."""
        user = signed_in(*OVERSIGHT).username
        ledger = _ledger()
        with ledger.transaction() as s:
            cp = integrity.checkpoint(ledger, s, user)
        sys.stdout.write(cp.note)
        if out is not None:
            _write(out, cp.note)
        if since is not None:
            with ledger.reading() as s:
                bundle = proofs.consistency_bundle(s, _read(since), cp.note)
            target = proof_out or Path("consistency-proof.json")
            _write(target, orjson.dumps(bundle, option=orjson.OPT_INDENT_2).decode() + "\n")
            console.print(f"consistency proof from {since} written to {target}", highlight=False)

    @app.command("prove")
    def prove(
        record_type: str = typer.Argument(..., metavar="TYPE", help="A record type, e.g. lookout, disclosure."),
        record_id: str = typer.Argument(..., metavar="ID"),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write the bundle here instead of stdout."),
    ) -> None:
        """Print the inclusion proofs of every log entry that wrote a record (auditor or admin), for
        `verifier/lookout_verify.py inclusion`."""
        signed_in(*OVERSIGHT)
        ledger = _ledger()
        with ledger.reading() as s:
            bundle = proofs.record_proof(s, record_type, record_id)
        text = orjson.dumps(bundle, option=orjson.OPT_INDENT_2).decode() + "\n"
        if out is None:
            sys.stdout.write(text)
        else:
            _write(out, text)
            console.print(f"{len(bundle['entries'])} entries' proofs written to {out}", highlight=False)

    signing = typer.Typer(help="The checkpoint signing key (Ed25519; not the SPII key).", no_args_is_help=True)
    app.add_typer(signing, name="checkpoint-key")

    @signing.command("show")
    def signing_show() -> None:
        """Print the verifier keys an overseer trusts checkpoints with (auditor or admin)."""
        signed_in(*OVERSIGHT)
        ledger = _ledger()
        with ledger.transaction() as s:
            keys = checkpoints.load_signing_keys(checkpoints.signing_key_path(ledger.settings), s, create=True)
        for vk in keys.verifiers():
            active = " (active)" if vk.name == keys.name(keys.active) else ""
            console.print(f"{vk}{active}", highlight=False, soft_wrap=True)

    @signing.command("rotate")
    def signing_rotate() -> None:
        """A new signing key (admin); the old one's public half stays so old checkpoints still verify."""
        admin = signed_in(Role.ADMIN).username
        ledger = _ledger()
        with ledger.transaction() as s:
            keys = checkpoints.load_signing_keys(checkpoints.signing_key_path(ledger.settings), s, create=True)
            fresh = keys.rotated()
            fresh.save()
            vk = fresh.active_verifier()
            ledger.audit(s, admin, "checkpoint_key.rotate", "signing_key", fresh.active, {"vkey": str(vk)})
        console.print(f"new checkpoint signing key {fresh.active}: {vk}", highlight=False, soft_wrap=True)
