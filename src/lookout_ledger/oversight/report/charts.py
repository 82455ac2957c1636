"""Charts of the audit: who was inspected again and again (Figure 1 of the review), and findings by rule.

Pure functions of the audit result's data, so the report and the web dashboard draw the same
picture from the same numbers. They never touch pyplot's global state (a Figure with its own
canvas per call), which keeps them safe inside a web worker and independent of the backend
another module selected. Output is byte-for-byte reproducible for the same input: the font is
the DejaVu Sans that ships with matplotlib, text is drawn as paths, SVG ids come from a fixed
salt and no creation date is written, so a report's sha256 in the audit log can be re-derived.

Colours are told apart in greyscale too (dark vs light fill, solid vs hatched, filled vs
hollow markers), because oversight reports get printed on office printers.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

Format = Literal["svg", "png"]

INITIAL_COLOUR = "#1b3a6b"  # dark navy: prints near-black
REPEAT_COLOUR = "#f0a13a"  # light amber: prints light grey, and is hatched
BAR_COLOUR = "#35608f"
TEXT_COLOUR = "#1a1a1a"

# Beyond this many people one row per person stops being readable; the chart switches to
# inspections per week, which keeps the initial/repeat split at any scale.
MAX_PERSON_ROWS = 60

_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.fonttype": "path",
    "svg.hashsalt": "lookout-ledger",
    "axes.edgecolor": "#555555",
    "axes.labelcolor": TEXT_COLOUR,
    "xtick.color": TEXT_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "hatch.linewidth": 0.8,
    "path.simplify": False,
}


@dataclass(frozen=True)
class PersonRow:
    """One inspected person as the chart labels them: "Person 3" stands for person_id."""

    label: str
    person_id: str
    inspections: tuple[datetime, ...]

    @property
    def repeats(self) -> int:
        return max(len(self.inspections) - 1, 0)


def person_rows(inspections_by_person: Mapping[str, Sequence[datetime]]) -> list[PersonRow]:
    """Anonymised labels, most-inspected first (ties: earliest first inspection, then id).

    The report prints this key beside the chart so a reader can go from "Person 3" to the
    records, while the chart itself can be shown to anyone without identifying people.
    """
    people = [(pid, tuple(sorted(times))) for pid, times in inspections_by_person.items() if times]
    people.sort(key=lambda p: (-len(p[1]), p[1][0], p[0]))
    return [PersonRow(f"Person {i}", pid, times) for i, (pid, times) in enumerate(people, start=1)]


def inspections_chart(inspections_by_person: Mapping[str, Sequence[datetime]], fmt: Format = "svg") -> str | bytes:
    """Initial and repeat lookout-linked inspections, after Figure 1 of the review.

    Up to MAX_PERSON_ROWS people: one row each, a timeline of when they were inspected (left)
    and how many times (right). More than that: inspections per week, stacked initial/repeat.
    """
    rows = person_rows(inspections_by_person)
    with _style():
        if not rows:
            fig = _empty_figure("Initial and repeat inspections", "No lookout-linked inspections in the ledger.")
        elif len(rows) <= MAX_PERSON_ROWS:
            fig = _per_person_figure(rows)
        else:
            fig = _per_week_figure(rows)
        return _render(fig, fmt)


def findings_chart(counts: Mapping[str, int], fmt: Format = "svg") -> str | bytes:
    """Findings per rule as horizontal bars, largest first, each labelled with its count."""
    items = sorted(((rule, n) for rule, n in counts.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))
    with _style():
        if not items:
            fig = _empty_figure("Findings by rule", "No findings.")
            return _render(fig, fmt)
        height = 1.2 + 0.32 * len(items)
        fig = Figure(figsize=(8.0, height))
        ax = fig.add_subplot()
        labels = [rule for rule, _ in items]
        values = [n for _, n in items]
        positions = range(len(items))
        ax.barh(positions, values, color=BAR_COLOUR, edgecolor="#1a1a1a", linewidth=0.5, height=0.65)
        ax.set_yticks(list(positions), labels)
        ax.invert_yaxis()
        top = max(values)
        for y, v in zip(positions, values, strict=True):
            ax.text(v + top * 0.01, y, str(v), va="center", ha="left", fontsize=8, color=TEXT_COLOUR)
        ax.set_xlim(0, top * 1.12 + 0.5)
        ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]  # MaxNLocator
        ax.set_xlabel("Findings")
        ax.set_title("Findings by rule", loc="left", fontsize=11, fontweight="bold")
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        _despine(ax)
        fig.tight_layout()
        return _render(fig, fmt)


# --- figure builders ---------------------------------------------------------------------------


def _per_person_figure(rows: list[PersonRow]) -> Figure:
    height = max(2.6, 1.9 + 0.24 * len(rows))
    fig = Figure(figsize=(9.0, height))
    grid = fig.add_gridspec(1, 2, width_ratios=(3.2, 1.0), wspace=0.06)
    timeline = fig.add_subplot(grid[0])
    counts = fig.add_subplot(grid[1], sharey=timeline)
    ys = list(range(len(rows)))

    first_x = [date2num(r.inspections[0]) for r in rows]
    repeat_x = [date2num(t) for r in rows for t in r.inspections[1:]]
    repeat_y = [y for y, r in zip(ys, rows, strict=True) for _ in r.inspections[1:]]
    for y, r in zip(ys, rows, strict=True):
        if len(r.inspections) > 1:
            span = [date2num(r.inspections[0]), date2num(r.inspections[-1])]
            timeline.plot(span, [y, y], color="#b5b5b5", linewidth=0.8, zorder=1)
    timeline.scatter(
        first_x, ys, marker="o", s=30, color=INITIAL_COLOUR, edgecolors=INITIAL_COLOUR, zorder=3, label="Initial"
    )
    timeline.scatter(
        repeat_x,
        repeat_y,
        marker="D",
        s=26,
        color=REPEAT_COLOUR,
        edgecolors="#1a1a1a",
        linewidths=0.6,
        zorder=3,
        label="Repeat",
    )
    timeline.set_yticks(ys, [r.label for r in rows])
    timeline.set_ylim(len(rows) - 0.5, -0.5)
    _date_axis(timeline, maxticks=8)
    lo, hi = min(first_x), max(first_x + repeat_x)
    pad = max((hi - lo) * 0.04, 1.0)
    timeline.set_xlim(lo - pad, hi + pad)
    timeline.set_xlabel("Date of inspection (UTC)")
    timeline.grid(axis="x", color="#e3e3e3", linewidth=0.6)
    timeline.set_axisbelow(True)
    _despine(timeline)

    initial = [1] * len(rows)
    repeats = [r.repeats for r in rows]
    counts.barh(ys, initial, color=INITIAL_COLOUR, edgecolor="#1a1a1a", linewidth=0.5, height=0.7)
    counts.barh(
        ys, repeats, left=initial, color=REPEAT_COLOUR, edgecolor="#1a1a1a", linewidth=0.5, height=0.7, hatch="///"
    )
    for y, r in zip(ys, rows, strict=True):
        counts.text(len(r.inspections) + 0.12, y, str(len(r.inspections)), va="center", fontsize=7.5)
    most = max(len(r.inspections) for r in rows)
    counts.set_xlim(0, most + 0.9)
    counts.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]  # MaxNLocator
    counts.set_xlabel("Inspections")
    counts.tick_params(axis="y", left=False, labelleft=False)
    counts.grid(axis="x", color="#e3e3e3", linewidth=0.6)
    counts.set_axisbelow(True)
    _despine(counts)

    total = sum(len(r.inspections) for r in rows)
    fig.suptitle(
        "Initial and repeat inspections of persons with lookouts",
        x=0.02,
        y=1 - 0.1 / height,
        ha="left",
        va="top",
        fontsize=11,
        fontweight="bold",
    )
    fig.text(
        0.02,
        1 - 0.36 / height,
        f"{len(rows)} persons, most inspections first; {total} lookout-linked inspections, "
        f"{sum(repeats)} of them repeats",
        va="top",
        fontsize=8.5,
        color="#444444",
    )
    fig.legend(
        handles=[
            _marker_handle("o", INITIAL_COLOUR, INITIAL_COLOUR, "Initial inspection"),
            _marker_handle("D", REPEAT_COLOUR, "#1a1a1a", "Repeat inspection"),
        ],
        loc="upper right",
        ncols=2,
        frameon=False,
        fontsize=8.5,
        bbox_to_anchor=(0.98, 1 - 0.06 / height),
    )
    fig.subplots_adjust(left=0.1, right=0.98, top=1 - 0.72 / height, bottom=0.55 / height)
    return fig


def _per_week_figure(rows: list[PersonRow]) -> Figure:
    initial: dict[date, int] = {}
    repeat: dict[date, int] = {}
    for r in rows:
        for i, t in enumerate(r.inspections):
            week = _week_start(t)
            target = initial if i == 0 else repeat
            target[week] = target.get(week, 0) + 1
    first, last = min(initial | repeat), max(initial | repeat)
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    xs = [date2num(datetime(w.year, w.month, w.day, tzinfo=UTC)) for w in weeks]
    init_counts = [initial.get(w, 0) for w in weeks]
    rep_counts = [repeat.get(w, 0) for w in weeks]

    fig = Figure(figsize=(9.0, 4.2))
    ax = fig.add_subplot()
    ax.bar(xs, init_counts, width=5.6, align="edge", color=INITIAL_COLOUR, edgecolor="#1a1a1a", linewidth=0.4)
    ax.bar(
        xs,
        rep_counts,
        bottom=init_counts,
        width=5.6,
        align="edge",
        color=REPEAT_COLOUR,
        edgecolor="#1a1a1a",
        linewidth=0.4,
        hatch="///",
    )
    _date_axis(ax, maxticks=10)
    ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]  # MaxNLocator
    ax.set_xlabel("Week of inspection (weeks start Monday, UTC)")
    ax.set_ylabel("Lookout-linked inspections")
    ax.set_title(
        f"Initial and repeat inspections per week ({len(rows)} persons)", loc="left", fontsize=11, fontweight="bold"
    )
    ax.legend(
        handles=[
            Patch(facecolor=INITIAL_COLOUR, edgecolor="#1a1a1a", label="Initial inspection"),
            Patch(facecolor=REPEAT_COLOUR, edgecolor="#1a1a1a", hatch="///", label="Repeat inspection"),
        ],
        frameon=False,
        loc="upper right",
    )
    ax.grid(axis="y", color="#e3e3e3", linewidth=0.6)
    ax.set_axisbelow(True)
    _despine(ax)
    fig.tight_layout()
    return fig


def _empty_figure(title: str, message: str) -> Figure:
    fig = Figure(figsize=(8.0, 1.6))
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.text(0.5, 0.4, message, ha="center", va="center", fontsize=10, color="#444444", transform=ax.transAxes)
    return fig


# --- helpers -----------------------------------------------------------------------------------


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(_STYLE):  # type: ignore[arg-type]  # a plain dict of rc keys
        yield


def _render(fig: Figure, fmt: Format) -> str | bytes:
    buf = io.BytesIO()
    if fmt == "svg":
        FigureCanvasSVG(fig)
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        return buf.getvalue().decode("utf-8")
    if fmt == "png":
        FigureCanvasAgg(fig)
        fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})
        return buf.getvalue()
    raise ValueError(f"chart format must be 'svg' or 'png', not {fmt!r}")


def _date_axis(ax: Axes, maxticks: int) -> None:
    """Dates a reader does not have to decode: "Dec 2018", "15 Dec", "Jan 2019"."""
    locator = AutoDateLocator(minticks=3, maxticks=maxticks)
    formatter = ConciseDateFormatter(locator, show_offset=False)
    formatter.formats = ["%Y", "%b %Y", "%d %b", "%H:%M", "%H:%M", "%S.%f"]
    formatter.zero_formats = ["", "%Y", "%b %Y", "%d %b", "%H:%M", "%H:%M"]
    formatter.offset_formats = ["", "", "", "", "", ""]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)


def _despine(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _marker_handle(marker: str, face: str, edge: str, label: str) -> Line2D:
    return Line2D(
        [], [], marker=marker, linestyle="none", markerfacecolor=face, markeredgecolor=edge, markersize=6, label=label
    )


def _week_start(t: datetime) -> date:
    d = t.astimezone(UTC).date()
    return d - timedelta(days=d.weekday())
