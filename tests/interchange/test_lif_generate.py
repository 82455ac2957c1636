"""The synthetic generator: deterministic, valid LIF, importable, with the shapes the audit looks for."""

from __future__ import annotations

import io
from collections import Counter

import orjson

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.interchange.exporter import export_lif
from lookout_ledger.interchange.generate import generate_lif
from lookout_ledger.interchange.importer import import_lif
from lookout_ledger.interchange.schema import validate_header, validate_record
from support.cli_support import EXPORT_PURPOSE, auditor


def _generate(lookouts: int, seed: int) -> bytes:
    buf = io.BytesIO()
    generate_lif(buf, lookouts=lookouts, seed=seed)
    return buf.getvalue()


def test_same_seed_same_bytes() -> None:
    assert _generate(60, 5) == _generate(60, 5)
    assert _generate(60, 5) != _generate(60, 6)


def test_every_line_is_valid_and_counts_match() -> None:
    buf = io.BytesIO()
    counts = generate_lif(buf, lookouts=1000, seed=2)
    lines = [orjson.loads(x) for x in buf.getvalue().splitlines()]
    assert validate_header(lines[0]) == []
    types: Counter[str] = Counter()
    for obj in lines[1:]:
        _t, _rec, errs = validate_record(obj)
        assert errs == [], (obj, errs)
        types[obj["type"]] += 1
    assert dict(types) == {t: n for t, n in counts.items() if n}
    assert counts["lookout"] == 1000
    assert counts["crossing"] + counts["inspection"] > 1.5 * counts["lookout"]
    transfers = [o for o in lines if o["type"] == "lookout_event" and o["kind"] == "transferred"]
    assert {t["notice"] for t in transfers} == {True, False, None}
    assert any(o["type"] == "disclosure" and o["channel"] == "whatsapp" for o in lines)
    assert any(o["type"] == "person" and o["occupation"] == "journalist" for o in lines)


def test_generated_file_imports_and_round_trips(sqlite_ledger: Ledger) -> None:
    data = _generate(120, 9)
    report = import_lif(sqlite_ledger, io.BytesIO(data), "tester")
    assert report.counts["lookout"]["inserted"] == 120
    out = io.BytesIO()
    export_lif(sqlite_ledger, out, auditor(sqlite_ledger), purpose=EXPORT_PURPOSE)
    exported = out.getvalue().splitlines()[1:]
    assert len(exported) == len(data.splitlines()) - 1
    again = import_lif(sqlite_ledger, io.BytesIO(out.getvalue()), "tester")
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in again.counts.values())
