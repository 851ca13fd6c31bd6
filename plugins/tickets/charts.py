"""The geometry of the dashboard's bar charts, for SVG drawn on the server.

The functions here only compute where bars, ticks and labels go, in the units of an SVG
``viewBox``; the template (``templates/tickets/charts.html``) draws them, escaping every
label. Pages stay free of JavaScript and of any chart service, and a chart scales with
its container because the SVG has a viewBox and no fixed size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Room for the text of the y axis and for the date labels under the columns.
AXIS_WIDTH = 36
AXIS_HEIGHT = 22
TOP_MARGIN = 8
RIGHT_MARGIN = 20  # half a date label may stand right of the last column
VALUE_WIDTH = 44  # room for the number written after a horizontal bar


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… that is at least ``value``: the top of an axis
    that reads well."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(int(step * power) for step in (1, 2, 5, 10) if step * power >= value)


@dataclass(frozen=True)
class Bar:
    """One bar: its label and value and its rectangle; ``text_x``/``text_y`` place the
    number written next to (horizontal) or the label under (columns) it."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class HorizontalBars:
    width: int
    height: int
    label_width: int
    bars: list[Bar]


def horizontal_bars(
    rows: Sequence[tuple[str, int]],
    *,
    width: int = 300,
    row_height: int = 24,
    label_width: int = 120,
) -> HorizontalBars:
    """One horizontal bar per ``(label, value)`` row, the longest one filling the width
    left of the value column (there is no axis: each bar has its number)."""
    top = max([1, *(value for _, value in rows)])
    room = width - label_width - VALUE_WIDTH
    bars = []
    for index, (label, value) in enumerate(rows):
        length = round(room * value / top, 1)
        y = index * row_height + 4
        bar_height = row_height - 8
        bars.append(
            Bar(
                label=label,
                value=value,
                x=label_width,
                y=y,
                width=length,
                height=bar_height,
                text_x=label_width + length + 6,
                text_y=y + bar_height - 4,
            )
        )
    return HorizontalBars(width, max(len(rows), 1) * row_height, label_width, bars)


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class ColumnGroup:
    """One day: a column per series (in the order of the series) and its date label,
    shown only on some days so that labels never overlap."""

    label: str
    show_label: bool
    bars: list[Bar]
    label_x: float


@dataclass(frozen=True)
class Columns:
    width: int
    height: int
    plot_left: int
    plot_right: int
    baseline: float
    ticks: list[Tick]
    groups: list[ColumnGroup]


def grouped_columns(
    rows: Sequence[tuple[str, Sequence[int]]],
    *,
    width: int = 640,
    height: int = 220,
    max_labels: int = 8,
) -> Columns:
    """Columns side by side for each ``(label, values)`` row (one value per series), on a
    shared y axis from 0 to a round maximum with three ticks."""
    top = nice_ceiling(max((v for _, values in rows for v in values), default=0))
    plot_left, plot_right = AXIS_WIDTH, width - RIGHT_MARGIN
    baseline = height - AXIS_HEIGHT
    plot_height = baseline - TOP_MARGIN
    slot = (plot_right - plot_left) / max(len(rows), 1)
    series = max((len(values) for _, values in rows), default=1)
    column = slot * 0.8 / series
    every = max(1, math.ceil(len(rows) / max_labels))
    groups = []
    for index, (label, values) in enumerate(rows):
        left = plot_left + index * slot + slot * 0.1
        bars = []
        for position, value in enumerate(values):
            bar_height = round(plot_height * value / top, 1)
            bars.append(
                Bar(
                    label=label,
                    value=value,
                    x=round(left + position * column, 1),
                    y=round(baseline - bar_height, 1),
                    width=round(column, 1),
                    height=bar_height,
                    text_x=round(left + position * column + column / 2, 1),
                    text_y=round(baseline - bar_height - 2, 1),
                )
            )
        # The last day is labelled always; the others every few days, counting back from it.
        shown = (len(rows) - 1 - index) % every == 0
        groups.append(ColumnGroup(label, shown, bars, round(left + slot * 0.4, 1)))
    ticks = [
        Tick(value, round(baseline - plot_height * value / top, 1)) for value in (0, top // 2, top)
    ]
    if top == 1:
        ticks = [ticks[0], ticks[2]]  # 0 and 1: a half would not be a whole number
    return Columns(width, height, plot_left, plot_right, baseline, ticks, groups)
