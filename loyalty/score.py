"""The loyalty score: do a company's new clients come back? (issue 13 § 2;
seed 002, the Wecasa model). This module is the one published definition:
pure functions over plain values, the reference implementation (and the
SQLite path) of the nightly computation, whose PostgreSQL statements
(:mod:`loyalty.recompute`) must give the same figures.

1. **Sessions.** Only *completed* sessions dated on or before the day of
   the computation (``on``) count; cancelled and no-show sessions never do.

2. **New clients, returns.** A client (one key per person and company,
   :mod:`loyalty.identity`) is a *new client* of the company on the day of
   their first completed session with it. They *returned* if they have
   another completed session on a later day, at most ``return_days`` (180)
   days after the first: the first day + 1 to the first day + 180, both
   included. A second session on the same day is not a return.

3. **Censoring.** A new client is *observed* only once they had their full
   180 days to come back: the window of observation is the
   ``window_days`` (365, "12 months") days of first sessions ending
   ``return_days`` days before ``on``, i.e. first sessions from
   ``on − 544`` to ``on − 180`` days, both included. A company whose
   clients all started in the last six months has no rate yet, and is told
   why (:data:`REASON_NOTHING_OBSERVED`).

4. **Qualification.** A company counts once it has ``min_sessions`` (30,
   ``LOYALTY_MIN_SESSIONS``) completed sessions, all time. Before that it
   is neutral for ranking (0.5: no penalty, no boost) and no score is
   shown; the pro sees its progress (:data:`REASON_TOO_FEW_SESSIONS`). A
   company is *scored* when it qualifies and has at least one observed
   new client.

5. **Baseline.** The rate a company is compared with is the *pooled* rate
   (returned / new clients, all companies together) of the scored
   companies of its primary trade, when the trade has at least
   ``trade_min_companies`` (:data:`TRADE_MIN_COMPANIES`, 10) of them; else
   the platform's pooled rate when the platform has that many; else
   seed 002's 30 % (:data:`SEED_RATE`). Means are kept within
   :data:`MEAN_RANGE` so that a trade where nobody (or everybody) returns
   still leaves room to do better (or worse).

6. **Smoothing** (empirical Bayes, beta-binomial). The company's true rate
   is given a Beta prior of mean ``m`` (the baseline) and strength ``k``
   (that many imaginary new clients): ``α₀ = m·k``, ``β₀ = (1 − m)·k``.
   With ``n`` new clients observed of whom ``r`` returned, the posterior is
   Beta(``α = r + m·k``, ``β = n − r + (1 − m)·k``) and the *smoothed rate*
   is its mean ``(r + m·k) / (n + k)``: 3 returns of 4 (0.375 at m = 0.3,
   k = 20) does not beat 60 of 100 (0.55). ``k`` is fitted by the method of
   moments on the scored companies of the same scope as the mean
   (:func:`prior_strength_fit`), else :data:`PRIOR_STRENGTH_DEFAULT` (20),
   and kept within :data:`PRIOR_STRENGTH_RANGE` and at least
   ``2 / min(m, 1 − m)`` (two imaginary returns and two non-returns: see 8).

7. **Score.** ``score = 100 · p(1 − m) / (p(1 − m) + m(1 − p))`` where
   ``p`` is the smoothed rate and ``m`` the baseline: 100 × the odds of
   ``p`` over the odds of ``p`` plus the odds of ``m``. It is 0 at p = 0,
   **50 at the trade's average**, 100 at p = 1, and increasing in ``p``;
   a score of 75 means odds of returning three times the trade's.

8. **Interval.** The 90 % credible interval is the score of the 5 % and
   95 % quantiles of the posterior Beta(α, β). They are computed in closed
   form (so that SQL computes them too) by a Cornish–Fisher expansion of
   the Beta's logit, whose cumulants are ``ψ(α) − ψ(β)``,
   ``ψ′(α) + ψ′(β)`` and ``ψ″(α) − ψ″(β)``, with ``ψ(x) ≈ ln y + 1/(24y²)``,
   ``ψ′(x) ≈ 1/y − 1/(12y³)``, ``ψ″(x) ≈ −1/y²`` for ``y = x − ½``
   (:func:`credible_interval`). With α, β ≥ 2, which the prior guarantees,
   the bounds are within one score point of the exact Beta quantiles
   (tests/loyalty/test_score.py checks it against a numerical quantile).

9. **Ranking input.** Search ranking takes the score as the pro sees it,
   in whole points: ``floor(score + ½) / 100``
   (:attr:`CompanyScore.ranking_input`; 0.5, neutral, for a company not
   scored). A move of a fraction of a point, which the baselines cause
   every night, then changes no company's rank input, and the nightly job
   rewrites only the companies whose whole score changed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import NamedTuple

# Status of a session that counts (loyalty.models.SessionStatus.COMPLETED).
COMPLETED = "completed"

# Days of first sessions observed (§ 3): twelve months.
WINDOW_DAYS = 365
# Scored companies a trade (or the platform) needs before its own mean and
# prior strength are used (§ 5): fewer would make the baseline one or two
# companies' figures.
TRADE_MIN_COMPANIES = 10
# Seed 002: "en moyenne, 30 % des nouveaux clients réservent à nouveau dans
# les 6 mois", the baseline until the platform has measured its own.
SEED_RATE = 0.30
# Baselines kept away from 0 and 1 (§ 5).
MEAN_RANGE = (0.02, 0.98)
# Imaginary new clients of the prior when too few companies to fit it
# (§ 6): a company with 20 observed new clients is half its own rate,
# half the baseline.
PRIOR_STRENGTH_DEFAULT = 20.0
# A fitted strength stays within these bounds: at least 5 imaginary
# clients (one client cannot swing a young score), at most 200 (a large
# company's own rate always shows).
PRIOR_STRENGTH_RANGE = (5.0, 200.0)
# Imaginary returns and non-returns the prior holds at least (§ 6, § 8).
PRIOR_MIN_PSEUDO_COUNT = 2.0
# Φ⁻¹(0.95): the bounds of the 90 % interval are the 5 % and 95 % quantiles.
INTERVAL_Z = 1.6448536269514722

REASON_TOO_FEW_SESSIONS = "too_few_sessions"
REASON_NOTHING_OBSERVED = "nothing_observed"


class SessionFact(NamedTuple):
    """What the score reads of a session (``loyalty.models.ServiceSession``)."""

    client_key: str
    performed_on: date
    status: str = COMPLETED


@dataclass(frozen=True)
class Rules:
    """The parameters of the definition (settings ``LOYALTY_MIN_SESSIONS``
    and ``LOYALTY_RETURN_DAYS``, and the constants above)."""

    min_sessions: int = 30
    return_days: int = 180
    window_days: int = WINDOW_DAYS
    trade_min_companies: int = TRADE_MIN_COMPANIES

    @classmethod
    def from_settings(cls) -> Rules:
        from django.conf import settings

        return cls(
            min_sessions=settings.LOYALTY_MIN_SESSIONS, return_days=settings.LOYALTY_RETURN_DAYS
        )

    def window(self, on: date) -> tuple[date, date]:
        """First and last day (both included) of the first sessions observed
        on ``on`` (§ 3)."""
        until = on - timedelta(days=self.return_days)
        return until - timedelta(days=self.window_days - 1), until


@dataclass(frozen=True)
class Counts:
    """A company's figures on a day: completed sessions (all time), new
    clients observed in the window, and those of them who returned."""

    sessions: int = 0
    new_clients: int = 0
    returned: int = 0

    def qualified(self, rules: Rules) -> bool:
        return self.sessions >= rules.min_sessions

    def scored(self, rules: Rules) -> bool:
        return self.qualified(rules) and self.new_clients > 0

    @property
    def raw_rate(self) -> float | None:
        return self.returned / self.new_clients if self.new_clients else None


def company_counts(sessions: Iterable[SessionFact], *, on: date, rules: Rules) -> Counts:
    """A company's :class:`Counts` on ``on`` from its sessions, in any
    order (§ 1–3)."""
    days_by_client: dict[str, list[date]] = {}
    total = 0
    for session in sessions:
        if session.status != COMPLETED or session.performed_on > on:
            continue
        total += 1
        days_by_client.setdefault(session.client_key, []).append(session.performed_on)
    first_from, first_until = rules.window(on)
    new_clients = returned = 0
    for days in days_by_client.values():
        first = min(days)
        if not first_from <= first <= first_until:
            continue
        new_clients += 1
        last_return = first + timedelta(days=rules.return_days)
        if any(first < day <= last_return for day in days):
            returned += 1
    return Counts(sessions=total, new_clients=new_clients, returned=returned)


@dataclass(frozen=True)
class TradeStats:
    """Sums over the scored companies of a trade (or of the platform), from
    which its baseline is fitted: companies, new clients, returns, and the
    sums of the companies' raw rates, of their squares and of 1 / new
    clients. The rate sums are exact fractions: the same figures whatever
    the order of the companies."""

    companies: int = 0
    new_clients: int = 0
    returned: int = 0
    rate_sum: Fraction = field(default_factory=Fraction)
    rate_square_sum: Fraction = field(default_factory=Fraction)
    inverse_new_sum: Fraction = field(default_factory=Fraction)

    @classmethod
    def of(cls, counts: Iterable[Counts]) -> TradeStats:
        stats = cls()
        for item in counts:
            stats = stats.plus(item)
        return stats

    def plus(self, counts: Counts) -> TradeStats:
        rate = Fraction(counts.returned, counts.new_clients)
        return TradeStats(
            companies=self.companies + 1,
            new_clients=self.new_clients + counts.new_clients,
            returned=self.returned + counts.returned,
            rate_sum=self.rate_sum + rate,
            rate_square_sum=self.rate_square_sum + rate * rate,
            inverse_new_sum=self.inverse_new_sum + Fraction(1, counts.new_clients),
        )


class BaselineSource:
    """Where a baseline comes from (§ 5)."""

    TRADE = "trade"  # measured on the trade's own scored companies
    PLATFORM = "platform"  # measured on every scored company
    SEED = "seed"  # nothing measured yet: seed 002's 30 %


@dataclass(frozen=True)
class Baseline:
    """The prior a company's rate is shrunk towards: mean ``m`` and strength
    ``k`` (imaginary new clients), the scored companies it was measured on
    (those of the trade, even when it borrows the platform's), and its
    :class:`BaselineSource`."""

    mean: float
    strength: float
    companies: int
    source: str


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


def strength_floor(mean: float) -> float:
    """The least prior strength at ``mean``: :data:`PRIOR_STRENGTH_RANGE`'s
    lower bound, and enough for two imaginary returns and non-returns."""
    return max(PRIOR_STRENGTH_RANGE[0], PRIOR_MIN_PSEUDO_COUNT / min(mean, 1.0 - mean))


def prior_strength_fit(stats: TradeStats, mean: float) -> float:
    """The prior strength ``k`` by the method of moments. Under the
    beta-binomial model a company's raw rate has variance
    ``m(1 − m)·(ρ + (1 − ρ)/n)`` where ``ρ = 1 / (k + 1)``; averaged over
    companies with ``h`` the mean of ``1/n``, the observed variance ``S²``
    of the raw rates around ``m`` gives ``ρ = (S²/(m(1 − m)) − h)/(1 − h)``
    and ``k = 1/ρ − 1``. Less spread than sampling noise alone (ρ ≤ 0)
    means the companies hardly differ: the strongest prior. Kept within
    :data:`PRIOR_STRENGTH_RANGE` and above :func:`strength_floor`;
    :data:`PRIOR_STRENGTH_DEFAULT` when every company has a single observed
    client (h = 1, nothing to tell noise from spread)."""
    companies = stats.companies
    mean_of_inverse = float(stats.inverse_new_sum / companies)
    if mean_of_inverse >= 1.0:
        return max(PRIOR_STRENGTH_DEFAULT, strength_floor(mean))
    variance = (
        float(stats.rate_square_sum / companies)
        - 2.0 * mean * float(stats.rate_sum / companies)
        + mean * mean
    )
    rho = (variance / (mean * (1.0 - mean)) - mean_of_inverse) / (1.0 - mean_of_inverse)
    strength = PRIOR_STRENGTH_RANGE[1] if rho <= 0.0 else 1.0 / rho - 1.0
    return max(_clamp(strength, PRIOR_STRENGTH_RANGE), strength_floor(mean))


def baseline_fit(stats: TradeStats, *, source: str, rules: Rules) -> Baseline | None:
    """The baseline measured on ``stats`` (its pooled rate and fitted
    strength), or None when they hold fewer than ``trade_min_companies``
    scored companies."""
    if stats.companies < rules.trade_min_companies or not stats.new_clients:
        return None
    mean = _clamp(stats.returned / stats.new_clients, MEAN_RANGE)
    return Baseline(
        mean=mean,
        strength=prior_strength_fit(stats, mean),
        companies=stats.companies,
        source=source,
    )


def platform_baseline(stats: TradeStats, *, rules: Rules) -> Baseline:
    """The platform's baseline: measured on every scored company, else the
    seed's 30 % with the default strength."""
    return baseline_fit(stats, source=BaselineSource.PLATFORM, rules=rules) or Baseline(
        mean=SEED_RATE,
        strength=max(PRIOR_STRENGTH_DEFAULT, strength_floor(SEED_RATE)),
        companies=stats.companies,
        source=BaselineSource.SEED,
    )


def trade_baseline(stats: TradeStats, *, platform: Baseline, rules: Rules) -> Baseline:
    """A trade's baseline: its own when it has enough scored companies,
    else the platform's (``companies`` still counts the trade's own)."""
    return baseline_fit(stats, source=BaselineSource.TRADE, rules=rules) or Baseline(
        mean=platform.mean,
        strength=platform.strength,
        companies=stats.companies,
        source=platform.source,
    )


def score_of_rate(rate: float, mean: float) -> float:
    """§ 7: ``100 · p(1 − m) / (p(1 − m) + m(1 − p))``, in [0, 100]."""
    above = rate * (1.0 - mean)
    return 100.0 * above / (above + mean * (1.0 - rate))


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def credible_interval(alpha: float, beta: float) -> tuple[float, float]:
    """The 5 % and 95 % quantiles of Beta(``alpha``, ``beta``) (§ 8), for
    ``alpha, beta ≥ 2``: the Cornish–Fisher expansion
    ``q(z) = κ₁ + √κ₂ · (z + (z² − 1)·γ/6)`` of the logit, ``γ = κ₃/κ₂^1.5``,
    mapped back by the logistic function."""
    ya, yb = alpha - 0.5, beta - 0.5
    center = math.log(ya / yb) + 1.0 / (24.0 * ya * ya) - 1.0 / (24.0 * yb * yb)
    variance = 1.0 / ya - 1.0 / (12.0 * ya * ya * ya) + 1.0 / yb - 1.0 / (12.0 * yb * yb * yb)
    skew = (1.0 / (yb * yb) - 1.0 / (ya * ya)) / variance**1.5
    spread = math.sqrt(variance)
    correction = (INTERVAL_Z * INTERVAL_Z - 1.0) * skew / 6.0
    return (
        _expit(center + spread * (-INTERVAL_Z + correction)),
        _expit(center + spread * (INTERVAL_Z + correction)),
    )


@dataclass(frozen=True)
class CompanyScore:
    """A company's loyalty on a day. ``score``, its interval and the rates
    are None unless the company is scored (qualified, with observed new
    clients); ``reason`` then says why (:data:`REASON_TOO_FEW_SESSIONS`,
    :data:`REASON_NOTHING_OBSERVED`). ``baseline`` is the trade's (or
    platform's) mean the company is compared with."""

    counts: Counts
    qualified: bool
    baseline: float
    raw_rate: float | None = None
    smoothed_rate: float | None = None
    score: float | None = None
    score_low: float | None = None
    score_high: float | None = None

    @property
    def reason(self) -> str | None:
        if not self.qualified:
            return REASON_TOO_FEW_SESSIONS
        if self.score is None:
            return REASON_NOTHING_OBSERVED
        return None

    @property
    def ranking_input(self) -> float:
        """What search ranks by (``directory.search.ranking.trust``'s
        ``loyalty``), § 9: the whole score (half points round up) / 100,
        in [0, 1]; neutral 0.5 when not scored."""
        return 0.5 if self.score is None else math.floor(self.score + 0.5) / 100.0


def company_score(counts: Counts, baseline: Baseline, *, rules: Rules) -> CompanyScore:
    """§ 4–8 for one company."""
    mean, strength = baseline.mean, baseline.strength
    if not counts.scored(rules):
        return CompanyScore(counts=counts, qualified=counts.qualified(rules), baseline=mean)
    alpha = counts.returned + mean * strength
    beta = (counts.new_clients - counts.returned) + (1.0 - mean) * strength
    smoothed = alpha / (alpha + beta)
    low, high = credible_interval(alpha, beta)
    return CompanyScore(
        counts=counts,
        qualified=True,
        baseline=mean,
        raw_rate=counts.returned / counts.new_clients,
        smoothed_rate=smoothed,
        score=score_of_rate(smoothed, mean),
        score_low=score_of_rate(low, mean),
        score_high=score_of_rate(high, mean),
    )


@dataclass(frozen=True)
class Computation:
    """Every company's score and every trade's baseline (by profession id;
    the platform's under None) on one day."""

    scores: dict[int, CompanyScore]
    baselines: dict[int | None, Baseline]


def compute(
    history: Mapping[int, Iterable[SessionFact]],
    trades: Mapping[int, int],
    *,
    on: date,
    rules: Rules,
) -> Computation:
    """The whole definition: ``history`` maps company ids to their sessions
    (companies without any may be absent), ``trades`` maps every company id
    to its primary trade. Baselines are given for the platform and for each
    trade with at least one scored company; the others borrow the
    platform's."""
    counts = {
        company_id: company_counts(history.get(company_id, ()), on=on, rules=rules)
        for company_id in trades
    }
    scored_by_trade: dict[int, list[Counts]] = {}
    for company_id, figures in counts.items():
        if figures.scored(rules):
            scored_by_trade.setdefault(trades[company_id], []).append(figures)
    platform = platform_baseline(
        TradeStats.of(c for group in scored_by_trade.values() for c in group), rules=rules
    )
    baselines: dict[int | None, Baseline] = {None: platform}
    for trade, group in scored_by_trade.items():
        baselines[trade] = trade_baseline(TradeStats.of(group), platform=platform, rules=rules)
    scores = {
        company_id: company_score(figures, baselines.get(trades[company_id], platform), rules=rules)
        for company_id, figures in counts.items()
    }
    return Computation(scores=scores, baselines=baselines)
