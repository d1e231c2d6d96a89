"""The demo looks like a directory: companies where people live, everyday
trades more often than rare ones, several answers to everyday searches."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command

from directory.companies.models import Company
from directory.demo.generator import DemoGenerator, place_weight, trade_weight
from directory.places.models import Place
from directory.search.query import SearchQuery
from directory.search.service import search_companies

pytestmark = pytest.mark.django_db

COMPANIES = 400


def companies_by_town(generator: DemoGenerator, count: int) -> Counter[str]:
    """Companies per town, Paris / Lyon / Marseille counted whole."""
    towns: Counter[str] = Counter()
    for index in range(count):
        city = generator.company(index).city
        towns[city.split(" ")[0] if "Arrondissement" in city else city] += 1
    return towns


def test_big_towns_get_more_companies_than_small_ones(taxonomy, places):
    towns = companies_by_town(DemoGenerator(), COMPANIES)
    population = {
        "Paris": Place.objects.get(insee_code="75056").population,
        "Lyon": Place.objects.get(insee_code="69123").population,
        "Villeurbanne": places["villeurbanne"].population,
        "Aurillac": Place.objects.get(insee_code="15014").population,
    }
    assert population["Paris"] > population["Lyon"] > population["Villeurbanne"]
    assert population["Villeurbanne"] > population["Aurillac"]
    assert towns["Paris"] > towns["Lyon"] > towns["Villeurbanne"] > towns["Aurillac"]
    # Paris alone holds more than a third of the sample's inhabitants.
    assert towns["Paris"] > COMPANIES / 3
    # Every company is in a town of the gazetteer, of 1,000 people or more.
    assert set(towns) <= set(Place.objects.values_list("name", flat=True)) | {
        "Paris",
        "Lyon",
        "Marseille",
    }


def test_everyday_trades_are_more_frequent_than_rare_ones(taxonomy, places):
    generator = DemoGenerator()
    trades = Counter(generator.company(index).profession_ids[0] for index in range(COMPANIES * 2))
    everyday = [taxonomy[slug].pk for slug in ("electricien", "plombier", "assistante-maternelle")]
    rare = [taxonomy[slug].pk for slug in ("antenniste", "genealogiste", "magicien")]
    assert min(trades[pk] for pk in everyday) > max(trades[pk] for pk in rare)
    assert sum(trades[pk] for pk in everyday) > 5 * sum(trades[pk] for pk in rare)


def test_weights_follow_the_documented_rule():
    assert trade_weight("electricien") > trade_weight("couvreur") > trade_weight("antenniste")
    # Above a commune's own share: a city of 500,000 weighs more than ten of 50,000.
    assert place_weight(500_000) > 10 * place_weight(50_000)
    # An arrondissement weighs its share of its whole city.
    assert place_weight(100_000, 500_000) == pytest.approx(place_weight(500_000) / 5)


def test_the_same_seed_gives_the_same_companies_and_another_seed_others(taxonomy, places):
    first, again, other = DemoGenerator(7), DemoGenerator(7), DemoGenerator(8)
    assert [first.company(i) for i in range(20)] == [again.company(i) for i in range(20)]
    assert [first.company(i) for i in range(20)] != [other.company(i) for i in range(20)]
    # The SIREN depends on the index only: re-seeding never duplicates one.
    assert first.company(3).siren == other.company(3).siren


def test_seed_demo_takes_a_seed(taxonomy, places):
    call_command("seed_demo", companies=30, seed=11, no_accounts=True, verbosity=0)
    names = set(Company.objects.values_list("trade_name", flat=True))
    assert names == {DemoGenerator(11).company(i).trade_name for i in range(30)}


EVERYDAY_SEARCHES = [("électricien", "Lyon"), ("plombier", "Paris"), ("nounou", "Lyon 3e")]


def test_everyday_searches_list_several_companies_on_the_sample(taxonomy, places):
    call_command("seed_demo", companies=2 * COMPANIES, no_accounts=True, verbosity=0)
    for text, place in EVERYDAY_SEARCHES:
        result = search_companies(SearchQuery(text=text, place=place))
        assert result.count >= 3, (text, place, result.count)


@pytest.mark.slow
def test_everyday_searches_list_several_companies_on_the_whole_gazetteer(taxonomy):
    """What ``make run`` shows: the whole gazetteer and 2,000 companies."""
    call_command("load_places", verbosity=0)
    call_command("seed_demo", companies=2000, no_accounts=True, verbosity=0)
    for text, place in EVERYDAY_SEARCHES:
        result = search_companies(SearchQuery(text=text, place=place))
        assert result.count >= 4, (text, place, result.count)
        assert len({company.city for company in result.page.object_list}) >= 2, (text, place)
