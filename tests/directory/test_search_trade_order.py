"""A trade searched with no place is read in the order of an index
(``trade_rank_idx``: trade, primary first, trust score, company) instead
of a sort of every company of the trade. That order must be the ranking's:
primary trade first, then relevance (ranking.py), then the company id —
on every page of the site and every window of the API."""

from __future__ import annotations

import random

import pytest
from django.test import override_settings

from directory.companies.services import company_search_keys_sync
from directory.models import Company
from directory.search import ranking
from directory.search.query import SearchQuery, TradeMatch
from directory.search.service import _ranked_rows, search_companies, search_companies_window
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


@pytest.fixture
def home_helpers(taxonomy):
    """Companies of the three trades "aide à domicile" designates, primary
    in one, secondary in others, with tied and spread trust scores: the
    case where a secondary trade of a better score outranks a primary one
    of a lower score."""
    trades = [m.profession_id for m in match_trades("aide à domicile")]
    assert len(trades) >= 3
    rng = random.Random(11)
    by_pk = {p.pk: p for p in taxonomy.values()}
    ids = []
    for n in range(60):
        first = by_pk[trades[n % len(trades)]]
        others = [by_pk[t] for t in trades if t != first.pk and rng.random() < 0.4]
        outside = n % 7 == 0  # primary trade outside the search
        company = CompanyFactory(
            trade_name=f"Aide {n}",
            primary_profession=taxonomy["plombier"] if outside else first,
            other_professions=[first, *others] if outside else others,
            serves_consumers=True,
            serves_businesses=n % 5 == 0,
        )
        trust = rng.choice([0.5, 0.5, 0.25, 0.9, round(rng.random(), 3)])
        Company.objects.filter(pk=company.pk).update(trust_score=trust)
        ids.append(company.pk)
    company_search_keys_sync()
    return ids


@pytest.mark.parametrize("audience", ["", "b2b"])
@pytest.mark.parametrize("limit", [1, 4, 7])
def test_windows_of_several_trades_anywhere_match_the_full_ranking(home_helpers, audience, limit):
    """The API's window of a search of several trades with no place ranks a
    few candidates per trade (``_top_candidates`` on PostgreSQL): every
    window must be the full ranking's slice, the site's pages."""
    query = SearchQuery(text="aide à domicile", audience=audience)
    with override_settings(DIRECTORY_RESULTS_PER_PAGE=100):
        full = [c.pk for c in search_companies(query).page.object_list]
    assert len(full) > 10
    seen: list[int] = []
    offset, has_more = 0, True
    while has_more:
        window = search_companies_window(query, offset=offset, limit=limit)
        seen += [company.pk for company in window.companies]
        offset, has_more = offset + limit, window.has_more
    assert seen == full


@pytest.mark.parametrize("scores", [(1.0, 0.5, 0.3), (0.6, 1.0, 0.95), (0.9, 0.9, 0.9)])
@pytest.mark.parametrize("top", [1, 3, 8, 25])
def test_the_candidates_of_several_trades_hold_the_first_rows(home_helpers, scores, top):
    """Whatever the trades' scores — a secondary trade of a high score
    outranking a primary trade of a low one included — ranking only the
    candidates gives the full ranking's first ``top`` rows."""
    trades = [
        TradeMatch(m.profession_id, score, m.phrase)
        for m, score in zip(match_trades("aide à domicile"), scores, strict=False)
    ]
    query = SearchQuery(text="aide à domicile")
    full = list(_ranked_rows(query, trades, None, 50)[:top])
    assert list(_ranked_rows(query, trades, None, 50, top=top)[:top]) == full


@pytest.mark.parametrize("top", [1, 2, 3])
def test_a_primary_company_ranked_by_a_secondary_trade_is_a_candidate(taxonomy, top):
    """X does trade C (score 0.3) as its primary trade and trade A (score
    1.0) as a secondary one: its relevance comes from A (0.8 × 1.0), its
    group from C (primary). Companies of equal trust and lower id fill the
    first rows of both (C, primary) and (A, secondary): X is found only
    among the secondary rows of companies that have a primary matched
    trade — and must come first."""
    a, b, c = (m.profession_id for m in match_trades("aide à domicile")[:3])
    trades = [TradeMatch(a, 1.0), TradeMatch(b, 0.5), TradeMatch(c, 0.3)]
    by_pk = {p.pk: p for p in taxonomy.values()}

    def company(primary, others, trust):
        made = CompanyFactory(primary_profession=primary, other_professions=others)
        Company.objects.filter(pk=made.pk).update(trust_score=trust)
        return made.pk

    for _ in range(3):
        company(by_pk[c], [], 1.0)  # (C, primary), before X
        company(taxonomy["plombier"], [by_pk[a]], 1.0)  # (A, secondary), no primary: after X
        company(by_pk[a], [], 0.0)  # (A, primary): 0.80, below X's 0.89
    x = company(by_pk[c], [by_pk[a]], 1.0)
    company_search_keys_sync()
    query = SearchQuery(text="aide à domicile")
    full = list(_ranked_rows(query, trades, None, 50)[:top])
    assert full[0]["company_id"] == x
    assert list(_ranked_rows(query, trades, None, 50, top=top)[:top]) == full
