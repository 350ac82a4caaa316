"""Charts for the admin dashboard as inline SVG, drawn on the server (no script, no library).

Each chart carries a title and a description for screen readers; the page also shows the same
figures as a table. Labels are measured (an estimate of their width at the charts' 13 px font:
CJK characters a full em, others a little over half) and the label column and legends are laid
out to fit them, so no label is cut off in either language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from unicodedata import east_asian_width

WIDTH = 640
BAR_HEIGHT = 22
GAP = 10
LABEL_WIDTH = 150
FONT = 13
# Room right of a bar for its figure ("12 cases").
VALUE_ROOM = 70
PALETTE = {"median": "#2f6fb3", "p95": "#9cc0e6", "limit": "#c62828", "bar": "#2f6fb3"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    css: str = "bar"


def text_width(text: str) -> float:
    """The width of ``text`` at the charts' font size, estimated generously."""
    return sum(FONT if east_asian_width(c) in "WF" else FONT * 0.62 for c in text)


def label_column(labels: Sequence[str]) -> int:
    """The width of the label column: the longest label and a margin, at least LABEL_WIDTH and at
    most half the chart (a longer label is shortened with "…", its full text in the table)."""
    widest = max((text_width(label) for label in labels), default=0.0)
    return int(min(WIDTH / 2, max(LABEL_WIDTH, widest + 16)))


def fitted(text: str, room: float) -> str:
    """``text``, shortened with "…" if it is wider than ``room``."""
    if text_width(text) <= room:
        return text
    while text and text_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def _svg(title: str, desc: str, height: int, body: str, chart_id: str) -> str:
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>{body}</svg>'
    )


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], empty: str) -> str:
    """Horizontal bars, one per label, scaled to the largest value. Labels stand in a column
    left of the bars; when one is too long for it (a reason in words), every label stands above
    its bar instead, wrapped over as many lines as it needs."""
    if not bars:
        return _svg(
            title, empty, 40, f'<text x="0" y="24" class="muted">{escape(empty)}</text>', chart_id
        )
    top = max((b.value for b in bars), default=0) or 1
    labels = [b.label for b in bars]
    if max(text_width(label) for label in labels) + 16 > WIDTH / 2:
        return _svg(title, _desc(bars), *_bars_under_labels(bars, top), chart_id=chart_id)
    label_w = label_column(labels)
    plot = WIDTH - label_w - VALUE_ROOM
    rows = []
    for i, bar in enumerate(bars):
        y = i * (BAR_HEIGHT + GAP)
        width = max(0.0, bar.value / top * plot)
        rows.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{escape(bar.label)}</text>'
            f'<rect class="{escape(bar.css)}" x="{label_w}" y="{y}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT}" rx="3"/>'
            f'<text x="{label_w + width + 6:.1f}" y="{y + 16}">{escape(bar.text)}</text>'
        )
    height = len(bars) * (BAR_HEIGHT + GAP)
    return _svg(title, _desc(bars), height, "".join(rows), chart_id)


def _desc(bars: Sequence[Bar]) -> str:
    return "; ".join(f"{b.label}: {b.text}" for b in bars)


def _bars_under_labels(bars: Sequence[Bar], top: float) -> tuple[int, str]:
    """Each label over the chart's full width, wrapped, and its bar below it: the height and
    the drawing."""
    plot = WIDTH - VALUE_ROOM
    rows, y = [], 0
    for bar in bars:
        for line in wrap(bar.label, WIDTH - 4):
            rows.append(f'<text x="0" y="{y + 14}">{escape(line)}</text>')
            y += 18
        width = max(0.0, bar.value / top * plot)
        rows.append(
            f'<rect class="{escape(bar.css)}" x="0" y="{y + 2}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT}" rx="3"/>'
            f'<text x="{width + 6:.1f}" y="{y + 18}">{escape(bar.text)}</text>'
        )
        y += BAR_HEIGHT + GAP + 4
    return y, "".join(rows)


def wrap(text: str, room: float) -> list[str]:
    """``text`` in lines no wider than ``room``: broken at a space where there is one, between
    any two characters otherwise (Chinese has no spaces)."""
    lines: list[str] = []
    line = ""
    for char in text:
        if line and text_width(line + char) > room:
            cut = line.rfind(" ")
            if cut > 0 and char != " ":
                lines.append(line[:cut])
                line = line[cut + 1 :]
            else:
                lines.append(line.rstrip())
                line = ""
            if char == " " and not line:
                continue
        line += char
    if line:
        lines.append(line)
    return lines


@dataclass(frozen=True)
class StepTimes:
    label: str
    median: float
    p95: float
    limit: float


def times_chart(
    chart_id: str, title: str, steps: Sequence[StepTimes], legend: dict[str, str]
) -> str:
    """Per step: median and 95th-percentile working hours as bars, the legal limit as a red
    mark, all on one hour scale."""
    top = max([s.limit for s in steps] + [s.p95 for s in steps] + [1.0])
    label_w = label_column([s.label for s in steps])
    plot = WIDTH - label_w - VALUE_ROOM
    scale = plot / top
    row_h = 2 * BAR_HEIGHT + GAP + 8
    parts = []
    for i, step in enumerate(steps):
        y = 30 + i * row_h
        limit_x = label_w + step.limit * scale
        parts.append(
            f'<line class="limit" x1="{limit_x:.1f}" x2="{limit_x:.1f}" y1="{y - 3}" '
            f'y2="{y + 2 * BAR_HEIGHT + 5}"/>'
            f'<text x="{label_w - 8}" y="{y + BAR_HEIGHT}" text-anchor="end">'
            f"{escape(fitted(step.label, label_w - 10))}</text>"
            f'<rect class="median" x="{label_w}" y="{y}" width="{step.median * scale:.1f}" '
            f'height="{BAR_HEIGHT}" rx="3"/>'
            f'<text x="{label_w + step.median * scale + 6:.1f}" y="{y + 16}">'
            f"{step.median:.1f} h</text>"
            f'<rect class="p95" x="{label_w}" y="{y + BAR_HEIGHT + 2}" '
            f'width="{step.p95 * scale:.1f}" height="{BAR_HEIGHT}" rx="3"/>'
            f'<text x="{label_w + step.p95 * scale + 6:.1f}" y="{y + BAR_HEIGHT + 18}">'
            f"{step.p95:.1f} h</text>"
        )
    legend_svg, _ = _legend(
        [
            ('<rect class="median" x="{x}" y="4" width="14" height="14"/>', legend["median"]),
            ('<rect class="p95" x="{x}" y="4" width="14" height="14"/>', legend["p95"]),
            ('<line class="limit legend" x1="{x7}" x2="{x7}" y1="2" y2="20"/>', legend["limit"]),
        ],
        x0=label_w,
    )
    height = 30 + len(steps) * row_h
    desc = "; ".join(
        f"{s.label}: {legend['median']} {s.median:.1f} h, {legend['p95']} {s.p95:.1f} h, "
        f"{legend['limit']} {s.limit:.1f} h"
        for s in steps
    )
    return _svg(title, desc, height, legend_svg + "".join(parts), chart_id)


def _legend(items: Sequence[tuple[str, str]], x0: float, y: float = 0) -> tuple[str, float]:
    """Legend entries in a row, each a swatch (a template with {x}, {x7}) and its measured text,
    wrapping to a new row when the next one would run past the chart's edge; with the y of the
    last row."""
    parts, x = [], x0
    for swatch, text in items:
        width = 20 + text_width(text) + 18
        if x + width > WIDTH and x > x0:
            x, y = x0, y + 22
        shape = swatch.format(x=f"{x:.1f}", x7=f"{x + 7:.1f}")
        if y:
            shape = f'<g transform="translate(0 {y:.0f})">{shape}</g>'
        parts.append(f'{shape}<text x="{x + 20:.1f}" y="{y + 16:.0f}">{escape(text)}</text>')
        x += width
    return "".join(parts), y


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its name (the legend), one value per x label, its CSS class."""

    name: str
    values: Sequence[float]
    css: str


def line_chart(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    empty: str,
) -> str:
    """Lines over time on one scale from 0, a dot per value, a legend above, a few gridlines
    with their values, and as many x labels as fit without overlapping."""
    if not x_labels or not series:
        return _svg(
            title, empty, 40, f'<text x="0" y="24" class="muted">{escape(empty)}</text>', chart_id
        )
    legend_items = [
        (f'<rect class="{escape(s.css)} swatch" x="{{x}}" y="4" width="14" height="14"/>', s.name)
        for s in series
    ]
    legend_svg, last_row = _legend(legend_items, x0=0)
    top_y = last_row + 38
    plot_h = 180
    widest = max(text_width(label) for label in x_labels) + 8
    left, right = 44, WIDTH - max(12, widest / 2)
    peak = max((v for s in series for v in s.values), default=0)
    ticks = _ticks(peak)
    y_max = ticks[-1] or 1
    step_x = (right - left) / max(1, len(x_labels) - 1)

    def px(i: int) -> float:
        return left + i * step_x if len(x_labels) > 1 else (left + right) / 2

    def py(v: float) -> float:
        return top_y + plot_h - v / y_max * plot_h

    parts = [legend_svg]
    for tick in ticks:
        y = py(tick)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>'
        )
    for i in _shown_labels(len(x_labels), step_x, widest):
        parts.append(
            f'<text x="{px(i):.1f}" y="{top_y + plot_h + 18}" text-anchor="middle">'
            f"{escape(x_labels[i])}</text>"
        )
    for s in series:
        points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(s.values))
        parts.append(f'<polyline class="{escape(s.css)} line" fill="none" points="{points}"/>')
        parts.extend(
            f'<circle class="{escape(s.css)} dot" cx="{px(i):.1f}" cy="{py(v):.1f}" r="3"/>'
            for i, v in enumerate(s.values)
        )
    height = top_y + plot_h + 26
    desc = "; ".join(
        f"{s.name}: " + ", ".join(f"{x} {v:g}" for x, v in zip(x_labels, s.values, strict=False))
        for s in series
    )
    return _svg(title, desc, int(height), "".join(parts), chart_id)


def _shown_labels(count: int, step_x: float, widest: float) -> list[int]:
    """The x labels drawn: every so many, spaced at least ``widest`` apart, always the first and
    the last (the latest, "now"), which replaces the one before it if they would touch."""
    if count <= 1:
        return list(range(count))
    every = max(1, int(-(-widest // step_x)))
    shown = list(range(0, count, every))
    if shown[-1] != count - 1:
        if (count - 1 - shown[-1]) * step_x < widest and len(shown) > 1:
            shown[-1] = count - 1
        else:
            shown.append(count - 1)
    return shown


def _ticks(peak: float) -> list[float]:
    """Gridline values from 0 past ``peak`` in round steps (1, 2, 5 × 10ⁿ), four or five."""
    if peak <= 0:
        return [0, 1]
    step = 1.0
    while peak / step > 5:
        for factor in (2, 2.5, 2):
            step *= factor
            if peak / step <= 5:
                break
    count = int(-(-peak // step))
    return [step * k for k in range(count + 1)]
