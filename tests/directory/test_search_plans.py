"""On PostgreSQL, search reads companies through its indexes.

The test database is tiny, so the planner would rightly scan; with
sequential scans disabled, a plan that still scans a table means no index
can answer the query — for instance because the SQL of an indexed
expression drifted from the index's."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.search.query import SearchQuery
from directory.search.service import search_companies
from tests.factories import CompanyFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def plans(query: SearchQuery) -> str:
    with CaptureQueriesContext(connection) as captured:
        search_companies(query)
    counts = [q["sql"] for q in captured if q["sql"].startswith("SELECT COUNT(*)")]
    assert counts, "the search counted nothing"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        output = []
        for sql in counts:
            cursor.execute(f"EXPLAIN {sql}")
            output += [row[0] for row in cursor.fetchall()]
    return "\n".join(output)


@pytest.fixture
def companies(taxonomy, places):
    CompanyFactory(trade_name="Lumière Martin", primary_profession=taxonomy["electricien"])
    CompanyFactory(trade_name="Eaux Vives", primary_profession=taxonomy["plombier"])


def test_trade_near_a_place_uses_the_trade_index(companies):
    plan = plans(SearchQuery(text="électricien", place="Lyon"))
    # trade_search_idx at scale; on a tiny table the unique (trade, company)
    # index may look as cheap. Never a scan of the table.
    assert re.search(r"Index (Only )?Scan using \w+ on directory_companyprofession", plan)
    assert "Seq Scan" not in plan


def test_place_alone_uses_the_place_index(companies):
    plan = plans(SearchQuery(place="Lyon"))
    assert "place_search_idx" in plan
    assert "Seq Scan" not in plan


def test_company_name_uses_the_full_text_index(companies):
    plan = plans(SearchQuery(text="Lumière Martin"))
    assert "directory_company_name_words" in plan
    assert "Seq Scan on directory_company " not in plan


def row_plans(query: SearchQuery) -> str:
    """The plans of the statement that reads the page's ranked rows."""
    with CaptureQueriesContext(connection) as captured:
        search_companies(query)
    rows = [q["sql"] for q in captured if "primary_match" in q["sql"]]
    assert rows, "no ranked rows were read"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        output = []
        for sql in rows:
            cursor.execute(f"EXPLAIN {sql}")
            output += [row[0] for row in cursor.fetchall()]
    return "\n".join(output)


@pytest.mark.parametrize("text", ["électricien", "plombier chauffagiste"])
def test_ranked_rows_grouped_by_primary_trade_read_the_trade_index(companies, taxonomy, text):
    CompanyFactory(
        trade_name="Carreaux",
        primary_profession=taxonomy["carreleur"],
        other_professions=[taxonomy["electricien"], taxonomy["plombier"]],
    )
    plan = row_plans(SearchQuery(text=text, place="Lyon"))
    assert "Seq Scan on directory_companyprofession" not in plan
    assert re.search(r"Index (Only )?Scan using \w+ on directory_companyprofession", plan)


def test_a_trade_anywhere_reads_its_page_in_index_order(companies):
    """No place: the first page is the first rows of trade_rank_idx, with
    no sort of every company of the trade (1M companies: ~50,000
    electricians). With a filter (audience), the planner of a tiny table
    rightly prefers a sort of its two rows; `make bench-search` shows
    the plan at scale."""
    plan = row_plans(SearchQuery(text="électricien"))
    assert "trade_rank_idx" in plan
    assert "Sort" not in plan


def ranked_outputs(query: SearchQuery) -> str:
    """The sort keys and output columns of the search's ranking queries
    (EXPLAIN VERBOSE)."""
    with CaptureQueriesContext(connection) as captured:
        search_companies(query)
    ranked = [q["sql"] for q in captured if '"relevance"' in q["sql"]]
    assert ranked, "the search ranked nothing"
    lines = []
    with connection.cursor() as cursor:
        for sql in ranked:
            cursor.execute(f"EXPLAIN VERBOSE {sql}")
            lines += [
                row[0]
                for row in cursor.fetchall()
                if row[0].strip().startswith(("Sort Key:", "Output:"))
            ]
    return "\n".join(lines)


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(text="électricien", place="Lyon"),
        SearchQuery(text="électricien plombier", place="Lyon"),
        SearchQuery(text="électricien Martin"),
        SearchQuery(text="électricien", place="Lyon", sort="rating"),
        SearchQuery(text="électricien", sort="rating"),
        SearchQuery(place="Lyon"),
        SearchQuery(text="Lumière Martin", place="Lyon"),
        SearchQuery(text="électricien", place="Lyon", sort="distance"),
    ],
    ids=[
        "trade-place",
        "two-trades",
        "trade-name",
        "rating-place",
        "rating",
        "place",
        "name-place",
        "distance",
    ],
)
def test_ranking_arithmetic_is_in_double_precision(companies, query):
    """A bare 0.8 is numeric to PostgreSQL: in the score's CASE it made the
    arithmetic of every ranked row numeric (a quarter of the time of a big
    city's trade, 30,000 rows). Every per-row value of the ranking is a
    float: EXPLAIN shows a float constant quoted and typed ('0.8'::double
    precision), a numeric one bare (0.8) or cast (::numeric)."""
    outputs = ranked_outputs(query)
    assert "numeric" not in outputs, outputs
    assert not re.findall(r"(?<![\w'.])\d+\.\d+(?![\d'])", outputs), outputs
