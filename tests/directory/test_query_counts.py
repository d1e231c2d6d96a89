"""No page of the search journey may issue a number of queries that grows
with the number of results (N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10


def statements(captured) -> list[str]:
    """Queries that touch data; the savepoints of the test's own
    transaction do not count."""
    return [
        q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


@pytest.fixture
def many_electricians(taxonomy, places):
    return [
        CompanyFactory(
            trade_name=f"Élec {i:02d}",
            primary_profession=taxonomy["electricien"],
            other_professions=[taxonomy["plombier"]],
            place=places["lyon"],
        )
        for i in range(25)
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/recherche/?q=electricien&ou=Lyon",
        "/recherche/?q=electricien&ou=Lyon&page=2",
        "/recherche/?q=electricien&ou=Lyom",
        # Every company does plumbing as a secondary trade: one group, below.
        "/recherche/?q=plombier&ou=Lyon",
        "/recherche/?q=electricien+plombier&ou=Lyon&page=2",
        # A place typed in the trade box.
        "/recherche/?q=electricien+Lyon",
        "/recherche/?q=lyon+elec",
        # Nothing found: the empty state's suggestions and wider search.
        "/recherche/?q=zzzz&ou=Lyon",
        "/recherche/?q=nounou&ou=69003",
        "/recherche/?q=electricien&ou=Saint-Etienne&rayon=10",
        "/recherche/",
        "/metiers/",
        "/metiers/electricien/",
        "/secteurs/habitat/",
    ],
)
def test_journey_pages_make_a_small_fixed_number_of_queries(client, many_electricians, url):
    client.get(url)  # warm the trade-term cache, as in production
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(statements(queries)) <= MAX_QUERIES, statements(queries)


def test_company_page_query_count_does_not_grow_with_trades(client, many_electricians):
    company = many_electricians[0]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(company.get_absolute_url()).status_code == 200
    # company, trades, photos, certifications, review sanction, removed reviews,
    # invitation rule and ratio, vetting check decisions
    assert len(statements(queries)) <= 8
