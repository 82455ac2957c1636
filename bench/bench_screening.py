"""Screening benchmark: index build from the database, batch throughput, HTTP latency, quality.

    .venv/bin/python bench/bench_screening.py --lookouts 1000000 [--queries 50000] [--http 2000]
        [--baseline 20] [--nomenklatura-python /tmp/nk-venv/bin/python]  (or NOMENKLATURA_PYTHON=...)

The database is real and built once per size (bench/out/screening/screening-<n>.db): invented
persons (tests/support/labelled.py's generator: Spanish compound surnames, English names,
Cyrillic names, passports) and one approved lookout each, written as a LIF file and loaded with
`lookout import`, so names, dates and document numbers are sealed at rest exactly as in use.
Each measurement runs in a fresh child process, so its peak RSS is its own:

- `build`: `ScreeningIndex.build` at `--now` (every active-lookout predicate in SQL, every name
  and date of birth decrypted and normalised, the tables filled), seconds and RSS growth;
- `batch`: `matcher.match` over the queries on one core (half are variants of someone on file,
  half share a surname and date of birth with someone on file but not the given name); then the
  naive baseline in the same process: rapidfuzz `process.extractOne` over every indexed name;
- `http`: `lookout serve` on the same database (one uvicorn process) and a signed-in port officer
  POSTing /api/screen over one keep-alive connection from this process, one request at a time,
  after a warm-up: p50/p99/max. Every request is a live screening: it is logged with keyed
  hashes, audited, and a referral records a crossing, each in its own committed transaction.

The peer matcher is OpenSanctions' nomenklatura `logic-v2`, run on the same labelled pairs
(each side as a FollowTheMoney Person: names, birth date, nationality, passport number) in a
separate interpreter: nomenklatura pins older versions of libraries this project uses (duckdb),
so it lives in its own venv (`python3.11 -m venv /tmp/nk-venv && /tmp/nk-venv/bin/pip install
nomenklatura`), never in the project's. Without it the comparison is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "screening"
sys.path.insert(0, str(ROOT / "tests"))
from support.labelled import _records, _variant, evaluate, index_of, labelled_pairs  # noqa: E402

NOW = "2026-06-01T12:00:00Z"
PASSWORD = "bench-password-1"  # noqa: S105 (a throwaway benchmark database)
SEED = 7


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _env(db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LOOKOUT_DATABASE_URL": f"sqlite:///{db}",
        "LOOKOUT_KEY_FILE": str(OUT / "bench.key"),
    }


# --- the database -------------------------------------------------------------------------
def _lif(n: int, path: Path) -> None:
    """Persons with one approved lookout each; 1 in 10 lookouts only notifies its owner."""
    rng = random.Random(SEED)
    recs = _records(rng, n)
    with path.open("wb") as f:
        w = f.write
        w(orjson.dumps({"type": "header", "format": "lif", "version": 1, "source": "bench", "exported_at": NOW}))
        w(b"\n")
        w(orjson.dumps({"type": "unit", "id": "U-1", "name": "Bench unit"}) + b"\n")
        for oid in ("O-1", "O-2"):
            w(orjson.dumps({"type": "official", "id": oid, "name": f"Official {oid}", "unit_id": "U-1"}) + b"\n")
        for i, (r, _style, _latin) in enumerate(recs):
            pid = f"P{i:07d}"
            person = {
                "type": "person",
                "id": pid,
                "given_name": r.given,
                "family_name": r.family,
                "date_of_birth": r.dob.isoformat(),
                "citizenship": [r.nationality],
                "us_person": False,
                "documents": [{"kind": "passport", "number": r.document, "country": r.nationality}]
                if r.document
                else [],
            }
            lookout = {
                "type": "lookout",
                "id": f"L{i:07d}",
                "person_id": pid,
                "owner_id": "O-1",
                "created_by": "O-1",
                "created_at": "2026-01-10T09:00:00Z",
                "status_code": "suspect",
                "suspected_activity": "alien smuggling",
                "action": "notify_owner" if i % 10 == 9 else "refer_secondary",
                "approved_by": "O-2",
                "approved_at": "2026-01-11T09:00:00Z",
            }
            w(orjson.dumps(person) + b"\n" + orjson.dumps(lookout) + b"\n")


def _adopt_all(db: Path) -> None:
    """An imported lookout refers nobody until adopted under the current policy: the benchmark's
    lookouts are adopted, and approved by the second official, set-wise (one statement each)."""
    import sqlite3

    con = sqlite3.connect(db)
    with con:
        con.execute(
            "INSERT INTO lookout_controls (lookout_id, policy_name, policy_version, sensitive, sensitive_reasons, "
            "review_window_days, periodic_review_days, referral_limit, referral_limit_days, expires_at, "
            "next_review_at) SELECT id, 'tecs-directive-strict', '2026.1', 0, '[]', 7, 90, 2, 30, "
            "created_at + 150 * 86400000000, created_at + 90 * 86400000000 FROM lookouts"
        )
        con.execute(
            "INSERT INTO lookout_approvals (id, lookout_id, role, requested_at, status, decided_by_id, decided_at, "
            "statement) SELECT 'ap-' || id, id, 'supervisor', created_at, 'approved', approved_by_id, approved_at, "
            "'bench approval' FROM lookouts"
        )
        con.execute("INSERT INTO screening_changes (person_id, lookout_id) VALUES (NULL, NULL)")  # rebuild every index
    con.close()


def database(n: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"screening-{n}.db"
    if db.exists():
        return db
    lif = OUT / f"screening-{n}.lif"
    t = time.perf_counter()
    _lif(n, lif)
    print(f"  generated {lif.name} in {time.perf_counter() - t:.0f} s; importing...", flush=True)
    tmp = db.with_suffix(".tmp.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    # A benchmark database is a simulation (its clock is set to NOW) with one operator who imports,
    # screens and signs in to the API.
    env = {
        **_env(tmp),
        "LOOKOUT_SESSION_FILE": str(OUT / "bench-sessions.json"),
        "LOOKOUT_NEW_PASSWORD": PASSWORD,
        "LOOKOUT_PASSWORD": PASSWORD,
    }
    lookout = str(ROOT / ".venv" / "bin" / "lookout")
    t = time.perf_counter()
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
    simulation = ["init", "--simulation", "--admin", "officer", "--role", "port_officer", "--role", "lookout_owner"]
    subprocess.run([lookout, *simulation], **quiet)  # type: ignore[call-overload]
    subprocess.run([lookout, "login", "officer"], **quiet)  # type: ignore[call-overload]
    subprocess.run([lookout, "import", str(lif), "--now", NOW], **quiet)  # type: ignore[call-overload]
    _adopt_all(tmp)
    print(f"  imported and adopted in {time.perf_counter() - t:.0f} s", flush=True)
    tmp.rename(db)
    lif.unlink()
    return db


# --- the queries --------------------------------------------------------------------------
def _as_query(i: int, p: object) -> dict[str, object]:
    return {
        "id": f"q{i}",
        "given_name": p.given,  # type: ignore[attr-defined]
        "family_name": p.family,  # type: ignore[attr-defined]
        "date_of_birth": p.dob.isoformat(),  # type: ignore[attr-defined]
        "nationality": p.nationality,  # type: ignore[attr-defined]
        "documents": [{"kind": "passport", "number": p.document, "country": p.nationality}]  # type: ignore[attr-defined]
        if p.document  # type: ignore[attr-defined]
        else [],
    }


def queries(n_lookouts: int, count: int, mix: str = "hard") -> list[dict[str, object]]:
    """`hard`: half variants of someone on file, half the same surname and date of birth as
    someone on file with another given name (a non-match the tables must still look at).
    `travelers`: a crossing stream: 98% other people drawn from the same names and birth dates
    (some share a name and birth date with someone on file, as namesakes do), 1% variants of
    someone on file, 1% hard non-matches."""
    rng = random.Random(SEED)
    recs = _records(rng, n_lookouts)
    qrng = random.Random(SEED + 1)
    others = _records(random.Random(SEED + 2), count) if mix == "travelers" else []
    out = []
    for i in range(count):
        rec, style, latin = recs[qrng.randrange(len(recs))]
        variant = i % 2 == 1 if mix == "hard" else i % 100 == 0
        hard = i % 2 == 0 if mix == "hard" else i % 100 == 1
        if variant:
            p, _ = _variant(qrng, rec, style, latin)
        elif hard:
            p = replace(rec, given="Zebedeo", document=None)
        else:
            p = others[i][0]
        out.append(_as_query(i, p))
    return out


# --- the measurements (each in its own process) -------------------------------------------
def _ledger(db: Path):  # type: ignore[no-untyped-def]
    os.environ.update(_env(db))
    from lookout_ledger.core.clock import FixedClock
    from lookout_ledger.core.config import Settings
    from lookout_ledger.core.ledger import Ledger

    return Ledger.open(Settings.from_env(), clock=FixedClock(NOW))


def _child_build_and_batch(db: str, n_queries: int, n_baseline: int, q: mp.Queue) -> None:
    import gc

    from rapidfuzz import fuzz, process

    from lookout_ledger.screening.index import ScreeningIndex
    from lookout_ledger.screening.matcher import Presented, match
    from lookout_ledger.screening.service import min_score

    ledger = _ledger(Path(db))
    size = int(Path(db).stem.split("-")[1])
    qs = [Presented.from_dict(x) for x in queries(size, n_queries)]
    stream = [Presented.from_dict(x) for x in queries(size, n_queries, "travelers")]
    gc.collect()
    base = _current_rss_mb()
    t = time.perf_counter()
    with ledger.reading() as s:
        index = ScreeningIndex.build(s, ledger.keyring, ledger.policy, ledger.now())
    build = time.perf_counter() - t
    gc.collect()
    held = _current_rss_mb() - base
    peak = rss_mb() - base
    threshold, at = min_score(ledger), ledger.now()
    gc.freeze()  # the index is long-lived: keep the collector from rescanning it
    t = time.perf_counter()
    matched_stream = sum(1 for p in stream if match(index, p, threshold, at))
    dt_stream = time.perf_counter() - t
    t = time.perf_counter()
    matched = sum(1 for p in qs if match(index, p, threshold, at))
    dt = time.perf_counter() - t
    names = [" ".join(s.names[0].raw) for s in index.subjects.values()]
    t = time.perf_counter()
    for p in qs[:n_baseline]:
        process.extractOne(f"{p.given_name} {p.family_name}".lower(), names, scorer=fuzz.token_sort_ratio)
    naive = n_baseline / (time.perf_counter() - t)
    q.put(
        {
            "lookouts": len(index),
            "subjects": len(index.subjects),
            "build_s": build,
            "held_mb": held,
            "peak_mb": peak,
            "batch_per_s": len(qs) / dt,
            "stream_per_s": len(stream) / dt_stream,
            "stream_matched": matched_stream,
            "matched": matched,
            "queries": len(qs),
            "naive_per_s": naive,
        }
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_latency(source: Path, n_requests: int) -> dict[str, float]:
    """On a copy of the database: live screenings write to it."""
    import shutil

    import httpx

    db = OUT / f"http-{source.name}"
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, db)
    port = _free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "lookout"), "serve", "--port", str(port), "--now", NOW, "--log-level", "warning"],
        env=_env(db),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=300) as c:
            r = c.post("/api/session", json={"username": "officer", "password": PASSWORD})
            r.raise_for_status()
            headers = {"X-CSRF-Token": r.json()["csrf_token"]}
            qs = queries(int(source.stem.split("-")[1]), n_requests + 200)
            t = time.perf_counter()
            c.post("/api/screen", json={**qs[0], "port": "Bench"}, headers=headers).raise_for_status()
            first = time.perf_counter() - t
            for body in qs[1:200]:  # warm-up
                c.post("/api/screen", json={**body, "port": "Bench"}, headers=headers).raise_for_status()
            lat = []
            referred = 0
            for body in qs[200:]:
                t = time.perf_counter()
                r = c.post("/api/screen", json={**body, "port": "Bench"}, headers=headers)
                lat.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
                referred += r.json()["refer"]
        lat.sort()
        return {
            "first_s": first,
            "n": len(lat),
            "referred": referred,
            "p50": statistics.median(lat),
            "p99": lat[int(len(lat) * 0.99) - 1],
            "max": lat[-1],
        }
    finally:
        server.terminate()
        server.wait(30)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)


# --- match quality ------------------------------------------------------------------------
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


def quality(python: str) -> None:
    from lookout_ledger.core.crypto import Keyring
    from lookout_ledger.core.policy.loader import load_policy

    key = Keyring(keys={"k1": bytes(range(32))}, active="k1")
    pairs = labelled_pairs()
    q = evaluate(pairs, index_of([p.record for p in pairs], key, load_policy()))
    print(f"labelled set: {len(pairs)} pairs precision={q.precision:.4f} recall={q.recall:.4f}")
    print(nomenklatura_quality(pairs, python))


def build_and_batch(db: Path, n_queries: int, n_baseline: int) -> None:
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child_build_and_batch, args=(str(db), n_queries, n_baseline, q))
    proc.start()
    r = q.get()
    proc.join()
    print(
        f"index build: {r['lookouts']:,} active lookouts ({r['subjects']:,} persons) in {r['build_s']:.1f} s; "
        f"index holds {r['held_mb']:,.0f} MB, peak during build +{r['peak_mb']:,.0f} MB",
        flush=True,
    )
    print(
        f"batch, crossing stream (98% other travelers): {r['queries']:,} screenings at {r['stream_per_s']:,.0f}/s "
        f"on one core ({r['stream_matched']:,} matched)",
        flush=True,
    )
    print(
        f"batch, hard mix (50% variants, 50% same surname and birth date): {r['queries']:,} screenings at "
        f"{r['batch_per_s']:,.0f}/s on one core ({r['matched']:,} matched); "
        f"naive extractOne over all names {r['naive_per_s']:,.2f}/s -> x{r['batch_per_s'] / r['naive_per_s']:,.0f}",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lookouts", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=50_000)
    ap.add_argument("--http", type=int, default=2_000, help="timed HTTP requests (0: skip)")
    ap.add_argument("--baseline", type=int, default=20)
    ap.add_argument("--skip-batch", action="store_true", help="only the HTTP latency and the quality figures")
    ap.add_argument("--nomenklatura-python", default=os.environ.get("NOMENKLATURA_PYTHON", "nk-venv/bin/python"))
    a = ap.parse_args()
    print(f"screening benchmark, {a.lookouts:,} lookouts, at {NOW}", flush=True)
    t = time.perf_counter()
    db = database(a.lookouts)
    print(f"database: {db} ({db.stat().st_size / 2**20:,.0f} MB) ready in {time.perf_counter() - t:.0f} s", flush=True)
    if not a.skip_batch:
        build_and_batch(db, a.queries, a.baseline)
    if a.http:
        h = http_latency(db, a.http)
        print(
            f"http /api/screen: first request (builds the index) {h['first_s']:.1f} s; then {h['n']:,} requests "
            f"({h['referred']:,} referred): p50 {h['p50']:.2f} ms, p99 {h['p99']:.2f} ms, max {h['max']:.1f} ms",
            flush=True,
        )
    quality(a.nomenklatura_python)


if __name__ == "__main__":
    main()
