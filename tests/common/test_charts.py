"""The geometry of server-rendered stacked bars (common.charts)."""

from __future__ import annotations

import pytest

from common.charts import nice_maximum, pareto, stacked_bars


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


def test_a_pareto_chart_draws_bars_largest_first_and_the_cumulative_share():
    chart = pareto(
        [60, 30, 10],
        head=1,
        width=340,
        height=120,
        margin_left=20,
        margin_right=20,
        margin_bottom=10,
        margin_top=10,
    )
    # Plot: x 20 → 320 (100 a slot), y 10 → 110; value axis 0 → 100.
    assert chart.maximum == 100
    assert [(bar.x, bar.width, bar.y, bar.height) for bar in chart.bars] == [
        (30.0, 80.0, 50.0, 60.0),
        (130.0, 80.0, 80.0, 30.0),
        (230.0, 80.0, 100.0, 10.0),
    ]
    assert [bar.cumulative for bar in chart.bars] == pytest.approx([0.6, 0.9, 1.0])
    assert [(p.x, p.y) for p in chart.points] == [(20, 110), (120, 50), (220, 20), (320, 10)]
    assert chart.polyline == "20.0,110.0 120.0,50.0 220.0,20.0 320.0,10.0"
    assert (chart.head_x, chart.head_y) == (120, 50)
    assert chart.reference_y == 30  # 80 %
    assert [tick.percent for tick in chart.share_ticks] == [25, 50, 75, 100]


def test_a_pareto_chart_with_a_zero_total_keeps_its_curve_at_zero():
    chart = pareto([0, 0], head=1)
    assert {point.y for point in chart.points} == {chart.bottom}
    assert chart.maximum == 1


@pytest.mark.parametrize(("values", "head"), [([1, 2], 1), ([2, -1], 1), ([3, 2], 3), ([3, 2], -1)])
def test_a_pareto_chart_refuses_unsorted_negative_values_or_a_wrong_head(values, head):
    with pytest.raises(ValueError, match="Pareto chart"):
        pareto(values, head=head)
