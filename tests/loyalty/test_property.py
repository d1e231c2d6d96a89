"""Random session histories: the nightly computation writes what the
reference definition (loyalty/score.py) computes, company by company and
trade by trade. On PostgreSQL this compares the set-based statements with
the Python reference; everywhere, the counts are also checked against an
independent brute-force count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.models import Company
from loyalty import score
from loyalty.models import (
    LoyaltyScore,
    LoyaltySnapshot,
    ServiceSession,
    SessionSource,
    SessionStatus,
    TradeBaseline,
)
from loyalty.recompute import SCORE_FIGURES, scores_recompute
from loyalty.score import Rules, SessionFact
from tests.factories import CompanyFactory, ProfessionFactory

pytestmark = pytest.mark.django_db

ON = date(2026, 11, 30)
STATUSES = [SessionStatus.COMPLETED] * 6 + [SessionStatus.CANCELLED, SessionStatus.NO_SHOW]


@pytest.fixture
def companies():
    """Five companies: three of one trade, two of another."""
    trades = [ProfessionFactory(), ProfessionFactory()]
    return [CompanyFactory(primary_profession=trades[0 if n < 3 else 1]) for n in range(5)]


rules = st.builds(
    Rules,
    min_sessions=st.integers(1, 8),
    return_days=st.sampled_from([1, 5, 180]),
    window_days=st.sampled_from([1, 30, 365]),
    trade_min_companies=st.integers(1, 4),
)


@st.composite
def histories(draw):
    """(rules, sessions as (company index, client, days before ON, status)).
    Sessions come alone or as a client's pair ``gap`` days apart, the gap
    often on a boundary (same day, return_days, return_days + 1), the
    first day often on an edge of the window."""
    drawn = draw(rules)
    until = drawn.return_days
    start = until + drawn.window_days - 1
    span = start + 3
    day = st.one_of(st.integers(-2, span), st.sampled_from([0, until - 1, until, start, start + 1]))
    gap = st.one_of(
        st.sampled_from([0, 1, drawn.return_days, drawn.return_days + 1]), st.integers(0, span)
    )
    single = st.tuples(st.integers(0, 4), st.integers(0, 5), day, st.sampled_from(STATUSES)).map(
        lambda s: [s]
    )
    pair = st.tuples(
        st.integers(0, 4),
        st.integers(0, 5),
        day,
        gap,
        st.sampled_from(STATUSES),
        st.sampled_from(STATUSES),
    ).map(lambda p: [(p[0], p[1], p[2], p[4]), (p[0], p[1], p[2] - p[3], p[5])])
    groups = draw(st.lists(st.one_of(single, pair), max_size=40))
    return drawn, [session for group in groups for session in group]


def brute_force(sessions, *, on: date, rules: Rules) -> score.Counts:
    """Counts by another route: a client is new when their earliest
    completed day is in the window, and returned when their second
    distinct completed day is at most return_days after it."""
    done = [(key, day) for key, day, status in sessions if status == "completed" and day <= on]
    until = on - timedelta(days=rules.return_days)
    start = until - timedelta(days=rules.window_days - 1)
    new = returned = 0
    for key in {key for key, _ in done}:
        days = sorted({day for k, day in done if k == key})
        if start <= days[0] <= until:
            new += 1
            returned += len(days) > 1 and (days[1] - days[0]).days <= rules.return_days
    return score.Counts(len(done), new, int(returned))


def figures_of(result: score.CompanyScore) -> dict:
    return {
        "sessions": result.counts.sessions,
        "new_clients": result.counts.new_clients,
        "returned": result.counts.returned,
        "qualified": result.qualified,
        "baseline": result.baseline,
        "raw_rate": result.raw_rate,
        "smoothed_rate": result.smoothed_rate,
        "score": result.score,
        "score_low": result.score_low,
        "score_high": result.score_high,
    }


def same(stored, expected) -> bool:
    if isinstance(expected, float) and isinstance(stored, float):
        return stored == pytest.approx(expected, rel=1e-9, abs=1e-12)
    return stored == expected


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_the_nightly_computation_gives_the_reference_figures(companies, history):
    drawn_rules, drawn = history
    for model in (ServiceSession, LoyaltyScore, LoyaltySnapshot, TradeBaseline):
        model.objects.all().delete()
    ServiceSession.objects.bulk_create(
        ServiceSession(
            company=companies[index],
            client_key=f"client-{client}",
            performed_on=ON - timedelta(days=days),
            status=status,
            source=SessionSource.FORM,
            reference=f"S-{n}",
        )
        for n, (index, client, days, status) in enumerate(drawn)
    )
    by_company: dict[int, list[SessionFact]] = {}
    for index, client, days, status in drawn:
        by_company.setdefault(companies[index].pk, []).append(
            SessionFact(f"client-{client}", ON - timedelta(days=days), str(status))
        )
    trades = dict(Company.objects.values_list("pk", "primary_profession_id"))

    report = scores_recompute(on=ON, rules=drawn_rules)

    expected = score.compute(by_company, trades, on=ON, rules=drawn_rules)
    stored = {row["company_id"]: row for row in LoyaltyScore.objects.values()}
    assert set(stored) == set(trades)
    for company_id, result in expected.scores.items():
        assert result.counts == brute_force(
            by_company.get(company_id, []), on=ON, rules=drawn_rules
        )
        for name, value in figures_of(result).items():
            assert same(stored[company_id][name], value), (company_id, name)
    baselines = {row.profession_id: row for row in TradeBaseline.objects.all()}
    assert set(baselines) == set(expected.baselines)
    for trade, baseline in expected.baselines.items():
        row = baselines[trade]
        assert (row.source, row.companies) == (baseline.source, baseline.companies)
        assert same(row.mean, baseline.mean)
        assert same(row.prior_strength, baseline.strength)
    for company in Company.objects.all():
        result = expected.scores[company.pk]
        if result.score is None:
            assert company.loyalty_score is None
        else:
            assert same(company.loyalty_score, result.ranking_input)
    assert report.scored == sum(r.score is not None for r in expected.scores.values())
    # Idempotent: the same day again changes nothing.
    assert scores_recompute(on=ON, rules=drawn_rules).changed == 0
    assert list(LoyaltyScore.objects.values_list(*SCORE_FIGURES).order_by("pk")) == [
        tuple(stored[pk][name] for name in SCORE_FIGURES) for pk in sorted(stored)
    ]
