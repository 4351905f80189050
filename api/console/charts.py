"""Inline SVG charts drawn on the server (no script, no outside library): the geometry is
computed here, the markup is in templates/_charts.html."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from api.console import labels

#: One calm colour per grade (好 green … 差 red), shared by the bars and the distribution.
GRADE_COLOURS: dict[str, str] = {
    "good": "#2e7d4f",
    "fairly_good": "#1f4e8c",
    "average": "#9a6700",
    "poor": "#a61b1b",
}
NEUTRAL = "#8592a3"
#: A unit's name beside its bar: longer names are shortened (the table has them whole).
LABEL_CHARS = 5


def number(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    y: float
    width: float
    colour: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    plot_width: int
    bar_height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]


def totals_chart(rows: Iterable[Mapping[str, Any]], scale_max: Decimal = Decimal(100)
                 ) -> BarChart:
    """Horizontal bars of the totals, in rank order, coloured by grade; scaled to 100 points
    (or the largest total, if above)."""
    found = list(rows)
    top = max([scale_max, *(number(r.get("total")) for r in found)])
    label_width, plot_width, bar_height, gap = 84, 240, 20, 8
    value_room = 52
    bars = []
    for i, row in enumerate(found):
        total = number(row.get("total"))
        name = str(row.get("org_name") or row.get("org_code"))
        bars.append(Bar(
            label=name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "…",
            value=f"{total:.2f}",
            y=i * (bar_height + gap) + 4,
            width=float(total / top * plot_width) if top else 0.0,
            colour=GRADE_COLOURS.get(str(row.get("grade")), NEUTRAL),
        ))
    ticks = [(float(Decimal(t) / top * plot_width), str(t)) for t in (0, 20, 40, 60, 80, 100)
             if Decimal(t) <= top]
    height = len(found) * (bar_height + gap) + 28
    return BarChart(label_width + plot_width + value_room, height, label_width, plot_width,
                    bar_height, bars, ticks)


@dataclass(frozen=True)
class Column:
    label: str
    count: int
    x: float
    height: float
    colour: str


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    base: int
    column_width: int
    columns: list[Column]


def grade_distribution(rows: Iterable[Mapping[str, Any]]) -> ColumnChart:
    """One column per grade (好, 较好, 一般, 差): how many participants got it."""
    counts = dict.fromkeys(labels.GRADES, 0)
    for row in rows:
        grade = str(row.get("grade"))
        if grade in counts:
            counts[grade] += 1
    most = max(counts.values()) or 1
    column_width, gap, plot_height, top_room = 48, 28, 120, 22
    columns = []
    for i, (grade, count) in enumerate(counts.items()):
        height = count / most * plot_height
        columns.append(Column(labels.GRADES[grade], count, gap / 2 + i * (column_width + gap),
                              height, GRADE_COLOURS[grade]))
    width = len(counts) * (column_width + gap)
    return ColumnChart(width, plot_height + top_room + 26, plot_height + top_room, column_width,
                       columns)
