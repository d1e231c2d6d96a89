"""The loyalty score in search ranking (issue 13 § 3): score / 100 for a
scored company, exactly neutral (0.5) otherwise, half of trust, which is
20 % of relevance."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from directory.models import Company, CompanyProfession
from directory.search import ranking
from directory.search.query import SearchQuery
from directory.search.service import search_companies
from loyalty import recompute, score
from loyalty.models import LoyaltyScore, ServiceSession, SessionSource
from loyalty.recompute import scores_recompute
from reviews.services.stats import company_review_stats_refresh
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

_references = itertools.count()


def add(company, clients: int, returning: int) -> None:
    """``clients`` new clients 300 days ago, ``returning`` of them back 100
    days later."""
    today = timezone.localdate()
    ServiceSession.objects.bulk_create(
        ServiceSession(
            company=company,
            client_key=f"c{client}",
            performed_on=today - timedelta(days=days),
            source=SessionSource.FORM,
            reference=f"R-{next(_references)}",
        )
        for client, days in [(c, 300) for c in range(clients)]
        + [(c, 200) for c in range(returning)]
    )


@pytest.fixture
def electricians(taxonomy):
    """Three electricians alike but for their sessions, created in the order
    the tie-break (company id) would rank them."""

    def electrician(name: str) -> Company:
        return CompanyFactory(trade_name=name, primary_profession=taxonomy["electricien"])

    return {
        "neutral": electrician("Neutre"),
        "low": electrician("Peu fidèle"),
        "high": electrician("Très fidèle"),
    }


def ranked(taxonomy) -> list[str]:
    result = search_companies(
        SearchQuery(latitude=45.76, longitude=4.85, profession=taxonomy["electricien"])
    )
    return [company.trade_name for company in result.page.object_list]


def test_a_scored_company_with_loyal_clients_outranks_an_identical_neutral_one(
    electricians, taxonomy
):
    add(electricians["neutral"], 12, 12)  # 24 sessions: not qualified
    add(electricians["low"], 40, 2)
    add(electricians["high"], 40, 30)
    assert ranked(taxonomy) == ["Neutre", "Peu fidèle", "Très fidèle"]  # all neutral: by id
    scores_recompute()
    assert ranked(taxonomy) == ["Très fidèle", "Neutre", "Peu fidèle"]


def test_an_unscored_company_is_exactly_neutral_and_a_scored_one_ranks_by_score(electricians):
    add(electricians["neutral"], 12, 12)
    add(electricians["high"], 40, 30)
    scores_recompute()
    neutral = Company.objects.get(pk=electricians["neutral"].pk)
    assert neutral.loyalty_score is None
    assert neutral.trust_score == ranking.trust() == ranking.NEUTRAL
    high = Company.objects.get(pk=electricians["high"].pk)
    figures = LoyaltyScore.objects.get(company=high)
    whole = int(figures.score + 0.5) / 100  # the whole score the pro sees
    assert high.loyalty_score == whole
    assert high.trust_score == pytest.approx(ranking.trust(loyalty=whole))
    assert set(
        CompanyProfession.objects.filter(company=high).values_list("trust_score", flat=True)
    ) == {high.trust_score}


def test_a_move_of_a_fraction_of_a_point_rewrites_no_company(electricians):
    """The baselines move every score a little every night: only a change
    of the whole score (what the pro sees) reaches the companies."""
    add(electricians["high"], 40, 30)
    scores_recompute()
    high = electricians["high"]
    row = LoyaltyScore.objects.get(company=high)
    whole = int(row.score + 0.5)
    before = Company.objects.get(pk=high.pk).trust_score
    for nudged, rewritten in [(whole - 0.49, 0), (whole + 0.49, 0), (whole + 0.5, 1)]:
        LoyaltyScore.objects.filter(company=high).update(score=nudged)
        assert recompute._ranking_write() == rewritten, nudged
    after = Company.objects.get(pk=high.pk)
    assert after.loyalty_score == (whole + 1) / 100
    assert after.trust_score > before


def test_the_rating_and_the_loyalty_are_each_half_of_trust(electricians):
    add(electricians["high"], 40, 30)
    Company.objects.filter(pk=electricians["high"].pk).update(review_count=8, rating_average=4.5)
    scores_recompute()
    high = Company.objects.get(pk=electricians["high"].pk)
    assert high.trust_score == pytest.approx(
        ranking.trust(average_rating=4.5, review_count=8, loyalty=high.loyalty_score)
    )


def test_the_review_stats_keep_the_loyalty_part_of_trust(electricians):
    add(electricians["high"], 40, 30)
    scores_recompute()
    before = Company.objects.get(pk=electricians["high"].pk).trust_score
    assert before > ranking.NEUTRAL
    assert company_review_stats_refresh() == 0  # in step: nothing to rewrite
    Company.objects.filter(pk=electricians["high"].pk).update(trust_score=0.0)
    assert company_review_stats_refresh() == 1
    assert Company.objects.get(pk=electricians["high"].pk).trust_score == before


def test_a_company_that_loses_its_score_is_neutral_again(electricians):
    add(electricians["high"], 40, 30)
    scores_recompute()
    assert Company.objects.get(pk=electricians["high"].pk).loyalty_score is not None
    report = scores_recompute(rules=score.Rules(min_sessions=100))
    assert report.ranking_changed == 1
    high = Company.objects.get(pk=electricians["high"].pk)
    assert (high.loyalty_score, high.trust_score) == (None, ranking.NEUTRAL)


def test_loyalty_moves_relevance_by_at_most_five_hundredths():
    best = ranking.relevance(trust=ranking.trust(loyalty=1.0))
    worst = ranking.relevance(trust=ranking.trust(loyalty=0.0))
    neutral = ranking.relevance(trust=ranking.trust())
    assert best - neutral == pytest.approx(0.05)
    assert neutral - worst == pytest.approx(0.05)
