"""The nightly aggregates: one UPDATE of the companies whose figures
changed, then their trade rows."""

from __future__ import annotations

import pytest

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
