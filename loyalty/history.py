"""The pro's monthly loyalty chart (issue 13 § 3): the geometry of the
monthly snapshots' scores, drawn by ``templates/loyalty/dashboard.html``
as server-rendered SVG (``common.charts``)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from django.utils.formats import date_format

from common.charts import StackedBars, stacked_bars

from .selectors import HistoryMonth

SCORE_KEY = "score"
# The score's scale: 0 to 100, 50 = the trade's average.
SCALE = 100
AVERAGE = 50


@dataclass(frozen=True)
class HistoryChart:
    """One bar per month (its score rounded; no bar for a month without a
    score) on a 0–100 axis, and the height of the average (50)."""

    bars: StackedBars
    average_y: float


def history_chart(months: list[HistoryMonth]) -> HistoryChart:
    """The bars of :func:`loyalty.selectors.loyalty_history`'s months,
    labelled with the month's short name ("nov.")."""
    columns: list[tuple[str, dict[Hashable, int]]] = [
        (
            date_format(month.month, "M"),
            {SCORE_KEY: round(month.score)} if month.score is not None else {},
        )
        for month in months
    ]
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
    return HistoryChart(bars=bars, average_y=average_y)
