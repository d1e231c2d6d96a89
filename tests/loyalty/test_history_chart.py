"""The geometry of the pro's monthly loyalty chart (loyalty.history): a
year of months on a 0–100 axis, a bar only for a scored month, the
average (50) half-way up."""

from __future__ import annotations

from datetime import date

import pytest

from common.charts import stacked_bars
from loyalty.history import history_chart, month_starts
from loyalty.selectors import HistoryMonth


def month(first: date, score: float | None) -> HistoryMonth:
    return HistoryMonth(first, score, None, None, 0.3, 40, 20, 6)


def test_a_year_of_months_ends_with_the_current_one():
    starts = month_starts(date(2026, 3, 15))
    assert starts[0] == date(2025, 4, 1)
    assert starts[-1] == date(2026, 3, 1)
    assert len(starts) == 12


def test_only_scored_months_have_a_bar_on_a_0_to_100_axis():
    chart = history_chart(
        [month(date(2026, 1, 1), None), month(date(2026, 2, 1), 62.4)], on=date(2026, 3, 2)
    )
    bars = chart.bars
    assert len(bars.bars) == 12
    assert bars.maximum == 100
    assert [tick.value for tick in bars.ticks] == [20, 40, 60, 80, 100]
    drawn = [bar for bar in bars.bars if bar.segments]
    assert [bar.total for bar in drawn] == [62]
    assert drawn[0] is bars.bars[-2]  # February, the month before March
    assert chart.average_y == pytest.approx((bars.top + bars.bottom) / 2)
    assert drawn[0].segments[0].y < chart.average_y  # above the average


def test_a_given_maximum_refuses_a_taller_bar():
    with pytest.raises(ValueError, match="taller"):
        stacked_bars([("a", {"x": 120})], keys=["x"], maximum=100)
