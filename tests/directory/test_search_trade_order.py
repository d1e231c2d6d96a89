"""A trade searched with no place is read in the order of an index
(``trade_rank_idx``: trade, primary first, trust score, company) instead
of a sort of every company of the trade. That order must be the ranking's:
primary trade first, then relevance (ranking.py), then the company id —
on every page of the site and every window of the API."""

from __future__ import annotations

import pytest
from django.test import override_settings

from directory.companies.services import company_search_keys_sync
from directory.models import Company
from directory.search import ranking
from directory.search.query import SearchQuery
from directory.search.service import search_companies, search_companies_window
from directory.search.trades import match_trades
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

# Ties on purpose (equal trust, primary and secondary alike), extremes.
TRUSTS = [0.5, 0.5, 0.73, 0.2, 0.9, 0.9, 0.61, 0.61, 0.05, 1.0, 0.33, 0.5, 0.0, 0.999]


@pytest.fixture
def electricians(taxonomy):
    """Electricians as primary trade, and others who do electricity too."""
    electricien = taxonomy["electricien"]
    companies = []
    for n, trust in enumerate(TRUSTS):
        secondary = n % 3 == 0
        company = CompanyFactory(
            trade_name=f"Pro {n}",
            primary_profession=taxonomy["plombier"] if secondary else electricien,
            other_professions=[electricien] if secondary else [],
            serves_consumers=n % 4 != 1,
            serves_businesses=True,
        )
        Company.objects.filter(pk=company.pk).update(trust_score=trust)
        companies.append(company)
    CompanyFactory(trade_name="Eaux", primary_profession=taxonomy["plombier"])
    company_search_keys_sync()
    return Company.objects.filter(pk__in=[c.pk for c in companies])


def expected(companies, text: str, *, audience: str = "") -> list[int]:
    """The ranking's order computed in Python (ranking.relevance)."""
    score = match_trades(text)[0].score
    rows = []
    for company in companies:
        if audience == "b2c" and not company.serves_consumers:
            continue
        primary = company.primary_profession.slug == "electricien"
        text_score = score if primary else score * ranking.SECONDARY_TRADE_FACTOR
        relevance = ranking.relevance(text=text_score, proximity=1.0, trust=company.trust_score)
        rows.append((not primary, -relevance, company.pk))
    return [pk for *_, pk in sorted(rows)]


@pytest.mark.parametrize("audience", ["", "b2c"])
@override_settings(DIRECTORY_RESULTS_PER_PAGE=4)
def test_every_page_of_a_trade_anywhere_is_in_ranking_order(electricians, audience):
    seen: list[int] = []
    for page in range(1, 6):
        result = search_companies(SearchQuery(text="électricien", audience=audience, page=page))
        seen += [company.pk for company in result.page.object_list]
        if not result.page.has_next():
            break
    assert seen == expected(electricians, "électricien", audience=audience)


def test_every_window_of_the_api_is_in_ranking_order(electricians):
    seen: list[int] = []
    offset, has_more = 0, True
    while has_more:
        window = search_companies_window(SearchQuery(text="électricien"), offset=offset, limit=3)
        seen += [company.pk for company in window.companies]
        offset, has_more = offset + 3, window.has_more
    assert seen == expected(electricians, "électricien")


def test_the_trade_filter_alone_is_in_ranking_order(electricians, taxonomy):
    query = SearchQuery(profession=taxonomy["electricien"])
    window = search_companies_window(query, offset=0, limit=50)
    assert [c.pk for c in window.companies] == expected(electricians, "électricien")
