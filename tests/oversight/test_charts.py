"""The report's charts: valid SVG/PNG, reproducible bytes, anonymised and ordered person labels."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.image import imread

from lookout_ledger.oversight.report.charts import MAX_PERSON_ROWS, findings_chart, inspections_chart, person_rows

T0 = datetime(2018, 12, 3, 17, 0, tzinfo=UTC)
DATA = {
    "P-B": [T0 + timedelta(days=30), T0, T0 + timedelta(days=9)],  # unsorted on purpose
    "P-A": [T0 + timedelta(days=2)],
    "P-C": [T0 + timedelta(days=1), T0 + timedelta(days=40)],
    "P-D": [T0 + timedelta(days=1)],
    "P-EMPTY": [],
}


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _svg_root(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode())  # noqa: S314 - our own chart output, not untrusted input


def test_person_rows_order_by_inspections_then_first_inspection() -> None:
    rows = person_rows(DATA)
    assert [(r.label, r.person_id, len(r.inspections)) for r in rows] == [
        ("Person 1", "P-B", 3),
        ("Person 2", "P-C", 2),
        ("Person 3", "P-D", 1),  # first inspected a day before P-A
        ("Person 4", "P-A", 1),
    ]
    assert rows[0].inspections == tuple(sorted(DATA["P-B"])) and rows[0].repeats == 2


def test_inspections_chart_svg_is_valid_and_carries_no_person_id() -> None:
    svg = inspections_chart(DATA, "svg")
    assert isinstance(svg, str)
    root = _svg_root(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "P-B" not in svg and "<dc:date>" not in svg


def test_inspections_chart_png_is_readable() -> None:
    png = inspections_chart(DATA, "png")
    assert isinstance(png, bytes)
    width, height = _png_size(png)
    assert width == 1350 and height >= 390  # 9 in wide at 150 dpi
    assert imread(io.BytesIO(png)).shape[:2] == (height, width)


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_charts_are_byte_for_byte_reproducible(fmt: str) -> None:
    assert inspections_chart(DATA, fmt) == inspections_chart(dict(reversed(list(DATA.items()))), fmt)  # type: ignore[arg-type]
    counts = {"LK-NON-SUSPECT": 25, "IN-UNDOCUMENTED": 3}
    assert findings_chart(counts, fmt) == findings_chart(counts, fmt)  # type: ignore[arg-type]


def test_many_persons_switch_to_weekly_bars_of_fixed_height() -> None:
    many = {f"P-{i:04d}": [T0 + timedelta(days=i % 50), T0 + timedelta(days=60)] for i in range(MAX_PERSON_ROWS + 1)}
    few = dict(list(many.items())[:MAX_PERSON_ROWS])
    big = inspections_chart(many, "png")
    tall = inspections_chart(few, "png")
    assert isinstance(big, bytes) and isinstance(tall, bytes)
    assert _png_size(big)[1] < _png_size(tall)[1]  # a weekly chart, not 61 rows


def test_findings_chart_skips_zero_rules_and_handles_none() -> None:
    with_zero = findings_chart({"LK-NON-SUSPECT": 2, "RC-NOT-RETAINED": 0}, "png")
    without = findings_chart({"LK-NON-SUSPECT": 2}, "png")
    assert with_zero == without
    empty = findings_chart({}, "svg")
    assert isinstance(empty, str) and _svg_root(empty).tag.endswith("svg")
    assert isinstance(inspections_chart({}, "png"), bytes)


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="svg' or 'png"):
        findings_chart({"X": 1}, "gif")  # type: ignore[arg-type]
