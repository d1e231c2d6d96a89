"""The published definition of the loyalty score (loyalty/score.py), on
plain values: the score's anchors, the smoothing, the baselines and the
interval checked against an exact Beta quantile."""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import date, timedelta

import pytest

from loyalty import score
from loyalty.score import (
    Baseline,
    BaselineSource,
    Counts,
    Rules,
    SessionFact,
    TradeStats,
    company_counts,
    company_score,
)

ON = date(2026, 11, 30)
RULES = Rules()
SEED = score.platform_baseline(TradeStats(), rules=RULES)


def ago(days: int) -> date:
    return ON - timedelta(days=days)


# --- An exact Beta quantile, the oracle of the closed form -------------------------


def _continued_fraction(a: float, b: float, x: float) -> float:
    # Lentz's method for the incomplete beta's continued fraction.
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def beta_cdf(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1.0 - x) / b


def beta_quantile(a: float, b: float, p: float) -> float:
    low, high = 0.0, 1.0
    for _ in range(80):
        middle = (low + high) / 2
        low, high = (middle, high) if beta_cdf(a, b, middle) < p else (low, middle)
    return (low + high) / 2


def test_the_oracle_is_a_beta_quantile():
    assert beta_quantile(1.0, 1.0, 0.05) == pytest.approx(0.05)
    assert beta_quantile(2.0, 1.0, 0.25) == pytest.approx(0.5)  # cdf x²
    assert beta_quantile(5.0, 5.0, 0.5) == pytest.approx(0.5)


# --- The score ---------------------------------------------------------------------


def test_the_score_is_50_at_the_trade_average_0_at_0_and_100_at_1():
    for mean in (0.05, 0.3, 0.6):
        assert score.score_of_rate(mean, mean) == pytest.approx(50.0)
        assert score.score_of_rate(0.0, mean) == 0.0
        assert score.score_of_rate(1.0, mean) == 100.0


def test_the_score_rises_with_the_smoothed_rate():
    scores = [score.score_of_rate(rate / 100, 0.3) for rate in range(101)]
    assert scores == sorted(scores)
    assert len(set(scores)) == len(scores)


def test_odds_three_times_the_trade_s_make_a_score_of_75():
    mean = 0.3
    odds = 3 * mean / (1 - mean)
    assert score.score_of_rate(odds / (1 + odds), mean) == pytest.approx(75.0)


def test_three_of_four_does_not_beat_sixty_of_a_hundred():
    small = company_score(Counts(40, 4, 3), SEED, rules=RULES)
    large = company_score(Counts(200, 100, 60), SEED, rules=RULES)
    assert small.raw_rate == 0.75 > large.raw_rate == 0.6
    assert large.score > small.score > 50
    assert small.smoothed_rate == pytest.approx((3 + 0.3 * 20) / (4 + 20))


def test_an_average_company_scores_50_and_its_interval_straddles_it():
    result = company_score(Counts(120, 100, 30), SEED, rules=RULES)
    assert result.score == pytest.approx(50.0)
    assert result.score_low < 50 < result.score_high


def test_the_interval_narrows_as_clients_are_observed():
    widths = [
        (lambda r: r.score_high - r.score_low)(
            company_score(Counts(400, n, round(0.45 * n)), SEED, rules=RULES)
        )
        for n in (5, 20, 80, 320)
    ]
    assert widths == sorted(widths, reverse=True)


@pytest.mark.parametrize("mean", [0.02, 0.1, 0.3, 0.55, 0.9])
def test_the_interval_is_within_one_point_of_the_exact_beta_quantiles(mean):
    rng = random.Random(mean)
    strength_choices = [score.strength_floor(mean), 20.0, 60.0, 200.0]
    for _ in range(40):
        strength = max(rng.choice(strength_choices), score.strength_floor(mean))
        n = rng.choice([1, 2, 5, 12, 40, 150, 600])
        r = rng.randint(0, n)
        result = company_score(
            Counts(1000, n, r), Baseline(mean, strength, 10, BaselineSource.TRADE), rules=RULES
        )
        alpha, beta = r + mean * strength, n - r + (1 - mean) * strength
        exact_low = score.score_of_rate(beta_quantile(alpha, beta, 0.05), mean)
        exact_high = score.score_of_rate(beta_quantile(alpha, beta, 0.95), mean)
        assert result.score_low == pytest.approx(exact_low, abs=1.0)
        assert result.score_high == pytest.approx(exact_high, abs=1.0)
        assert result.score_low < result.score < result.score_high


def test_before_30_sessions_there_is_no_score_and_ranking_is_neutral():
    result = company_score(Counts(29, 12, 11), SEED, rules=RULES)
    assert not result.qualified
    assert (result.score, result.raw_rate, result.smoothed_rate) == (None, None, None)
    assert result.reason == score.REASON_TOO_FEW_SESSIONS
    assert result.ranking_input == 0.5


def test_qualified_without_an_observed_client_is_told_why():
    result = company_score(Counts(45, 0, 0), SEED, rules=RULES)
    assert result.qualified
    assert result.score is None
    assert result.reason == score.REASON_NOTHING_OBSERVED
    assert result.ranking_input == 0.5


def test_a_scored_company_ranks_by_its_whole_score_over_100():
    result = company_score(Counts(60, 30, 20), SEED, rules=RULES)
    assert result.reason is None
    assert result.ranking_input == int(result.score + 0.5) / 100


@pytest.mark.parametrize(
    ("raw", "whole"),
    [(0.0, 0.0), (49.49, 0.49), (49.5, 0.5), (50.49, 0.5), (50.5, 0.51), (99.6, 1.0), (100, 1.0)],
)
def test_the_ranking_input_is_the_score_the_pro_sees_half_points_up(raw, whole):
    result = company_score(Counts(60, 30, 20), SEED, rules=RULES)
    assert dataclasses.replace(result, score=raw).ranking_input == whole


# --- Counting ---------------------------------------------------------------------


def test_a_return_is_a_later_day_within_180_days():
    sessions = [
        SessionFact("on-day-180", ago(400)),
        SessionFact("on-day-180", ago(400 - 180)),
        SessionFact("on-day-181", ago(400)),
        SessionFact("on-day-181", ago(400 - 181)),
        SessionFact("same-day", ago(400)),
        SessionFact("same-day", ago(400)),
        SessionFact("cancelled", ago(400)),
        SessionFact("cancelled", ago(390), "cancelled"),
        SessionFact("no-show", ago(400)),
        SessionFact("no-show", ago(390), "no_show"),
    ]
    assert company_counts(sessions, on=ON, rules=RULES) == Counts(
        sessions=8, new_clients=5, returned=1
    )


def test_the_window_is_the_year_of_first_sessions_ending_180_days_ago():
    assert RULES.window(ON) == (ago(544), ago(180))
    sessions = [SessionFact(f"c{days}", ago(days)) for days in (179, 180, 544, 545)]
    assert company_counts(sessions, on=ON, rules=RULES).new_clients == 2


def test_a_client_is_new_on_their_first_completed_session():
    # Seen before the window (a cancelled booking does not make them known).
    sessions = [
        SessionFact("old", ago(600)),
        SessionFact("old", ago(300)),
        SessionFact("booked", ago(600), "cancelled"),
        SessionFact("booked", ago(300)),
    ]
    assert company_counts(sessions, on=ON, rules=RULES) == Counts(3, 1, 0)


def test_sessions_after_the_day_do_not_count():
    sessions = [SessionFact("a", ago(200)), SessionFact("a", ON + timedelta(days=1))]
    assert company_counts(sessions, on=ON, rules=RULES) == Counts(1, 1, 0)


# --- Baselines ---------------------------------------------------------------------


def stats(*pairs: tuple[int, int]) -> TradeStats:
    return TradeStats.of(Counts(100, n, r) for n, r in pairs)


def test_nothing_measured_the_baseline_is_the_seed_s_30_percent():
    assert Baseline(0.30, 20.0, 0, BaselineSource.SEED) == SEED


def test_a_trade_with_ten_scored_companies_has_its_own_pooled_mean():
    trade = stats(*[(40, 20)] * 5, *[(60, 18)] * 5)
    platform = score.platform_baseline(trade, rules=RULES)
    baseline = score.trade_baseline(trade, platform=platform, rules=RULES)
    assert baseline.source == BaselineSource.TRADE
    assert baseline.mean == pytest.approx((5 * 20 + 5 * 18) / (5 * 40 + 5 * 60))
    assert baseline.companies == 10


def test_a_trade_with_fewer_companies_borrows_the_platform_s():
    platform = score.platform_baseline(stats(*[(40, 8)] * 12), rules=RULES)
    baseline = score.trade_baseline(stats(*[(40, 30)] * 9), platform=platform, rules=RULES)
    assert (baseline.mean, baseline.strength) == (platform.mean, platform.strength)
    assert (baseline.source, baseline.companies) == (BaselineSource.PLATFORM, 9)


def test_companies_alike_give_the_strongest_prior_and_spread_ones_a_weak_one():
    alike = stats(*[(50, 15)] * 12)
    assert score.prior_strength_fit(alike, 0.3) == score.PRIOR_STRENGTH_RANGE[1]
    spread = stats(*[(50, 5)] * 6, *[(50, 45)] * 6)
    assert score.prior_strength_fit(spread, 0.5) == score.PRIOR_STRENGTH_RANGE[0]


def test_the_method_of_moments_recovers_the_strength_of_simulated_companies():
    rng = random.Random(13)
    mean, strength = 0.3, 30.0
    companies = []
    for _ in range(3000):
        rate = rng.betavariate(mean * strength, (1 - mean) * strength)
        n = rng.choice([20, 40, 80])
        companies.append((n, sum(rng.random() < rate for _ in range(n))))
    fitted = score.baseline_fit(stats(*companies), source=BaselineSource.TRADE, rules=RULES)
    assert fitted.mean == pytest.approx(mean, abs=0.01)
    assert fitted.strength == pytest.approx(strength, rel=0.25)


def test_a_trade_where_nobody_returns_keeps_room_and_a_prior_of_two_returns():
    baseline = score.baseline_fit(stats(*[(40, 0)] * 12), source=BaselineSource.TRADE, rules=RULES)
    assert baseline.mean == score.MEAN_RANGE[0]
    assert baseline.mean * baseline.strength >= score.PRIOR_MIN_PSEUDO_COUNT


def test_every_company_observing_one_client_gives_the_default_strength():
    baseline = score.baseline_fit(stats(*[(1, 1)] * 6, *[(1, 0)] * 6), source="trade", rules=RULES)
    assert baseline.strength == score.PRIOR_STRENGTH_DEFAULT


def test_compute_compares_a_roofer_with_roofers_and_a_nanny_with_nannies():
    rules = Rules(min_sessions=2, trade_min_companies=2)
    history = {}
    trades = {}
    for company, (trade, returning) in enumerate([(1, 1), (1, 1), (2, 9), (2, 9)]):
        trades[company] = trade
        history[company] = [SessionFact(f"c{i}", ago(300)) for i in range(10)] + [
            SessionFact(f"c{i}", ago(250)) for i in range(returning)
        ]
    result = score.compute(history, {**trades, 99: 3}, on=ON, rules=rules)
    assert result.baselines[1].mean == pytest.approx(0.1)
    assert result.baselines[2].mean == pytest.approx(0.9)
    assert result.baselines[None].mean == pytest.approx(0.5)
    # Each is average in its own trade.
    assert [round(result.scores[c].score) for c in range(4)] == [50, 50, 50, 50]
    assert result.scores[99].reason == score.REASON_TOO_FEW_SESSIONS
    assert result.scores[99].baseline == result.baselines[None].mean
