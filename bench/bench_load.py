"""A bounded loopback load: screenings at full rate while an import runs, against one `lookout serve`.

    .venv/bin/python bench/bench_load.py [--seconds 60] [--screeners 4] [--import-messages 20000]

A fresh demo database in a temporary directory, `lookout serve` on a free local port (one uvicorn
process, its own sweep off), then for `--seconds`: `--screeners` threads, each a signed-in port
officer POSTing /api/screen for invented travelers as fast as answers come, and, after a fifth of
the run, the records officer uploading an mbox of `--import-messages` invented messages (the
archive import, one transaction). Printed: screenings per second, p50/p95/p99/max latency over the
whole run and during the import, errors (any non-2xx or exception, by status), and the server's RSS
at the start and the end. This measures issue 15's item 2 (on SQLite a long import holds the write
lock every screening needs for its log row); the baseline is the same run without the import
(`--import-messages 0`), in the same invocation with `--compare`.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
GIVEN = ["Aino", "Tomás", "Marisol", "Iker", "Renée", "Quill", "Óscar", "Nev", "Lucía", "Jürgen"]
FAMILY = ["Virtanen", "Ibarra", "Ortega", "Núñez", "Fernhill", "Peña", "Sauer", "Maas", "Whitlock"]
PASSWORD = "lookout-demo"  # noqa: S105  (the demo's published password: invented data, local demo)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _signed_in(base: str, user: str) -> tuple[httpx.Client, dict[str, str]]:
    c = httpx.Client(base_url=base, timeout=120)
    r = c.post("/api/session", json={"username": user, "password": PASSWORD})
    r.raise_for_status()
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def run(seconds: float, screeners: int, import_messages: int) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env = {
        **os.environ,
        "LOOKOUT_DATABASE_URL": f"sqlite:///{work / 'load.db'}",
        "LOOKOUT_KEY_FILE": str(work / "load.key"),
        "LOOKOUT_SWEEP_SECONDS": "0",
    }
    lookout = str(Path(sys.executable).with_name("lookout"))
    subprocess.run([lookout, "demo"], env=env, check=True, capture_output=True)
    port = _port()
    server = subprocess.Popen(
        [lookout, "serve", "--port", str(port), "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        rss_start = _rss_mb(server.pid)
        lat: list[tuple[float, float]] = []  # (start offset, ms)
        errors: Counter[str] = Counter()
        lock = threading.Lock()
        t0 = time.perf_counter()
        deadline = t0 + seconds
        window: dict[str, float] = {}

        def screen(n: int) -> None:
            rng = random.Random(n)
            c, h = _signed_in(base, "officer")
            while time.perf_counter() < deadline:
                body = {
                    "port": "San Ysidro",
                    "given_name": rng.choice(GIVEN),
                    "family_name": rng.choice(FAMILY),
                    "date_of_birth": f"19{rng.randrange(50, 99)}-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}",
                }
                start = time.perf_counter()
                try:
                    r = c.post("/api/screen", json=body, headers=h)
                    status = str(r.status_code) if r.status_code >= 300 else None
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                with lock:
                    lat.append((start - t0, (time.perf_counter() - start) * 1000))
                    if status:
                        errors[status] += 1

        def importer() -> None:
            from bench_records import make_mbox

            mbox = make_mbox(import_messages)
            time.sleep(seconds / 5)
            c, h = _signed_in(base, "records")
            window["start"] = time.perf_counter() - t0
            with mbox.open("rb") as fh:
                r = c.post(
                    "/api/archive/imports",
                    files={"file": (mbox.name, fh, "application/mbox")},
                    data={"channel": "email", "account": "official", "owner": "OFF-REC-1"},
                    headers=h,
                )
            window["end"] = time.perf_counter() - t0
            window["status"] = r.status_code

        threads = [threading.Thread(target=screen, args=(i,)) for i in range(screeners)]
        if import_messages:
            threads.append(threading.Thread(target=importer))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rss_end = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    all_ms = sorted(ms for _, ms in lat)
    during = sorted(ms for at, ms in lat if window.get("start", 1e9) <= at <= window.get("end", -1))
    return {
        "n": len(all_ms),
        "rate": len(all_ms) / seconds,
        "p50": statistics.median(all_ms) if all_ms else float("nan"),
        "p95": _pct(all_ms, 0.95),
        "p99": _pct(all_ms, 0.99),
        "max": all_ms[-1] if all_ms else float("nan"),
        "during_n": len(during),
        "during_p99": _pct(during, 0.99),
        "errors": dict(errors),
        "import": window,
        "rss": (rss_start, rss_end),
    }


def show(name: str, r: dict[str, object]) -> None:
    rss0, rss1 = r["rss"]  # type: ignore[misc]
    imp = r["import"]
    imp_text = (
        f"; import {imp['end'] - imp['start']:.1f} s (HTTP {imp['status']}), {r['during_n']} screenings during it, "  # type: ignore[index]
        f"p99 {r['during_p99']:.1f} ms"
        if imp
        else ""
    )
    print(
        f"{name:<10} {r['n']:,} screenings, {r['rate']:.0f}/s; p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
        f"p99 {r['p99']:.1f} ms, max {r['max']:.0f} ms; errors {r['errors'] or 0}{imp_text}; "
        f"server RSS {rss0:.0f} -> {rss1:.0f} MB ({(rss1 / rss0 - 1) * 100 if rss0 else 0:+.0f}%)",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--screeners", type=int, default=4)
    ap.add_argument("--import-messages", type=int, default=20_000)
    ap.add_argument("--compare", action="store_true", help="also run without the import (the baseline)")
    a = ap.parse_args()
    if a.compare:
        show("baseline", run(a.seconds, a.screeners, 0))
    show("with load", run(a.seconds, a.screeners, a.import_messages))


if __name__ == "__main__":
    main()
