"""Audit benchmark: seconds and peak memory of `run_audit` over a large operation, against the
same metrics computed by plain DuckDB SQL over the same data, in the same run.

    .venv/bin/python bench/bench_audit.py --lookouts 1000000 --crossings 2000000 [--postgresql URL]

Each measurement runs in a fresh child process so its peak RSS is its own. The data is built
once per size and engine and reused (bench/out/). Prints a table and writes bench/out/audit.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_audit(url: str, key_file: str, window: int, q: mp.Queue) -> None:
    from datetime import UTC, datetime

    from lookout_ledger.core.config import Settings
    from lookout_ledger.core.ledger import Ledger
    from lookout_ledger.oversight.audit import run_audit

    ledger = Ledger.open(Settings(database_url=url, key_file=Path(key_file)))
    now = datetime(2019, 6, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    with ledger.reading() as s:
        result = run_audit(s, now=now, review_window_days=window, policy=ledger.policy)
    q.put(
        {
            "seconds": time.perf_counter() - t0,
            "peak_mb": _peak_mb(),
            "metrics": result.metrics,
            "findings": len(result.findings),
        }
    )


def _child_metrics(url: str, key_file: str, window: int, q: mp.Queue) -> None:
    """The ledger's own SQL for the same metrics DuckDB computes (no findings, no messages)."""
    from lookout_ledger.core.config import Settings
    from lookout_ledger.core.ledger import Ledger
    from lookout_ledger.oversight.metrics import disclosure_metrics, lookout_metrics

    ledger = Ledger.open(Settings(database_url=url, key_file=Path(key_file)))
    t0 = time.perf_counter()
    with ledger.reading() as s:
        dialect = s.get_bind().dialect.name
        m = {"lookouts": lookout_metrics(s, dialect, window * 86_400_000_000), "disclosures": disclosure_metrics(s)}
    q.put({"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "metrics": m})


def _child_duckdb(sqlite_path: str, window: int, q: mp.Queue) -> None:
    import duckdb_metrics

    con, load_s = duckdb_metrics.load_from_sqlite(sqlite_path)
    t0 = time.perf_counter()
    m = duckdb_metrics.metrics(con, window)
    q.put({"seconds": time.perf_counter() - t0, "load_seconds": load_s, "peak_mb": _peak_mb(), "metrics": m})


def _run(target, *args) -> dict:  # type: ignore[no-untyped-def]
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, q))
    p.start()
    result = q.get()
    p.join()
    return result


def _ensure_data(url: str, key_file: Path, lookouts: int, crossings: int) -> None:
    from build_data import build, empty
    from lookout_ledger.core.config import Settings
    from lookout_ledger.core.ledger import Ledger

    ledger = Ledger.open(Settings(database_url=url, key_file=key_file))
    if empty(ledger.engine):
        print(f"building {lookouts:,} lookouts / {crossings:,} crossings in {ledger.engine.dialect.name}...")
        t0 = time.perf_counter()
        build(ledger.engine, ledger.keyring, lookouts, crossings)
        print(f"  built in {time.perf_counter() - t0:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lookouts", type=int, default=1_000_000)
    ap.add_argument("--crossings", type=int, default=2_000_000)
    ap.add_argument("--window", type=int, default=7)
    ap.add_argument("--postgresql", help="URL of an empty PostgreSQL database to benchmark as well")
    a = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    key = OUT / "bench.key"
    sqlite_path = OUT / f"audit-{a.lookouts}-{a.crossings}.db"
    runs: dict[str, dict] = {}

    _ensure_data(f"sqlite:///{sqlite_path}", key, a.lookouts, a.crossings)
    runs["ledger metrics (SQLite)"] = _run(_child_metrics, f"sqlite:///{sqlite_path}", str(key), a.window)
    runs["ledger audit (SQLite)"] = _run(_child_audit, f"sqlite:///{sqlite_path}", str(key), a.window)
    if a.postgresql:
        _ensure_data(a.postgresql, key, a.lookouts, a.crossings)
        runs["ledger metrics (PostgreSQL)"] = _run(_child_metrics, a.postgresql, str(key), a.window)
        runs["ledger audit (PostgreSQL)"] = _run(_child_audit, a.postgresql, str(key), a.window)
    runs["DuckDB metrics (baseline)"] = _run(_child_duckdb, str(sqlite_path), a.window)

    base = runs["DuckDB metrics (baseline)"]
    print(f"\n{a.lookouts:,} lookouts, {a.crossings:,} crossings (9 in 10 inspected), window {a.window} days")
    print("'metrics' = the spec's metrics only, like DuckDB; 'audit' = metrics, Appendix C and all 17 finding rules")
    print(f"{'run':<28}{'seconds':>10}{'peak MB':>10}{'vs DuckDB':>11}{'findings':>11}")
    for name, r in runs.items():
        ratio = r["seconds"] / base["seconds"] if base["seconds"] else float("nan")
        found = f"{r['findings']:,}" if "findings" in r else ""
        print(f"{name:<28}{r['seconds']:>10.2f}{r['peak_mb']:>10.0f}{ratio:>10.1f}x{found:>11}")
    print(f"(DuckDB's copy of the tables from SQLite, not counted above: {base['load_seconds']:.1f} s)")
    agree = True
    for name, r in runs.items():
        if name.startswith("ledger") and r["metrics"] != base["metrics"]:
            agree = False
            print(f"\nMETRICS DIFFER between {name} and DuckDB:")
            for group in ("lookouts", "disclosures"):
                for k, v in base["metrics"][group].items():
                    mine = r["metrics"][group].get(k)
                    if mine != v:
                        print(f"  {group}.{k}: ledger {mine}, duckdb {v}")
    if agree:
        print("metrics agree between the ledger's audit and the DuckDB reading of the spec")
    (OUT / "audit.json").write_text(json.dumps({"args": vars(a), "runs": runs}, indent=2, default=str))


if __name__ == "__main__":
    main()
