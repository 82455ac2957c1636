"""Screening benchmark: index build time and memory, batch throughput, against a naive baseline.

    .venv/bin/python bench/bench_screening.py --lookouts 100000 [--queries 20000] [--baseline 200]
        [--nomenklatura-python /tmp/nk-venv/bin/python]  (or NOMENKLATURA_PYTHON=...)

Subjects are synthetic (tests/screening/labelled.py's generator) and inserted into the
index directly: this measures name normalisation, the index and matching on one core, not
reading and decrypting the database (which `ScreeningIndex.build` adds). The naive baseline
is rapidfuzz `process.extractOne` over every indexed name per query.

The peer matcher is OpenSanctions' nomenklatura `logic-v2`, run on the same labelled pairs
(each side as a FollowTheMoney Person: names, birth date, nationality, passport number) in a
separate interpreter: nomenklatura pins older versions of libraries this project uses (duckdb),
so it lives in its own venv (`python3.11 -m venv /tmp/nk-venv && /tmp/nk-venv/bin/pip install
nomenklatura`), never in the project's. Without it the comparison is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
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


NK_THRESHOLD = 0.7  # yente's default match threshold for logic-v2
NK_SCRIPT = """
import json, sys
from followthemoney import model
from nomenklatura.matching import get_algorithm
alg = get_algorithm("logic-v2")
cfg = alg.default_config()
def ent(i, d):
    e = model.make_entity("Person")
    e.id = i
    e.add("firstName", d["given"]); e.add("lastName", d["family"]); e.add("name", d["given"] + " " + d["family"])
    e.add("birthDate", d["dob"]); e.add("nationality", d["nationality"].lower())
    if d.get("document"):
        e.add("passportNumber", d["document"])
    return e
out = []
for n, (a, b) in enumerate(json.load(sys.stdin)):
    out.append(alg.compare(ent(f"a{n}", a), ent(f"b{n}", b), cfg).score)
json.dump(out, sys.stdout)
"""


def _side(i: object) -> dict[str, object]:
    d = vars(i)
    return {k: (v.isoformat() if k == "dob" else v) for k, v in d.items() if k != "key"}


def nomenklatura_quality(pairs: list, python: str) -> str:
    """Precision and recall of logic-v2 on the labelled pairs, or why it was skipped."""
    if not os.path.exists(python):
        return f"nomenklatura logic-v2: skipped ({python} not found; see the module docstring to install it)"
    payload = json.dumps([[_side(p.record), _side(p.presented)] for p in pairs])
    t = time.perf_counter()
    run = subprocess.run([python, "-c", NK_SCRIPT], input=payload, capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t
    if run.returncode != 0:
        return f"nomenklatura logic-v2: skipped (it failed: {run.stderr.strip().splitlines()[-1:]})"
    scores = json.loads(run.stdout)
    tp = sum(1 for p, sc in zip(pairs, scores, strict=True) if p.same and sc >= NK_THRESHOLD)
    fp = sum(1 for p, sc in zip(pairs, scores, strict=True) if not p.same and sc >= NK_THRESHOLD)
    fn = sum(1 for p, sc in zip(pairs, scores, strict=True) if p.same and sc < NK_THRESHOLD)
    precision = tp / (tp + fp) if tp + fp else 1.0
    return (
        f"nomenklatura logic-v2 (threshold {NK_THRESHOLD}): precision={precision:.4f} recall={tp / (tp + fn):.4f} "
        f"({fp} false referrals, {fn} missed; {len(pairs) / dt:,.0f} pairs/s incl. start-up)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lookouts", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=20_000)
    ap.add_argument("--baseline", type=int, default=200)
    ap.add_argument("--nomenklatura-python", default=os.environ.get("NOMENKLATURA_PYTHON", "nk-venv/bin/python"))
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
    print(nomenklatura_quality(pairs, a.nomenklatura_python))


if __name__ == "__main__":
    main()
