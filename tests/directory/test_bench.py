"""The search benchmark's loader and query set (the timings themselves are
printed by ``make bench-search``, not asserted)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.bench.search import Timings, bench_queries, fill_companies, percentile, table
from directory.demo.generator import DemoGenerator
from directory.models import Company, CompanyProfession
from directory.search.query import SearchQuery
from directory.search.service import search_companies

pytestmark = pytest.mark.django_db


def test_the_query_set_has_fifty_realistic_queries(taxonomy, places):
    queries = bench_queries(DemoGenerator())
    assert len(queries) == 50
    assert {q.category for q in queries} == {
        "trade + city",
        "trade alone",
        "company name",
        "synonym",
        "typo",
    }


@pytest.mark.postgres
def test_copy_loader_writes_companies_search_can_find(taxonomy, places):
    assert fill_companies(40, show_progress=False) == 40
    assert Company.objects.listed().count() == 40
    demo = DemoGenerator().company(3)
    company = Company.objects.get(siren=demo.siren)
    links = CompanyProfession.objects.filter(company=company)
    assert {link.profession_id for link in links} == set(demo.profession_ids)
    primary = links.get(is_primary=True)
    assert primary.profession_id == company.primary_profession_id
    assert primary.is_listed
    assert (primary.latitude, primary.longitude) == (company.latitude, company.longitude)
    result = search_companies(SearchQuery(text=company.trade_name))
    assert company.trade_name in [c.trade_name for c in result.page.object_list]
    # Resuming adds only what is missing.
    assert fill_companies(40, show_progress=False) == 0


def test_command_refuses_a_database_not_meant_for_benchmarks(db):
    with pytest.raises(CommandError, match="_bench"):
        call_command("bench_search", companies=10)


def test_table_reports_percentiles_per_category():
    timings = {"typo": Timings(service=[1.0, 2.0], page=[3.0, 5.0], sql=[0.5, 1.0], results=[2, 4])}
    report = table(timings)
    assert "typo" in report
    assert "ALL" in report
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0
