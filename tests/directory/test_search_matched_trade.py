"""Result cards show the trade that matched; companies for which it is a
secondary trade are grouped below the others."""

from __future__ import annotations

import pytest

from directory.search.query import SearchQuery
from directory.search.service import search_companies
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def names(companies) -> list[str]:
    return [company.trade_name for company in companies]


@pytest.fixture
def electricians(taxonomy, places):
    """One electrician by trade, a bit away; a tiler and a locksmith who
    also do electricity, right in the centre of Lyon."""
    return {
        "electricien": CompanyFactory(
            trade_name="Lumière Martin",
            primary_profession=taxonomy["electricien"],
            latitude=45.80,
            longitude=4.90,
        ),
        "carreleur": CompanyFactory(
            trade_name="Carreaux Bernard",
            primary_profession=taxonomy["carreleur"],
            other_professions=[taxonomy["electricien"]],
            latitude=45.7670,
            longitude=4.8360,
        ),
        "serrurier": CompanyFactory(
            trade_name="Clés Minute",
            primary_profession=taxonomy["serrurier"],
            other_professions=[taxonomy["electricien"]],
            latitude=45.7640,
            longitude=4.8400,
        ),
    }


def test_a_secondary_trade_match_is_grouped_after_primary_ones(electricians, taxonomy):
    result = search_companies(SearchQuery(text="électricien", place="Lyon"))
    assert result.grouped
    assert names(result.main_results) == ["Lumière Martin"]
    assert names(result.also_results) == ["Carreaux Bernard", "Clés Minute"]
    assert result.also_start == 2
    main, *also = result.page.object_list
    assert main.matched_trades == [taxonomy["electricien"]]
    assert not main.matched_as_secondary
    for company in also:
        assert company.matched_trades == [taxonomy["electricien"]]
        assert company.matched_as_secondary


def test_without_grouping_the_closest_secondary_match_would_have_ranked_first(electricians):
    # The grouping is what moves the farther electrician up (ranking.py).
    by_distance = search_companies(SearchQuery(text="électricien", place="Lyon", sort="distance"))
    assert not by_distance.grouped
    assert names(by_distance.main_results) == ["Carreaux Bernard", "Clés Minute", "Lumière Martin"]
    assert by_distance.also_results == []
    assert [c.matched_as_secondary for c in by_distance.page.object_list] == [True, True, False]


def test_sorting_by_name_does_not_group(electricians):
    result = search_companies(SearchQuery(text="électricien", place="Lyon", sort="name"))
    assert not result.grouped
    assert names(result.main_results) == ["Carreaux Bernard", "Clés Minute", "Lumière Martin"]


def test_two_trades_show_both_when_a_company_does_both(taxonomy, places):
    CompanyFactory(
        trade_name="Eaux Vives",
        primary_profession=taxonomy["plombier"],
        other_professions=[taxonomy["installateur-chauffage"]],
    )
    CompanyFactory(
        trade_name="Carreaux et Tuyaux",
        primary_profession=taxonomy["carreleur"],
        other_professions=[taxonomy["plombier"]],
    )
    result = search_companies(SearchQuery(text="plombiers chauffagistes", place="Lyon"))
    assert names(result.main_results) == ["Eaux Vives"]
    assert [t.slug for t in result.main_results[0].matched_trades] == [
        "plombier",
        "installateur-chauffage",
    ]
    assert names(result.also_results) == ["Carreaux et Tuyaux"]
    assert [t.slug for t in result.also_results[0].matched_trades] == ["plombier"]


def test_a_trade_and_a_name_show_the_matched_trade(electricians, taxonomy):
    result = search_companies(SearchQuery(text="électricien carreaux", place="Lyon"))
    assert names(result.page.object_list) == ["Carreaux Bernard"]
    company = result.page.object_list[0]
    assert company.matched_trades == [taxonomy["electricien"]]
    assert company.matched_as_secondary
    assert names(result.also_results) == ["Carreaux Bernard"]


def test_the_trade_filter_alone_groups_too(electricians, taxonomy):
    result = search_companies(SearchQuery(place="Lyon", profession=taxonomy["electricien"]))
    assert names(result.main_results) == ["Lumière Martin"]
    assert names(result.also_results) == ["Carreaux Bernard", "Clés Minute"]


def test_a_search_by_name_or_place_shows_the_main_trade(electricians):
    by_name = search_companies(SearchQuery(text="Clés Minute"))
    assert not by_name.grouped
    assert not hasattr(by_name.page.object_list[0], "matched_trades")
    by_place = search_companies(SearchQuery(place="Lyon"))
    assert not by_place.grouped
    assert len(by_place.main_results) == 3


def test_the_group_continues_across_pages(taxonomy, places):
    for i in range(22):
        CompanyFactory(trade_name=f"Élec {i:02d}", primary_profession=taxonomy["electricien"])
    for i in range(3):
        CompanyFactory(
            trade_name=f"Carreaux {i}",
            primary_profession=taxonomy["carreleur"],
            other_professions=[taxonomy["electricien"]],
            latitude=45.7670,
            longitude=4.8360,
        )
    first = search_companies(SearchQuery(text="électricien", place="Lyon"))
    assert len(first.main_results) == 20
    assert first.also_results == []
    second = search_companies(SearchQuery(text="électricien", place="Lyon", page=2))
    assert len(second.main_results) == 2
    assert names(second.also_results) == ["Carreaux 0", "Carreaux 1", "Carreaux 2"]
    assert second.also_start == 23


def test_cards_say_the_matched_trade_then_also_the_main_one(client, electricians):
    from tests.directory.test_search_page import text_of

    response = client.get("/recherche/", {"q": "électricien", "ou": "Lyon"})
    text = text_of(response)
    assert "Lumière Martin Électricien · Lyon (69)" in text
    assert "Font aussi ce métier" in text
    assert "Clés Minute Électricien · aussi Serrurier · Lyon (69)" in text
    assert "Carreaux Bernard Électricien · aussi Carreleur · Lyon (69)" in text
    assert text.index("Lumière Martin") < text.index("Font aussi ce métier")
    assert text.index("Font aussi ce métier") < text.index("Carreaux Bernard")
    html = response.content.decode()
    assert '<section class="also-results" aria-labelledby="also-title">' in html
    assert '<ol class="results" start="2">' in html
