"""Screening benchmark: index build time and memory, batch throughput, against a naive baseline.

    .venv/bin/python bench/bench_screening.py --lookouts 100000 [--queries 20000] [--baseline 200]

Subjects are synthetic (tests/screening/labelled.py's generator) and inserted into the
index directly: this measures name normalisation, the index and matching on one core, not
reading and decrypting the database (which `ScreeningIndex.build` adds). The naive baseline
is rapidfuzz `process.extractOne` over every indexed name per query.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "screening"))
from labelled import _records, _variant, evaluate, index_of, labelled_pairs, presented_of

from lookout_ledger.core.crypto import Keyring
from lookout_ledger.policy.loader import load_policy
from lookout_ledger.screening.matcher import match


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lookouts", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=20_000)
    ap.add_argument("--baseline", type=int, default=200)
    a = ap.parse_args()
    key = Keyring(keys={"k1": bytes(range(32))}, active="k1")
    rng = random.Random(7)
    base_rss = rss_mb()
    recs = _records(rng, a.lookouts)
    t = time.perf_counter()
    index = index_of([r for r, _, _ in recs], key, load_policy())
    build = time.perf_counter() - t
    print(f"index: {a.lookouts} lookouts built in {build:.1f} s; peak RSS +{rss_mb() - base_rss:.0f} MB")
    queries = []
    for i in range(a.queries):
        rec, style, latin = recs[rng.randrange(len(recs))]
        p, _ = _variant(rng, rec, style, latin) if i % 2 else (replace(rec, given="Zebedeo", document=None), "")
        queries.append(presented_of(replace(p, key=f"q{i}")))
    t = time.perf_counter()
    referred = sum(1 for q in queries if match(index, q))
    dt = time.perf_counter() - t
    print(
        f"batch: {len(queries)} screenings in {dt:.2f} s = {len(queries) / dt:,.0f}/s on one core ({referred} matched)"
    )
    names = [f"{r.given} {r.family}" for r, _, _ in recs]
    t = time.perf_counter()
    for q in queries[: a.baseline]:
        process.extractOne(f"{q.given_name} {q.family_name}", names, scorer=fuzz.token_sort_ratio)
    bdt = time.perf_counter() - t
    rate = a.baseline / bdt
    print(f"naive extractOne: {rate:,.1f}/s -> speed-up x{(len(queries) / dt) / rate:,.0f}")
    pairs = labelled_pairs()
    q = evaluate(pairs, index_of([p.record for p in pairs], key, load_policy()))
    print(f"labelled set: {len(pairs)} pairs precision={q.precision:.4f} recall={q.recall:.4f}")


if __name__ == "__main__":
    main()
