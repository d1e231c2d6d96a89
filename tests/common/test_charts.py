"""The geometry of server-rendered stacked bars (common.charts)."""

from __future__ import annotations

import pytest

from common.charts import nice_maximum, stacked_bars


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 1),
        (1, 1),
        (2, 2),
        (3, 5),
        (7, 10),
        (10, 10),
        (11, 20),
        (23, 50),
        (160, 200),
        (999, 1000),
    ],
)
def test_the_axis_ends_on_a_round_number(value, expected):
    assert nice_maximum(value) == expected


def test_segments_stack_from_the_bottom_in_the_order_of_the_keys():
    chart = stacked_bars(
        [("jan", {1: 2, 5: 6}), ("fév", {}), ("mar", {3: 10})],
        keys=[1, 2, 3, 4, 5],
        width=344,  # the plot ends 4 units before the edge: 300 units wide
        height=130,
        margin_left=40,
        margin_bottom=20,
        margin_top=10,
    )
    assert chart.maximum == 10
    assert (chart.top, chart.bottom) == (10, 110)  # 10 units per review
    january, february, march = chart.bars
    assert [s.key for s in january.segments] == [1, 5]
    one, five = january.segments
    assert (one.y, one.height) == (90, 20)
    assert (five.y, five.height) == (30, 60)
    assert february.segments == ()
    assert february.total == 0
    assert (march.segments[0].y, march.segments[0].height) == (10, 100)
    # Three equal slots of 100 units, bars 70 units wide in their middle.
    assert [bar.x for bar in chart.bars] == [55, 155, 255]
    assert {bar.width for bar in chart.bars} == {70}
    assert [t.value for t in chart.ticks] == [2, 4, 6, 8, 10]
    assert chart.ticks[0].y == 90


def test_an_empty_chart_still_has_an_axis():
    chart = stacked_bars([("jan", {}), ("fév", {})], keys=[1, 2])
    assert chart.maximum == 1
    assert all(bar.segments == () for bar in chart.bars)
    assert [t.value for t in chart.ticks] == [1]
    assert chart.ticks[0].y == chart.top


@pytest.mark.parametrize(
    ("total", "ticks"),
    [
        (1, [1]),
        (2, [1, 2]),  # quarters of 2 are not whole: halves only
        (4, [1, 2, 3, 4, 5]),
        (17, [5, 10, 15, 20]),
        (320, [100, 200, 300, 400, 500]),
        (900, [200, 400, 600, 800, 1000]),
    ],
)
def test_grid_lines_fall_on_round_numbers(total, ticks):
    chart = stacked_bars([("jan", {1: total})], keys=[1])
    assert [t.value for t in chart.ticks] == ticks
    assert all(chart.top <= t.y < chart.bottom for t in chart.ticks)


def test_keys_outside_the_list_are_not_drawn():
    chart = stacked_bars([("jan", {1: 3, 9: 100})], keys=[1])
    assert chart.maximum == 5
    assert chart.bars[0].total == 3


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="negative"):
        stacked_bars([("jan", {1: -1})], keys=[1])
