"""The nightly aggregates: one UPDATE of the companies whose figures
changed, then their trade rows."""

from __future__ import annotations

import pytest
from django.db import models

from directory.models import Company, CompanyProfession
from directory.search import ranking
from reviews.models import Review
from reviews.services.stats import company_review_stats_refresh

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db


def test_only_companies_whose_figures_changed_are_rewritten(client, invited):
    client.post(review_path(), REVIEW)
    review = Review.objects.get()
    company = Company.objects.get(pk=review.company_id)
    assert company.review_count == 1
    assert company_review_stats_refresh() == 0  # already in step
    Company.objects.filter(pk=company.pk).update(review_count=0, trust_score=0.0)
    assert company_review_stats_refresh() == 1
    company.refresh_from_db()
    assert company.review_count == 1
    assert company.rating_average == review.rating
    expected = ranking.trust(average_rating=review.rating, review_count=1)
    assert company.trust_score == pytest.approx(expected)
    trade_rows = CompanyProfession.objects.filter(company=company)
    assert {round(row.trust_score, 6) for row in trade_rows} == {round(expected, 6)}


def test_a_company_without_reviews_is_neutral(client, invited):
    company = Company.objects.exclude(reviews__isnull=False).first()
    Company.objects.filter(pk=company.pk).update(trust_score=0.9, review_count=3)
    company_review_stats_refresh(company_ids=[company.pk])
    company.refresh_from_db()
    assert (company.review_count, company.rating_average) == (0, None)
    assert company.trust_score == pytest.approx(ranking.trust())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_trust_score_is_the_one_the_loyalty_step_computes_from_the_stored_columns(
    taxonomy, places
):
    """The night's review figures and its loyalty step both write the trust
    score: computed from the fresh average (a numeric in PostgreSQL) it
    differed in its last digits from the one computed from the stored
    average, and the two steps rewrote the same companies every night."""
    from directory.bench.search import fill_companies
    from reviews.bench import fill_reviews

    fill_companies(80, show_progress=False)
    fill_reviews(600, show_progress=False)  # recounts the companies' figures
    Company.objects.update(loyalty_score=0.73)
    company_review_stats_refresh()
    from_columns = ranking.trust_of_columns(
        models.F("rating_average"), models.F("review_count"), models.F("loyalty_score")
    )
    companies = Company.objects.annotate(from_columns=from_columns)
    assert companies.filter(review_count__gt=1).count() > 20
    assert not companies.exclude(trust_score=models.F("from_columns")).exists()
    assert company_review_stats_refresh() == 0
