"""The search benchmark's loader and query set (the timings themselves are
printed by ``make bench-search``, not asserted)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from directory.bench.search import (
    BenchQuery,
    Timings,
    bench_queries,
    fill_companies,
    percentile,
    run_queries,
    table,
)
from directory.demo.generator import DemoGenerator
from directory.models import Company, CompanyProfession
from directory.search.query import SearchQuery
from directory.search.service import search_companies
from tests.factories import CompanyFactory

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


def test_every_timed_page_is_built_not_served_again(taxonomy, places, monkeypatch):
    for _ in range(3):
        CompanyFactory(primary_profession=taxonomy["plombier"], place=places["lyon"])
    queries = [BenchQuery("trade", "plombier"), BenchQuery("trade + city", "plombier", "Lyon")]
    built = []
    get = Client.get

    def counting(self, *args, **kwargs):
        with CaptureQueriesContext(connection) as captured:
            response = get(self, *args, **kwargs)
        assert response.status_code == 200
        built.append(len(captured))
        return response

    monkeypatch.setattr(Client, "get", counting)
    timings = run_queries(queries, repeat=3)
    assert sum(len(t.page) for t in timings.values()) == 6
    assert len(built) == 2 + 6  # the warm-up GET and each timed one
    assert all(made > 0 for made in built)  # each a search, none a kept page


def test_command_refuses_a_database_not_meant_for_benchmarks(db):
    with pytest.raises(CommandError, match="_bench"):
        call_command("bench_search", companies=10)


def test_table_reports_percentiles_per_category():
    timings = {"typo": Timings(service=[1.0, 2.0], page=[3.0, 5.0], sql=[0.5, 1.0], results=[2, 4])}
    report = table(timings)
    assert "typo" in report
    assert "ALL" in report
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0
