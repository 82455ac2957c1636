"""Records archive benchmark: mbox import (messages/s), search latency (p50/p95) and peak memory,
against a plain-stdlib baseline in the same run.

    .venv/bin/python bench/bench_records.py --messages 100000 [--queries 200]

The mbox is generated once per size (bench/out/records/mbox_<n>.mbox): invented officials writing
to each other and to foreign contacts, with names, phone numbers and accented Spanish words.
Each measurement runs in a fresh child process (its peak RSS is its own) on a fresh SQLite file:

- `ledger`: `records.importer.import_file` (digest, sealed original in chunks, every message
  parsed, LIF communication + archive facts + FTS5 entry per message, duplicate check, audit
  entry), then `records.search.search` for random words and names (first page of 50 with
  snippets and the total count). `ledger` lets the importer choose reading workers (one per
  core beyond the first, for files over 32 MB); `ledger-w0` reads in the one process, `ledger-wN`
  with N worker processes (`--runs ledger-w0,ledger-w1,baseline`);
- `baseline`: the standard library only: `mailbox.mbox` + `email` (modern policy) to parse the
  same file, `sqlite3.executemany` into one plain table with an FTS5 index beside it, then the
  bare FTS5 MATCH with LIMIT 50 for the same queries.

The difference is what provenance, sealing, idempotence, auditing, filters and snippets cost.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "out" / "records"
GIVEN = ["Lucía", "José", "Dana", "Tomás", "Aino", "Jürgen", "Nev", "Marisol", "Iker", "Renée", "Quill", "Óscar"]
FAMILY = ["Ramírez", "Whitlock", "Ibarra", "Virtanen", "Maas", "Ortega", "Núñez", "Fernhill", "Peña", "Sauer"]
WORDS = [
    "caravana",
    "lista",
    "frontera",
    "reunión",
    "informe",
    "solicitud",
    "vehículo",
    "entrevista",
    "garita",
    "cruce",
    "documento",
    "target",
    "deck",
    "meeting",
    "report",
    "request",
    "vehicle",
    "interview",
    "crossing",
    "border",
    "schedule",
    "approval",
    "profile",
    "shared",
    "analyst",
    "intelligence",
    "liaison",
    "confirm",
    "tonight",
    "tomorrow",
    "attached",
    "forward",
    "copy",
    "official",
]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_mbox(n: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"mbox_{n}.mbox"
    if path.exists():
        return path
    rnd = random.Random(6)
    start = datetime(2018, 11, 1, tzinfo=UTC)
    with path.open("wb") as fh:
        for i in range(n):
            g, f = rnd.choice(GIVEN), rnd.choice(FAMILY)
            sent = start + timedelta(seconds=37 * i)
            body = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(12, 60)))
            body += f"\nMencionado: {rnd.choice(GIVEN)} {rnd.choice(FAMILY)}, tel +52 664 {rnd.randint(100, 999)} {rnd.randint(1000, 9999)}"
            msg = (
                f"From sender@agency.example {sent.strftime('%a %b %d %H:%M:%S %Y')}\n"
                f"From: {g} {f} <{g.lower()[:3]}.{i % 997}@agency.example>\n"
                f"To: enlace.{i % 53}@webmail.example\n"
                f"Subject: {rnd.choice(WORDS)} {rnd.choice(WORDS)} {i}\n"
                f"Date: {format_datetime(sent)}\n"
                f"Message-ID: <bench-{i}@agency.example>\n"
                "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                f"{body}\n\n"
            )
            fh.write(msg.encode("utf-8"))
    return path


def queries(k: int) -> list[str]:
    rnd = random.Random(7)
    out = []
    for i in range(k):
        if i % 3 == 0:
            out.append(f"{rnd.choice(GIVEN)} {rnd.choice(FAMILY)}")
        elif i % 3 == 1:
            out.append(rnd.choice(WORDS))
        else:
            out.append(f"{rnd.choice(WORDS)} {rnd.choice(WORDS)}")
    return out


def _pcts(lat: list[float]) -> dict[str, float]:
    lat = sorted(lat)
    return {
        "p50_ms": round(statistics.median(lat) * 1000, 1),
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))] * 1000, 1),
        "max_ms": round(lat[-1] * 1000, 1),
    }


def run_ledger(mbox: Path, qs: list[str], result: dict, workers: int | None = None) -> None:  # type: ignore[type-arg]
    from lookout_ledger.core.clock import FixedClock
    from lookout_ledger.core.config import Settings
    from lookout_ledger.core.crypto import Keyring
    from lookout_ledger.core.db import get_engine
    from lookout_ledger.core.header import DatabaseKind, write_header
    from lookout_ledger.core.ledger import Ledger
    from lookout_ledger.core.policy.loader import load_policy
    from lookout_ledger.org.models import Official, Unit
    from lookout_ledger.records.ingest.importer import ImportOptions, import_file
    from lookout_ledger.records.search import search

    db = OUT / "ledger.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    ledger = Ledger(
        settings=Settings(database_url=url),
        engine=get_engine(url),
        keyring=Keyring(keys={"k1": bytes(range(32))}, active="k1"),
        clock=FixedClock("2019-06-01T00:00:00Z"),
        policy=load_policy(),
    )
    ledger.set_kind(DatabaseKind.SIMULATION)  # a trial: its clock is set to 2019
    with ledger.transaction() as s:
        write_header(s, DatabaseKind.SIMULATION, at=ledger.now(), by="bench")
        s.add(Unit(id="U-B", name="Bench unit"))
        s.flush()
        s.add(Official(id="OFF-B", name="Bench Official", unit_id="U-B"))
    t0 = time.perf_counter()
    with mbox.open("rb") as fh:
        opts = ImportOptions("email", "official", "OFF-B", workers=workers)
        report = import_file(ledger, fh, mbox.name, opts, "bench")
    elapsed = time.perf_counter() - t0
    import_peak = _peak_mb()
    lat = []
    with ledger.reading() as s:
        search(s, ledger.keyring, "warm up")  # the first search checks the index is in sync
        for q in qs:
            t = time.perf_counter()
            search(s, ledger.keyring, q, index_sync=False)
            lat.append(time.perf_counter() - t)
    result.update(
        stored=report.stored,
        import_s=round(elapsed, 2),
        msgs_per_s=round(report.stored / elapsed),
        import_peak_rss_mb=round(import_peak),
        search=_pcts(lat),
        peak_rss_mb=round(_peak_mb()),
    )


def run_baseline(mbox: Path, qs: list[str], result: dict) -> None:  # type: ignore[type-arg]
    import email.policy
    import mailbox
    import sqlite3

    db = OUT / "baseline.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(
        "CREATE TABLE m (id TEXT PRIMARY KEY, sender TEXT, recipients TEXT, subject TEXT, body TEXT, date TEXT)"
    )
    con.execute("CREATE VIRTUAL TABLE f USING fts5(id UNINDEXED, doc, tokenize='unicode61 remove_diacritics 2')")
    t0 = time.perf_counter()
    batch = []
    n = 0
    box = mailbox.mbox(str(mbox), factory=lambda fh: email.message_from_binary_file(fh, policy=email.policy.default))
    for msg in box:
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        row = (str(msg["Message-ID"]), str(msg["From"]), str(msg["To"]), str(msg["Subject"]), text, str(msg["Date"]))
        batch.append(row)
        if len(batch) >= 2000:
            con.executemany("INSERT INTO m VALUES (?,?,?,?,?,?)", batch)
            con.executemany("INSERT INTO f VALUES (?,?)", [(r[0], " ".join(r[1:5])) for r in batch])
            n += len(batch)
            batch = []
    con.executemany("INSERT INTO m VALUES (?,?,?,?,?,?)", batch)
    con.executemany("INSERT INTO f VALUES (?,?)", [(r[0], " ".join(r[1:5])) for r in batch])
    n += len(batch)
    con.commit()
    elapsed = time.perf_counter() - t0
    import_peak = _peak_mb()
    lat = []
    for q in qs:
        expr = " AND ".join(f'"{w}"' for w in q.split())
        t = time.perf_counter()
        con.execute("SELECT id, snippet(f, 1, '[', ']', '…', 16) FROM f WHERE f MATCH ? LIMIT 50", (expr,)).fetchall()
        lat.append(time.perf_counter() - t)
    result.update(
        stored=n,
        import_s=round(elapsed, 2),
        msgs_per_s=round(n / elapsed),
        import_peak_rss_mb=round(import_peak),
        search=_pcts(lat),
        peak_rss_mb=round(_peak_mb()),
    )


def _child(fn_name: str, mbox: Path, qs: list[str], out: dict) -> None:  # type: ignore[type-arg]
    if fn_name == "baseline":
        run_baseline(mbox, qs, out)
    else:  # "ledger" (workers by file size and cores) or "ledger-wN" (N reading processes)
        run_ledger(mbox, qs, out, None if fn_name == "ledger" else int(fn_name.split("-w")[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument(
        "--runs",
        default="ledger,baseline",
        help="comma-separated: ledger (reading workers chosen by file size and cores), ledger-w0 (one process), "
        "ledger-wN (N reading processes), baseline",
    )
    args = ap.parse_args()
    t = time.perf_counter()
    mbox = make_mbox(args.messages)
    print(f"mbox: {mbox} ({mbox.stat().st_size / 1e6:.0f} MB, generated/reused in {time.perf_counter() - t:.1f}s)")
    qs = queries(args.queries)
    ctx = mp.get_context("spawn")
    with ctx.Manager() as mgr:
        for name in args.runs.split(","):
            out = mgr.dict()
            p = ctx.Process(target=_child, args=(name, mbox, qs, out))
            p.start()
            p.join()
            if p.exitcode != 0:
                print(f"{name}: failed with exit code {p.exitcode}", file=sys.stderr)
                continue
            r = dict(out)
            s = r["search"]
            print(
                f"{name:10s} {r['stored']:>9,d} msgs in {r['import_s']:>8.2f}s = {r['msgs_per_s']:>7,d} msgs/s; "
                f"search p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, max {s['max_ms']} ms; "
                f"peak RSS import {r['import_peak_rss_mb']} MB, overall {r['peak_rss_mb']} MB"
            )


if __name__ == "__main__":
    main()
