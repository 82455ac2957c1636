"""LIF import benchmark: lines per second and peak memory of `import_lif`, against a baseline of
plain executemany inserts of the same rows into the same schema, in the same run.

    .venv/bin/python bench/bench_import.py --lines 100000 [--postgresql URL]

The generated file is made once per size (bench/out/lif_<lines>.lif). Each measurement runs in
a fresh child process (its peak RSS is its own) against a fresh database. The baseline builds
the rows with the importer's own row builders outside the timer and times only the inserts,
so the difference is what validation, sealing, idempotence, duplicate and reference checks
cost on top of the database's floor. A third run imports with the state digests (#12) removed
from its process, so their write overhead is measured in the same run.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "out" / "import"
LINES_PER_LOOKOUT = 4.74  # what the generator produces on average


def set_out(path: Path) -> None:
    global OUT
    OUT = path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fresh_url(kind: str, pg_url: str | None, tag: str) -> str:
    from fresh_database import fresh_url

    return fresh_url(kind, pg_url, OUT, f"import_{tag}")


def _ledger(url: str):  # type: ignore[no-untyped-def]
    from lookout_ledger.core.config import Settings
    from lookout_ledger.core.crypto import Keyring
    from lookout_ledger.core.ledger import Ledger

    ledger = Ledger.open(Settings(database_url=url, key_file=OUT / "bench-import.key"))
    ledger.keyring = Keyring(keys={"k1": bytes(range(32))}, active="k1")
    return ledger


def _child_import(url: str, path: str, q: mp.Queue) -> None:
    from lookout_ledger.interchange.importer import import_lif

    ledger = _ledger(url)
    t0, own0, kids0 = time.perf_counter(), _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    report = import_lif(ledger, path, "bench")
    seconds = time.perf_counter() - t0
    own, kids = _cpu(resource.RUSAGE_SELF) - own0, _cpu(resource.RUSAGE_CHILDREN) - kids0
    q.put({"seconds": seconds, "own": own, "cpu": own + kids, "peak_mb": _peak_mb(), "lines": report.lines})


def _cpu(who: int) -> float:
    """CPU seconds of this process, or of the children it has reaped (the digest worker)."""
    use = resource.getrusage(who)
    return use.ru_utime + use.ru_stime


def without_state_digests() -> None:
    """This process only: the importer as it was before state digests (#12), to price them. The
    listeners are removed from this benchmark's process; nothing in the product can turn them off."""
    from sqlalchemy import Engine, event
    from sqlalchemy.orm import Session

    from lookout_ledger.core import auditlog, state

    event.remove(Engine, "before_execute", state._before_execute)
    event.remove(Engine, "after_execute", state._after_execute)
    event.remove(Session, "before_commit", auditlog._bind_records)
    state.touch_rows = lambda *a, **k: None  # type: ignore[assignment]
    state.remember = lambda *a, **k: None  # type: ignore[assignment]


def _child_import_plain(url: str, path: str, q: mp.Queue) -> None:
    without_state_digests()
    _child_import(url, path, q)


def _child_baseline(url: str, path: str, q: mp.Queue) -> None:
    """Plain executemany of the same rows: validated and built untimed, inserted timed."""
    import orjson

    from lookout_ledger.interchange.rows import ROW_BUILDERS
    from lookout_ledger.interchange.schema import RECORD_TYPES, validate_record
    from lookout_ledger.interchange.tables import TABLES

    without_state_digests()  # the floor: plain inserts, nothing on top
    ledger = _ledger(url)
    timed = 0.0
    pending: dict[str, list[dict]] = {t: [] for t in RECORD_TYPES}

    def flush(conn) -> float:  # type: ignore[no-untyped-def]
        batches = []
        for rtype in RECORD_TYPES:
            mains, kids = [], [[] for _ in TABLES[rtype].children]
            for rec in pending[rtype]:
                main, children = ROW_BUILDERS[rtype](rec, ledger.keyring)
                mains.append(main)
                for bucket, rows in zip(kids, children, strict=True):
                    bucket.extend(rows)
            batches.append((TABLES[rtype].main, mains))
            batches += [(c.table, rows) for c, rows in zip(TABLES[rtype].children, kids, strict=True)]
            pending[rtype] = []
        t = time.perf_counter()
        for table, rows in batches:
            if rows:
                conn.execute(table.insert(), rows)
        return time.perf_counter() - t

    with ledger.transaction() as session:
        conn = session.connection()
        with open(path, "rb") as fh:
            next(fh)
            for n, raw in enumerate(fh, 1):
                rtype, rec, _errs = validate_record(orjson.loads(raw))
                pending[rtype].append(rec)  # type: ignore[index]
                if n % 5000 == 0:
                    timed += flush(conn)
        timed += flush(conn)
        t = time.perf_counter()
    timed += time.perf_counter() - t  # the commit
    q.put({"seconds": timed, "peak_mb": _peak_mb()})


def _guarded(target, *args) -> None:  # type: ignore[no-untyped-def]
    """Run a measurement; a failure is reported to the parent instead of leaving it waiting."""
    q = args[-1]
    try:
        target(*args)
    except BaseException as exc:
        q.put({"error": f"{type(exc).__name__}: {exc}"})
        raise


def _run(target, *args) -> dict:  # type: ignore[no-untyped-def]
    q: mp.Queue = mp.Queue()
    p = mp.Process(target=_guarded, args=(target, *args, q))
    p.start()
    result = q.get()
    p.join()
    if "error" in result:
        raise SystemExit(f"{target.__name__} failed: {result['error']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--postgresql", metavar="URL", help="also measure on this PostgreSQL server")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=1, help="import with and without digests this many times, interleaved"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where the file and databases go")
    args = parser.parse_args()
    set_out(args.out)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"lif_{args.lines}.lif"
    if not path.exists():
        from lookout_ledger.interchange.generate import generate_lif

        with path.open("wb") as fh:
            generate_lif(fh, lookouts=max(1, round(args.lines / LINES_PER_LOOKOUT)), seed=1)
    lines = sum(1 for _ in path.open("rb"))
    engines = ([] if args.skip_sqlite else ["sqlite"]) + (["postgresql"] if args.postgresql else [])
    print(f"{path.name}: {lines} lines, {path.stat().st_size / 1e6:.0f} MB")
    print(f"{'engine':<11} {'what':<22} {'seconds':>8} {'lines/s':>9} {'peak MB':>8}")
    for kind in engines:
        imps, plains = [], []
        for _ in range(args.repeat):  # interleaved, so a busy spell of the machine hits both
            imps.append(_run(_child_import, _fresh_url(kind, args.postgresql, "a"), str(path)))
            plains.append(_run(_child_import_plain, _fresh_url(kind, args.postgresql, "c"), str(path)))
        base = _run(_child_baseline, _fresh_url(kind, args.postgresql, "b"), str(path))
        imp, plain = _median(imps), _median(plains)
        for what, r in (("import_lif", imp), ("  without state digests", plain), ("baseline executemany", base)):
            print(f"{kind:<11} {what:<22} {r['seconds']:>8.1f} {lines / r['seconds']:>9.0f} {r['peak_mb']:>8.0f}")
        fast, fast_plain = min(r["seconds"] for r in imps), min(r["seconds"] for r in plains)
        print(
            f"{kind:<11} state digests cost {100 * (imp['seconds'] / plain['seconds'] - 1):+.1f}% of the import's time"
            f" (median of {args.repeat}; fastest against fastest {100 * (fast / fast_plain - 1):+.1f}%),"
            f" {100 * (_med(imps, 'own') / _med(plains, 'own') - 1):+.1f}% of the importing process's CPU time,"
            f" {100 * (_med(imps, 'cpu') / _med(plains, 'cpu') - 1):+.1f}% with the digest worker's"
        )
        sys.stdout.flush()


def _med(runs: list[dict], what: str) -> float:
    return sorted(r[what] for r in runs)[len(runs) // 2]


def _median(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


if __name__ == "__main__":
    main()
