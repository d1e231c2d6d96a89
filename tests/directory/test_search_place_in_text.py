"""A place typed in the trade box is read as the place
(directory.search.place_text.understand_place_in_text)."""

from __future__ import annotations

import pytest

import directory.search.place_text
import directory.search.service
from directory.search.query import SearchQuery, Understanding
from directory.search.service import search_companies
from tests.directory.test_search import lyon_pros, names  # noqa: F401  (fixture)
from tests.factories import CompanyFactory, PlaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(lyon_pros, taxonomy, places):  # noqa: F811
    CompanyFactory(
        trade_name="Plomberie Parisienne",
        primary_profession=taxonomy["plombier"],
        latitude=48.8412,
        longitude=2.3003,
        city="Paris",
        postal_code="75015",
    )
    CompanyFactory(
        trade_name="Lyon Elec",
        primary_profession=taxonomy["electricien"],
        latitude=48.8566,
        longitude=2.3522,
        city="Paris",
        postal_code="75004",
    )
    PlaceFactory(
        name="Villefranche-sur-Saône",
        department_code="69",
        latitude=45.9898,
        longitude=4.7189,
        population=36_000,
    )
    return lyon_pros


@pytest.mark.parametrize(
    ("typed", "text", "place"),
    [
        ("électricien Lyon", "électricien", "Lyon"),
        ("électricien à Lyon", "électricien", "Lyon"),
        ("électriciens près de Lyon", "électriciens", "Lyon"),
        ("Lyon électricien", "électricien", "Lyon"),
        ("électricien, Lyon", "électricien", "Lyon"),
        ("électricien pas cher Lyon", "électricien pas cher", "Lyon"),
        ("l'électricien lyon", "l'électricien", "lyon"),
    ],
)
def test_a_city_after_or_before_the_trade_is_the_place(market, typed, text, place):
    result = search_companies(SearchQuery(text=typed))
    assert result.understood == Understanding(text=text, place=place)
    assert result.query.text == text
    assert result.query.place == place
    assert result.position.place.name == "Lyon"
    # Lyon's electrician, not the one of Saint-Étienne nor "Lyon Elec" in Paris.
    assert names(result) == ["Lumière Martin"]


def test_a_postal_code_after_the_trade_is_the_place(market):
    result = search_companies(SearchQuery(text="plombier 69003"))
    assert result.understood == Understanding(text="plombier", place="69003")
    assert result.position.place.name == "Lyon 3e Arrondissement"
    assert names(result) == ["Eaux Vives Dupont"]  # not the Parisian plumber


def test_a_city_with_its_district_is_the_city(market):
    result = search_companies(SearchQuery(text="plombier paris 15"))
    assert result.understood.text == "plombier"
    assert result.understood.place.startswith("paris")
    assert result.position.place.name == "Paris 15e Arrondissement"
    assert names(result) == ["Plomberie Parisienne"]
    lyon = search_companies(SearchQuery(text="électricien Lyon 3e"))
    assert lyon.understood.text == "électricien"
    assert names(lyon) == ["Lumière Martin"]


@pytest.mark.parametrize("typed", ["électricien Saint-Étienne", "électricien saint etienne"])
def test_a_city_of_several_words_is_the_place(market, typed):
    result = search_companies(SearchQuery(text=typed))
    assert result.understood.text == "électricien"
    assert names(result) == ["Volt Forez"]


def test_a_company_named_after_a_city_is_still_found_by_name(market):
    result = search_companies(SearchQuery(text="lyon elec"))
    assert result.understood is None
    assert names(result) == ["Lyon Elec"]


def test_a_name_and_a_place_without_a_trade(market):
    result = search_companies(SearchQuery(text="dupont 69003"))
    assert result.understood == Understanding(text="dupont", place="69003")
    assert names(result) == ["Eaux Vives Dupont"]
    assert search_companies(SearchQuery(text="Sourire Lyon")).understood == Understanding(
        text="Sourire", place="Lyon"
    )


def test_the_where_box_wins_and_the_words_stay_in_the_text(market):
    # Near Paris, "Lyon" is read in company names: the electrician so named.
    result = search_companies(SearchQuery(text="électricien Lyon", place="Paris"))
    assert result.understood is None
    assert result.query.text == "électricien Lyon"
    assert result.position.place.name == "Paris"
    assert names(result) == ["Lyon Elec"]
    near_saint_etienne = search_companies(
        SearchQuery(text="électricien Lyon", place="Saint-Étienne")
    )
    assert near_saint_etienne.understood is None
    assert near_saint_etienne.count == 0  # no electrician named Lyon there


def test_coordinates_are_a_place_already(market):
    result = search_companies(SearchQuery(text="électricien Lyon", latitude=48.85, longitude=2.35))
    assert result.understood is None
    assert names(result) == ["Lyon Elec"]


@pytest.mark.parametrize(
    "typed",
    [
        "électricien Dupont",  # a name, not a place
        "électricien villefranche",  # only the start of a place's name
        "plombier 15",  # a bare number is not a département here
        "électricien Lyom",  # unknown place: the words stay words
        "électricien",
        "plombier chauffagiste",
        "Lyon",
        "zzzz yyyy",
    ],
)
def test_words_that_are_not_exactly_a_place_stay_in_the_text(market, typed):
    result = search_companies(SearchQuery(text=typed))
    assert result.understood is None
    assert result.query.text == typed


def test_at_most_two_places_are_looked_up(market, monkeypatch):
    calls = []
    real = directory.search.place_text.resolve_place

    def counting(raw):
        calls.append(raw)
        return real(raw)

    finds = []
    real_find = directory.search.place_text.find_place

    def counting_find(name, department=None):
        finds.append(name)
        return real_find(name, department)

    for module in (directory.search.place_text, directory.search.service):
        monkeypatch.setattr(module, "resolve_place", counting)
    monkeypatch.setattr(directory.search.place_text, "find_place", counting_find)
    for typed in (
        "électricien pas cher du tout vraiment zzz",
        "aaa bbb ccc ddd",
        "électricien " + "x " * 300,
        "plombier paris 15",
        "Martine Samson – Crèche privée",
    ):
        calls.clear()
        finds.clear()
        search_companies(SearchQuery(text=typed))
        assert len(calls) <= 2, calls
        assert len(finds) <= 2, finds


def test_a_leading_postal_code_before_a_name(market):
    result = search_companies(SearchQuery(text="69003 Dupont"))
    assert result.understood == Understanding(text="Dupont", place="69003")
    assert names(result) == ["Eaux Vives Dupont"]


def test_a_city_whose_name_starts_with_an_article(market, taxonomy):
    PlaceFactory(name="Le Mans", department_code="72", latitude=48.0061, longitude=0.1996)
    CompanyFactory(
        trade_name="Sarthe Élec",
        primary_profession=taxonomy["electricien"],
        latitude=48.0061,
        longitude=0.1996,
    )
    for typed in ("électricien Le Mans", "électricien au Mans", "électricien à le mans"):
        result = search_companies(SearchQuery(text=typed))
        assert names(result) == ["Sarthe Élec"], typed
