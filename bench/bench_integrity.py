"""Verifying a large ledger: `verify` (key, chain, every record's state) against a plain scan.

    .venv/bin/python bench/bench_integrity.py --lookouts 1000000 [--postgresql URL] [--skip-sqlite]

A LIF file of N lookouts with their persons, events, crossings, inspections and disclosures is
generated once (bench/out/integrity/lif_<N>.lif) and imported into a fresh database. Then, in
the same process: the baseline reads every row of every tracked table once (a streamed SELECT *,
nothing computed), and `verify_ledger` does the whole verification. The difference is what the
digests cost on top of reading the data; the figure the issue sets is the verify time (< 60 s
at 1,000,000 lookouts). A checkpoint and a `prove` of one lookout are timed too.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "out" / "integrity"


def _fresh_url(kind: str, pg_url: str | None, tag: str) -> str:
    from fresh_database import fresh_url

    return fresh_url(kind, pg_url, OUT, f"integrity_{tag}")


def _ledger(url: str):  # type: ignore[no-untyped-def]
    import lookout_ledger.models  # noqa: F401
    from lookout_ledger.core.config import Settings
    from lookout_ledger.core.crypto import Keyring
    from lookout_ledger.core.ledger import Ledger

    key = OUT / "bench-integrity.key"
    key.write_text(Keyring(keys={"k1": bytes(range(32))}, active="k1").to_json())
    os.environ["LOOKOUT_SIGNING_KEY_FILE"] = str(OUT / f"signing-{abs(hash(url))}.key")
    Path(os.environ["LOOKOUT_SIGNING_KEY_FILE"]).unlink(missing_ok=True)
    return Ledger.open(Settings(database_url=url, key_file=key))


def _scan(ledger) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """The floor: every row of every tracked table, streamed, nothing computed."""
    from sqlalchemy import select

    from lookout_ledger.core import state

    t0 = time.perf_counter()
    rows = 0
    with ledger.reading() as s:
        conn = s.connection()
        for rt in state.record_types():
            for t in (rt.table, *(p.table for p in rt.parts)):
                for _ in conn.execute(select(*t.c), execution_options=state.STREAM):
                    rows += 1
    return rows, time.perf_counter() - t0


def measure(kind: str, url: str, path: Path) -> None:
    from lookout_ledger.core import integrity, proofs
    from lookout_ledger.core.header import DatabaseKind, write_header
    from lookout_ledger.interchange.importer import import_lif

    ledger = _ledger(url)
    with ledger.transaction() as s:
        write_header(s, DatabaseKind.SIMULATION, at=ledger.now(), by="bench", key_check=ledger.keyring.key_check)
        ledger.audit(s, "bench", "ledger.bootstrap", "ledger", "simulation")
    ledger.set_kind(DatabaseKind.SIMULATION)
    t0 = time.perf_counter()
    report = import_lif(ledger, path, "bench")
    print(f"{kind:<11} import        {time.perf_counter() - t0:8.1f} s  ({report.lines} lines)")
    rows, scan = _scan(ledger)
    print(f"{kind:<11} plain scan    {scan:8.1f} s  ({rows} rows)")
    result = integrity.verify_ledger(ledger)
    assert result.ok, result.as_dict()
    print(
        f"{kind:<11} verify        {result.seconds:8.1f} s  ({result.records} records, {result.entries} entries; "
        f"{result.records / result.seconds:,.0f} records/s; {result.seconds / scan:.1f}x the plain scan)"
    )
    t0 = time.perf_counter()
    with ledger.transaction() as s:
        cp = integrity.checkpoint(ledger, s, "bench")
    print(f"{kind:<11} checkpoint    {time.perf_counter() - t0:8.2f} s  ({cp.size} entries)")
    with ledger.reading() as s:
        from sqlalchemy import text

        lid = s.execute(text("SELECT min(id) FROM lookouts")).scalar_one()
        t0 = time.perf_counter()
        bundle = proofs.record_proof(s, "lookout", lid)
    print(f"{kind:<11} prove lookout {time.perf_counter() - t0:8.2f} s  ({len(bundle['entries'])} entries)")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lookouts", type=int, default=100_000)
    parser.add_argument("--postgresql", metavar="URL")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"lif_{args.lookouts}.lif"
    if not path.exists():
        from lookout_ledger.interchange.generate import generate_lif

        with path.open("wb") as fh:
            generate_lif(fh, lookouts=args.lookouts, seed=1)
    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB")
    engines = ([] if args.skip_sqlite else ["sqlite"]) + (["postgresql"] if args.postgresql else [])
    for kind in engines:
        measure(kind, _fresh_url(kind, args.postgresql, str(args.lookouts)), path)


if __name__ == "__main__":
    main()
