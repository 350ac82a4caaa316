"""Charts for the admin dashboard as inline SVG, drawn on the server (no script, no library).

Each chart carries a title and a description for screen readers; the page also shows the same
figures as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
BAR_HEIGHT = 22
GAP = 10
LABEL_WIDTH = 150
PALETTE = {"median": "#2f6fb3", "p95": "#9cc0e6", "limit": "#c62828", "bar": "#2f6fb3"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    css: str = "bar"


def _svg(title: str, desc: str, height: int, body: str, chart_id: str) -> str:
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>{body}</svg>'
    )


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], empty: str) -> str:
    """Horizontal bars, one per label, scaled to the largest value."""
    if not bars:
        return _svg(
            title, empty, 40, f'<text x="0" y="24" class="muted">{escape(empty)}</text>', chart_id
        )
    top = max((b.value for b in bars), default=0) or 1
    plot = WIDTH - LABEL_WIDTH - 70
    rows = []
    for i, bar in enumerate(bars):
        y = i * (BAR_HEIGHT + GAP)
        width = max(0.0, bar.value / top * plot)
        rows.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{escape(bar.label)}</text>'
            f'<rect class="{escape(bar.css)}" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT}" rx="3"/>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 16}">{escape(bar.text)}</text>'
        )
    height = len(bars) * (BAR_HEIGHT + GAP)
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return _svg(title, desc, height, "".join(rows), chart_id)


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
    plot = WIDTH - LABEL_WIDTH - 70
    scale = plot / top
    row_h = 2 * BAR_HEIGHT + GAP + 8
    parts = []
    for i, step in enumerate(steps):
        y = 30 + i * row_h
        limit_x = LABEL_WIDTH + step.limit * scale
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT}" text-anchor="end">'
            f"{escape(step.label)}</text>"
            f'<rect class="median" x="{LABEL_WIDTH}" y="{y}" width="{step.median * scale:.1f}" '
            f'height="{BAR_HEIGHT}" rx="3"/>'
            f'<text x="{LABEL_WIDTH + step.median * scale + 6:.1f}" y="{y + 16}">'
            f"{step.median:.1f} h</text>"
            f'<rect class="p95" x="{LABEL_WIDTH}" y="{y + BAR_HEIGHT + 2}" '
            f'width="{step.p95 * scale:.1f}" height="{BAR_HEIGHT}" rx="3"/>'
            f'<text x="{LABEL_WIDTH + step.p95 * scale + 6:.1f}" y="{y + BAR_HEIGHT + 18}">'
            f"{step.p95:.1f} h</text>"
            f'<line class="limit" x1="{limit_x:.1f}" x2="{limit_x:.1f}" y1="{y - 3}" '
            f'y2="{y + 2 * BAR_HEIGHT + 5}"/>'
        )
    legend_svg = (
        f'<rect class="median" x="{LABEL_WIDTH}" y="4" width="14" height="14"/>'
        f'<text x="{LABEL_WIDTH + 20}" y="16">{escape(legend["median"])}</text>'
        f'<rect class="p95" x="{LABEL_WIDTH + 140}" y="4" width="14" height="14"/>'
        f'<text x="{LABEL_WIDTH + 160}" y="16">{escape(legend["p95"])}</text>'
        f'<line class="limit legend" x1="{LABEL_WIDTH + 290}" x2="{LABEL_WIDTH + 290}" '
        f'y1="2" y2="20"/>'
        f'<text x="{LABEL_WIDTH + 298}" y="16">{escape(legend["limit"])}</text>'
    )
    height = 30 + len(steps) * row_h
    desc = "; ".join(
        f"{s.label}: {legend['median']} {s.median:.1f} h, {legend['p95']} {s.p95:.1f} h, "
        f"{legend['limit']} {s.limit:.1f} h"
        for s in steps
    )
    return _svg(title, desc, height, legend_svg + "".join(parts), chart_id)
