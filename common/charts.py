"""Geometry of small server-rendered SVG charts: the template draws the
rectangles, this module only computes where they go, so a chart needs no
JavaScript and no library, and a test can read its numbers.

Coordinates are in SVG user units of a ``viewBox`` of ``width`` × ``height``;
the template scales it to the width of its box.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar: ``key`` (the series, e.g. a rating),
    ``value`` (a count) and its rectangle."""

    key: Hashable
    value: int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    """One stacked bar: its label (shown under it), total, left edge and
    width, and its segments from the bottom up (empty ones left out)."""

    label: str
    total: int
    x: float
    width: float
    segments: tuple[Segment, ...]

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Tick:
    """A horizontal grid line of the value axis at ``value``, drawn at ``y``."""

    value: int
    y: float


@dataclass(frozen=True)
class StackedBars:
    """A stacked bar chart ready to draw: the plot area runs from ``left``
    to ``right`` and from ``top`` to ``bottom`` (the value axis' zero)."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    maximum: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]

    @property
    def value_x(self) -> float:
        """Where the value axis' labels end, just left of the plot."""
        return self.left - 6

    @property
    def label_y(self) -> float:
        """The baseline of the labels under the bars."""
        return self.bottom + 18


def nice_maximum(value: int) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ (n ≥ 0) at least ``value`` (at least 1),
    so the axis reads in round numbers: 7 → 10, 23 → 50, 160 → 200."""
    value = max(1, value)
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    raise AssertionError("unreachable")  # pragma: no cover


def round_ticks(maximum: int, *, bottom: float, scale: float) -> tuple[Tick, ...]:
    """Grid lines of a value axis from 0 to ``maximum`` (a
    :func:`nice_maximum`) at round steps: fifths of 10 or 50, quarters of
    20 (a step below 1 is skipped: values are whole), ``scale`` user units
    per unit of value above ``bottom``."""
    parts = 4 if str(maximum).startswith("2") else 5
    ticks: list[Tick] = []
    for n in range(1, parts + 1):
        level, remainder = divmod(maximum * n, parts)
        if remainder:
            continue
        ticks.append(Tick(value=level, y=round(bottom - level * scale, 2)))
    return tuple(ticks)


def stacked_bars(
    columns: Sequence[tuple[str, dict[Hashable, int]]],
    *,
    keys: Sequence[Hashable],
    width: int = 640,
    height: int = 240,
    margin_left: int = 40,
    margin_bottom: int = 28,
    margin_top: int = 10,
    maximum: int | None = None,
) -> StackedBars:
    """Lay out one stacked bar per column (``(label, {key: count})``), the
    keys stacked bottom-up in the order of ``keys`` (a key missing from a
    column counts 0; a negative count is a programming error: ValueError).
    Bars are as wide as 70 % of their slot; the value axis runs from 0 to a
    round maximum (:func:`nice_maximum`; ``maximum`` when given, e.g. 100
    for scores, and then a total above it is a ValueError) with grid lines
    at round steps."""
    left, right = float(margin_left), float(width - 4)
    top, bottom = float(margin_top), float(height - margin_bottom)
    totals: list[int] = []
    for _label, counts in columns:
        if any(n < 0 for n in counts.values()):
            raise ValueError("A bar cannot have a negative count.")
        totals.append(sum(counts.get(key, 0) for key in keys))
    if maximum is None:
        maximum = nice_maximum(max(totals, default=0))
    elif maximum < max(totals, default=0) or maximum < 1:
        raise ValueError("A bar is taller than the given maximum.")
    scale = (bottom - top) / maximum
    slot = (right - left) / max(1, len(columns))
    bars: list[Bar] = []
    for (label, counts), total in zip(columns, totals, strict=True):
        base = bottom
        segments: list[Segment] = []
        for key in keys:
            count = counts.get(key, 0)
            if not count:
                continue
            size = count * scale
            base -= size
            segments.append(Segment(key=key, value=count, y=round(base, 2), height=round(size, 2)))
        bars.append(
            Bar(
                label=label,
                total=total,
                x=round(left + slot * len(bars) + slot * 0.15, 2),
                width=round(slot * 0.7, 2),
                segments=tuple(segments),
            )
        )
    return StackedBars(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        maximum=maximum,
        bars=tuple(bars),
        ticks=round_ticks(maximum, bottom=bottom, scale=scale),
    )


@dataclass(frozen=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True)
class ParetoBar:
    """One item of a Pareto chart: its value, rectangle and the cumulative
    share (0–1) of the total up to it, drawn at ``point``."""

    value: float
    x: float
    y: float
    width: float
    height: float
    cumulative: float
    point: Point


@dataclass(frozen=True)
class ShareTick:
    """A grid line of the share axis (right) at ``percent`` (0–100)."""

    percent: int
    y: float


@dataclass(frozen=True)
class Pareto:
    """A Pareto chart ready to draw: bars of the values, largest first, on
    the value axis (left, 0 to ``maximum``, ``ticks``), and the curve of
    their cumulative share on the share axis (right, 0–100 %,
    ``share_ticks``), from the origin (``points[0]``) through the right
    edge of each bar. ``head_x`` is the right edge of the first ``head``
    bars, ``head_y`` the height of the curve there; ``reference_y`` the
    height of ``reference`` (e.g. 80 %)."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    maximum: int
    bars: tuple[ParetoBar, ...]
    ticks: tuple[Tick, ...]
    share_ticks: tuple[ShareTick, ...]
    points: tuple[Point, ...]
    head: int
    head_x: float
    head_y: float
    reference_y: float

    @property
    def value_x(self) -> float:
        return self.left - 6

    @property
    def share_x(self) -> float:
        """Where the share axis' labels start, just right of the plot."""
        return self.right + 6

    @property
    def polyline(self) -> str:
        """The curve as the ``points`` attribute of an SVG polyline."""
        return " ".join(f"{point.x},{point.y}" for point in self.points)


def pareto(
    values: Sequence[float | Decimal],
    *,
    head: int,
    reference: float = 0.8,
    width: int = 640,
    height: int = 260,
    margin_left: int = 56,
    margin_right: int = 44,
    margin_bottom: int = 16,
    margin_top: int = 12,
) -> Pareto:
    """Lay out a Pareto chart of ``values``, which must be sorted largest
    first and not negative (else ValueError); ``head`` (0 to
    ``len(values)``, else ValueError) is how many first values to mark,
    e.g. the top 20 % of clients. Bars fill 80 % of their slot (a thin
    one stays at least 0.5 unit wide). With a zero total, the curve stays
    at 0."""
    floats = [float(value) for value in values]
    if any(value < 0 for value in floats):
        raise ValueError("A Pareto chart cannot have a negative value.")
    if any(later > earlier for earlier, later in itertools.pairwise(floats)):
        raise ValueError("A Pareto chart's values must be sorted largest first.")
    if not 0 <= head <= len(floats):
        raise ValueError("The head of a Pareto chart is a number of its values.")
    left, right = float(margin_left), float(width - margin_right)
    top, bottom = float(margin_top), float(height - margin_bottom)
    maximum = nice_maximum(math.ceil(max(floats, default=0)))
    scale = (bottom - top) / maximum
    slot = (right - left) / max(1, len(floats))
    total = sum(floats)

    def share_y(share: float) -> float:
        return round(bottom - share * (bottom - top), 2)

    bars: list[ParetoBar] = []
    points = [Point(x=left, y=bottom)]
    running = 0.0
    for index, value in enumerate(floats):
        running += value
        cumulative = running / total if total else 0.0
        point = Point(x=round(left + slot * (index + 1), 2), y=share_y(cumulative))
        points.append(point)
        size = value * scale
        bars.append(
            ParetoBar(
                value=value,
                x=round(left + slot * index + slot * 0.1, 2),
                y=round(bottom - size, 2),
                width=round(max(slot * 0.8, 0.5), 2),
                height=round(size, 2),
                cumulative=cumulative,
                point=point,
            )
        )
    return Pareto(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        maximum=maximum,
        bars=tuple(bars),
        ticks=round_ticks(maximum, bottom=bottom, scale=scale),
        share_ticks=tuple(ShareTick(percent=p, y=share_y(p / 100)) for p in (25, 50, 75, 100)),
        points=tuple(points),
        head=head,
        head_x=points[head].x,
        head_y=points[head].y,
        reference_y=share_y(reference),
    )
