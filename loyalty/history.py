"""The pro's monthly loyalty chart (issue 13 § 3): the geometry of the
monthly snapshots' scores, drawn by ``templates/loyalty/dashboard.html``
as server-rendered SVG (``common.charts``)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.formats import date_format

from common.charts import StackedBars, stacked_bars

from .selectors import HistoryMonth

SCORE_KEY = "score"
# The chart spans the current month and the eleven before it: a year.
CHART_MONTHS = 12
# The score's scale: 0 to 100, 50 = the trade's average.
SCALE = 100
AVERAGE = 50


@dataclass(frozen=True)
class HistoryChart:
    """One bar per month (its score rounded; no bar for a month without a
    score) on a 0–100 axis, and the height of the average (50)."""

    bars: StackedBars
    average_y: float
    # Whether any month has a bar: without one the chart is not drawn.
    scored: bool = False


def month_starts(on: date, months: int = CHART_MONTHS) -> list[date]:
    """The first days of ``on``'s month and the ``months − 1`` before it,
    oldest first."""
    starts = [on.replace(day=1)]
    for _ in range(months - 1):
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts[::-1]


def history_chart(months: list[HistoryMonth], *, on: date) -> HistoryChart:
    """A bar per month of the year up to ``on``'s month, labelled with the
    month's short name: the score of its snapshot
    (:func:`loyalty.selectors.loyalty_history`), none for a month without
    a snapshot or a score."""
    scores = {month.month: month.score for month in months}
    columns: list[tuple[str, dict[Hashable, int]]] = []
    for start in month_starts(on):
        value = scores.get(start)
        columns.append(
            # "N": "juin", "juil." — "M" gives "jui" for both in French.
            (date_format(start, "N"), {SCORE_KEY: round(value)} if value is not None else {})
        )
    bars = stacked_bars(
        columns,
        keys=[SCORE_KEY],
        width=480,
        height=220,
        margin_left=44,
        margin_top=14,
        maximum=SCALE,
    )
    average_y = round(bars.bottom - (bars.bottom - bars.top) * AVERAGE / SCALE, 2)
    scored = any(values for _label, values in columns)
    return HistoryChart(bars=bars, average_y=average_y, scored=scored)
