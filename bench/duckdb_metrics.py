"""The spec's lookout and disclosure metrics in plain DuckDB SQL, written independently of the
ledger's audit engine.

It serves twice: as the speed baseline the audit benchmark compares against, and as a second
reading of the spec's definitions; the benchmark checks that both give the same figures.
"""

from __future__ import annotations

import csv
import sqlite3
import tempfile
import time
from pathlib import Path

import duckdb

TABLES = {
    "persons": ["id", "us_person", "occupation"],
    "lookouts": ["id", "person_id", "owner_id", "created_at", "status_code"],
    "lookout_events": ["id", "lookout_id", "at", "kind", "notice"],
    "crossings": ["id", "person_id", "at"],
    "inspections": ["id", "person_id", "crossing_id", "started_at"],
    "inspection_lookouts": ["inspection_id", "lookout_id"],
    "disclosures": ["id", "requested_action"],
    "disclosure_persons": ["disclosure_id", "person_id"],
}


def load_from_sqlite(sqlite_path: str | Path) -> tuple[duckdb.DuckDBPyConnection, float]:
    """Copy the columns the metrics need from an SQLite ledger into an in-memory DuckDB."""
    t0 = time.perf_counter()
    con = duckdb.connect()
    src = sqlite3.connect(sqlite_path)
    with tempfile.TemporaryDirectory() as tmp:
        for table, cols in TABLES.items():
            path = Path(tmp) / f"{table}.csv"
            with path.open("w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(cols)
                w.writerows(src.execute(f"SELECT {', '.join(cols)} FROM {table}"))
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header=true, nullstr='')", [str(path)])
    src.close()
    return con, time.perf_counter() - t0


METRICS_SQL = """
WITH li AS (   -- lookout-linked inspections (one row per inspection)
  SELECT i.id, i.person_id, i.crossing_id, i.started_at FROM inspections i
  WHERE EXISTS (SELECT 1 FROM inspection_lookouts il WHERE il.inspection_id = i.id)
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY started_at, id) AS rn,
         count(*) OVER (PARTITION BY person_id) AS n
  FROM li
),
first_ref AS (SELECT * FROM ranked WHERE rn = 1),
next_crossing AS (
  SELECT f.person_id, min(c.at) AS at FROM first_ref f
  JOIN crossings c ON c.person_id = f.person_id AND c.at > f.started_at
       AND c.id IS DISTINCT FROM f.crossing_id
  GROUP BY f.person_id
),
linked_first AS (
  SELECT f.person_id, f.started_at, il.lookout_id, nc.at AS next_at FROM first_ref f
  JOIN inspection_lookouts il ON il.inspection_id = f.id
  LEFT JOIN next_crossing nc ON nc.person_id = f.person_id
),
removed AS (
  SELECT person_id FROM linked_first lf
  GROUP BY person_id
  HAVING bool_and(EXISTS (
    SELECT 1 FROM lookout_events e
    WHERE e.lookout_id = lf.lookout_id AND e.kind IN ('referral_disabled', 'removed')
      AND e.at > lf.started_at AND e.at <= lf.started_at + $window
      AND (lf.next_at IS NULL OR e.at < lf.next_at)))
),
active AS (SELECT person_id, started_at, crossing_id FROM first_ref WHERE person_id NOT IN (SELECT person_id FROM removed)),
reentered AS (
  SELECT DISTINCT a.person_id FROM active a
  JOIN crossings c ON c.person_id = a.person_id AND c.at > a.started_at AND c.id IS DISTINCT FROM a.crossing_id
  JOIN lookouts l ON l.person_id = a.person_id AND l.created_at <= c.at
  WHERE coalesce((
    SELECT e.kind FROM lookout_events e
    WHERE e.lookout_id = l.id AND e.kind IN ('referral_disabled', 'referral_enabled', 'removed') AND e.at <= c.at
    ORDER BY e.at DESC, e.id DESC LIMIT 1), 'referral_enabled') = 'referral_enabled'
)
SELECT
  (SELECT count(*) FROM lookouts) AS total,
  (SELECT count(*) FROM lookouts WHERE status_code = 'non_suspect') AS non_suspect,
  (SELECT count(DISTINCT person_id) FROM lookouts) AS persons_with_lookouts,
  (SELECT count(*) FROM first_ref) AS persons_inspected,
  (SELECT count(DISTINCT person_id) FROM lookouts WHERE person_id NOT IN (SELECT person_id FROM first_ref))
      AS persons_never_inspected,
  (SELECT count(*) FROM removed) AS persons_removed_after_first_referral,
  (SELECT count(*) FROM active) AS persons_active_after_first_referral,
  (SELECT count(*) FROM reentered) AS persons_reentered_while_active,
  (SELECT count(*) FROM first_ref WHERE n >= 2) AS persons_re_referred,
  (SELECT coalesce(max(n), 0) FROM first_ref) AS max_referrals_one_person,
  (SELECT count(DISTINCT lookout_id) FROM lookout_events WHERE kind = 'transferred' AND notice IS NOT TRUE)
      AS transferred_without_notice,
  (SELECT count(*) FROM disclosures) AS disclosures_total,
  (SELECT count(DISTINCT dp.person_id) FROM disclosure_persons dp JOIN persons p ON p.id = dp.person_id
     WHERE p.us_person) AS us_persons_disclosed,
  (SELECT count(DISTINCT dp.person_id) FROM disclosure_persons dp JOIN persons p ON p.id = dp.person_id
     JOIN disclosures d ON d.id = dp.disclosure_id WHERE p.us_person AND d.requested_action = 'deny_entry')
      AS us_persons_in_deny_entry_requests
"""


def metrics(con: duckdb.DuckDBPyConnection, review_window_days: int = 7) -> dict[str, dict[str, int]]:
    row = con.execute(METRICS_SQL, {"window": review_window_days * 86_400_000_000}).fetchone()
    cols = [d[0] for d in con.description]
    flat = dict(zip(cols, (int(v) for v in row), strict=True))
    disclosures = {
        "total": flat.pop("disclosures_total"),
        "us_persons_disclosed": flat.pop("us_persons_disclosed"),
        "us_persons_in_deny_entry_requests": flat.pop("us_persons_in_deny_entry_requests"),
    }
    return {"lookouts": flat, "disclosures": disclosures}
