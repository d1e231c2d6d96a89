"""What would lift a company's score (loyalty.advice): the fewest more
returns among the clients observed for a raw rate strictly above the
trade's average, which is exactly a score above 50."""

from __future__ import annotations

import pytest

from loyalty import score
from loyalty.advice import returns_to_pass_average


def more(new: int, returned: int, baseline: float) -> int:
    return returns_to_pass_average(
        new_clients=new, returned=returned, baseline=baseline
    ).more_returns


@pytest.mark.parametrize(
    ("new", "returned", "baseline", "expected"),
    [
        (40, 11, 0.30, 2),  # the example: 13 / 40 = 32.5 % > 30 %
        (40, 12, 0.30, 1),  # exactly the average is not above it
        (40, 13, 0.30, 0),
        (10, 3, 0.30, 1),  # 0.3 × 10 is 3.0000000000000004 in floats
        (10, 2, 0.30, 2),
        (10, 0, 0.30, 4),
        (1, 0, 0.30, 1),
        (1, 1, 0.30, 0),
        (7, 6, 0.95, 1),  # at most every observed client
        (5, 0, 0.98, 5),
    ],
)
def test_the_fewest_more_returns_to_pass_the_average(new, returned, baseline, expected):
    assert more(new, returned, baseline) == expected


@pytest.mark.parametrize("strength", [5.0, 20.0, 200.0])
@pytest.mark.parametrize(
    ("new", "returned", "baseline"), [(40, 11, 0.3), (33, 4, 0.27), (9, 9, 0.5)]
)
def test_the_advice_is_the_score_crossing_50_whatever_the_prior(new, returned, baseline, strength):
    """The advice and the published score agree: with the extra returns
    the score is above 50, with one fewer it is not."""
    rules = score.Rules()
    extra = more(new, returned, baseline)
    prior = score.Baseline(mean=baseline, strength=strength, companies=10, source="trade")

    def score_with(returns: int) -> float:
        counts = score.Counts(sessions=100, new_clients=new, returned=returns)
        result = score.company_score(counts, prior, rules=rules)
        assert result.score is not None
        return result.score

    assert score_with(returned + extra) > 50
    if extra:
        assert score_with(returned + extra - 1) <= 50 + 1e-9


@pytest.mark.parametrize(
    ("new", "returned", "baseline", "message"),
    [
        (0, 0, 0.3, "No new client"),
        (5, 6, 0.3, "Returned clients"),
        (5, -1, 0.3, "Returned clients"),
        (5, 1, 0.0, "baseline"),
        (5, 1, 1.0, "baseline"),
    ],
)
def test_impossible_figures_are_refused(new, returned, baseline, message):
    with pytest.raises(ValueError, match=message):
        returns_to_pass_average(new_clients=new, returned=returned, baseline=baseline)
