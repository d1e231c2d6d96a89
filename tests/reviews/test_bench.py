"""The partner API benchmark (``make bench-api``): what it generates and
what it measures, at a small size (the timings themselves are printed,
not asserted). COPY and VACUUM need PostgreSQL."""

from __future__ import annotations

import random

import pytest
from django.core.management import CommandError, call_command
from django.test.utils import override_settings

from directory.bench.search import BenchQuery, fill_companies
from directory.models import Company
from partners.models import PartnerKey
from reviews import bench
from reviews.models import Invoice, Reply, Review, ReviewStatus


@pytest.mark.parametrize(("companies", "reviews"), [(1, 1), (7, 100), (500, 12_345)])
def test_volumes_add_up_to_the_reviews_asked(companies, reviews):
    counts = list(bench.review_volumes(list(range(companies)), reviews, random.Random(1)))
    assert len(counts) == companies
    assert sum(counts) == reviews
    assert min(counts) >= 0


def test_about_half_the_companies_have_reviews_in_a_long_tail():
    counts = list(bench.review_volumes(list(range(100_000)), 200_000, random.Random(2)))
    reviewed = [n for n in counts if n]
    assert 0.45 < len(reviewed) / len(counts) < 0.6
    assert max(counts) >= bench.BIG_REVIEWS[0]  # a few much-reviewed companies


@pytest.mark.django_db
def test_the_command_refuses_a_database_not_named_for_benchmarks():
    with pytest.raises(CommandError, match="_bench"):
        call_command("bench_api", companies=1, reviews=1)


def test_the_table_says_which_targets_are_met():
    fast = bench.Timings(api=[5.0, 6.0], sql=[1.0, 2.0], queries=[3])
    slow = bench.Timings(api=[40.0, 50.0], sql=[1.0, 2.0], queries=[9])
    printed = bench.table(
        {
            "companies: typo": fast,
            "companies/{slug}": slow,
            "reviews feed: page 1": fast,
            "reviews feed: page 1,000": fast,
        }
    )
    assert "companies (all searches)" in printed
    assert "p95 ≤ 30 ms: ok" in printed
    assert "p95 ≤ 15 ms: MISSED" in printed
    assert "feed page 1,000 / page 1: p50 × 1.00" in printed
    assert "SOME MISSED" in printed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fill_then_time_every_endpoint(taxonomy, places):
    fill_companies(60, show_progress=False)
    assert bench.fill_reviews(400, show_progress=False) == 400
    assert Review.objects.filter(status=ReviewStatus.PUBLISHED).count() == 400
    assert Invoice.objects.count() == 400
    assert Reply.objects.exists()
    # The companies' figures are recounted: search ranks by them.
    assert sum(Company.objects.values_list("review_count", flat=True)) == 400
    assert bench.fill_reviews(400, show_progress=False) == 0  # kept for the next run

    plan = bench.Plan(
        search_repeat=1, detail_companies=3, detail_repeat=1, feed_repeat=2, feed_pages=3
    )
    queries = [BenchQuery("trade + city", "électricien", "Lyon"), BenchQuery("typo", "plombeir")]
    with override_settings(API_RATE_LIMITS=bench.lifted_rate_limits()), bench.bench_key() as key:
        rows = bench.run(key, plan, queries)
    assert not PartnerKey.objects.exists()  # the run's key is deleted after it
    assert list(rows) == [
        "companies: trade + city",
        "companies: typo",
        "companies/{slug}",
        "companies/{slug}/reviews",
        "reviews feed: page 1",
        "reviews feed: page 3",
    ]
    assert all(t.api and len(t.api) == len(t.sql) for t in rows.values())
    printed = bench.table(rows)
    assert "feed page 3 / page 1" in printed
