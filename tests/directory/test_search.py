"""The rules of search, on whichever database the suite runs on."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from directory.companies.services import company_search_keys_sync
from directory.models import Company, CompanyStatus
from directory.search.query import SearchQuery
from directory.search.service import search_companies, search_companies_window
from directory.search.trades import match_trades
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def names(result) -> list[str]:
    return [company.trade_name for company in result.page.object_list]


@pytest.fixture
def lyon_pros(taxonomy, places):
    """A small market around Lyon, plus one pro in Saint-Étienne."""
    return {
        "electricien": CompanyFactory(
            trade_name="Lumière Martin",
            primary_profession=taxonomy["electricien"],
            latitude=45.7640,
            longitude=4.8357,
        ),
        "plombier": CompanyFactory(
            trade_name="Eaux Vives Dupont",
            primary_profession=taxonomy["plombier"],
            other_professions=[taxonomy["installateur-chauffage"]],
            latitude=45.7500,
            longitude=4.8500,
        ),
        "nounou": CompanyFactory(
            trade_name="Petits Pas",
            primary_profession=taxonomy["garde-enfants"],
            latitude=45.7660,
            longitude=4.8795,
            place=places["villeurbanne"],
            city="Villeurbanne",
        ),
        "dentiste": CompanyFactory(
            trade_name="Centre Sourire",
            primary_profession=taxonomy["implantologie-dentaire"],
            latitude=45.7580,
            longitude=4.8320,
            serves_businesses=False,
        ),
        "stephanois": CompanyFactory(
            trade_name="Volt Forez",
            primary_profession=taxonomy["electricien"],
            latitude=45.4339,
            longitude=4.3900,
            intervention_radius_km=20,
            city="Saint-Étienne",
            postal_code="42000",
        ),
    }


@pytest.mark.parametrize("text", ["électricien", "electricien", "ÉLECTRICIEN", "Electriciens"])
def test_accents_case_and_plural_do_not_matter(lyon_pros, text):
    result = search_companies(SearchQuery(text=text, place="Lyon"))
    assert names(result) == ["Lumière Martin"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nounou", "Petits Pas"),
        ("chauffagiste", "Eaux Vives Dupont"),
        ("implant dentaire", "Centre Sourire"),
        ("plomberie", "Eaux Vives Dupont"),
    ],
)
def test_synonyms_resolve_to_their_trade(lyon_pros, text, expected):
    result = search_companies(SearchQuery(text=text, place="Lyon"))
    assert names(result) == [expected]


@pytest.mark.parametrize("text", ["electricein", "éléctricien", "electrisien"])
def test_a_typo_in_a_trade_is_tolerated(lyon_pros, text):
    result = search_companies(SearchQuery(text=text, place="Lyon"))
    assert names(result) == ["Lumière Martin"]


def test_a_typo_in_plumber_is_tolerated(lyon_pros):
    result = search_companies(SearchQuery(text="plombié", place="Lyon"))
    assert names(result) == ["Eaux Vives Dupont"]


def test_trade_words_inside_a_longer_query_still_match(lyon_pros):
    result = search_companies(SearchQuery(text="un électricien pas cher", place="Lyon"))
    assert names(result) == ["Lumière Martin"]


def test_company_name_is_searchable(lyon_pros):
    result = search_companies(SearchQuery(text="dupont", place="Lyon"))
    assert names(result) == ["Eaux Vives Dupont"]


def test_a_trade_and_a_name_find_that_trade_named_so(lyon_pros, taxonomy):
    CompanyFactory(trade_name="Dupont Électricité", primary_profession=taxonomy["electricien"])
    result = search_companies(SearchQuery(text="électricien Dupont", place="Lyon"))
    assert names(result) == ["Dupont Électricité"]  # not the plumber Dupont
    result = search_companies(SearchQuery(text="plombier dupont", place="Lyon"))
    assert names(result) == ["Eaux Vives Dupont"]


def test_company_names_match_whole_words(lyon_pros):
    assert names(search_companies(SearchQuery(text="Eaux Vives"))) == ["Eaux Vives Dupont"]
    assert names(search_companies(SearchQuery(text="vives eaux"))) == ["Eaux Vives Dupont"]
    assert names(search_companies(SearchQuery(text="Sourire"))) == ["Centre Sourire"]


def test_words_that_name_nobody_do_not_narrow_a_trade(lyon_pros):
    result = search_companies(SearchQuery(text="électricien Zyxwvut", place="Lyon"))
    assert names(result) == ["Lumière Martin"]


def test_legal_forms_and_articles_alone_are_not_a_search(lyon_pros):
    assert search_companies(SearchQuery(text="SARL et Fils", place="Lyon")).count == 0


@pytest.mark.parametrize(
    "text", ["yildiz", "Yıldız", "YILDIZ", "yıldız renovation", "Yildiz Rénovation"]
)
def test_names_with_latin_letters_without_accents_are_found_in_ascii(lyon_pros, text):
    CompanyFactory(trade_name="Yıldız Rénovation", legal_name="SARL YILDIZ")
    result = search_companies(SearchQuery(text=text, place="Lyon"))
    assert names(result) == ["Yıldız Rénovation"]


@pytest.mark.parametrize(
    ("trade_name", "text"),
    [
        ("Łukasz Wałęsa Bâtiment", "lukasz walesa"),
        ("Søren Ørsted Menuiserie", "soren orsted"),
        ("Þór & Guðrún", "thor gudrun"),
        ("Ħal Għaxaq Services", "hal ghaxaq"),
        ("Đurić Plâtrerie", "duric"),
        ("Weiß Électricité", "weiss"),
        ("Пушкин Кафе", "пушкин"),
    ],
)
def test_company_names_in_any_latin_spelling_are_found(lyon_pros, trade_name, text):
    CompanyFactory(trade_name=trade_name)
    result = search_companies(SearchQuery(text=text, place="Lyon"))
    assert names(result) == [trade_name]


def test_stored_names_are_renormalised_by_the_migration(lyon_pros):
    """Names stored by the former normal form ("y ld z") are recomputed."""
    migration = importlib.import_module("directory.migrations.0010_renormalize_search_names")
    company = CompanyFactory(trade_name="Yıldız Rénovation", legal_name="Yıldız")
    Company.objects.filter(pk=company.pk).update(search_name="y ld z renovation")
    untouched = Company.objects.get(trade_name="Petits Pas").search_name

    migration.renormalize(django_apps, None)

    assert Company.objects.get(pk=company.pk).search_name == "yildiz renovation yildiz"
    assert Company.objects.get(trade_name="Petits Pas").search_name == untouched
    assert names(search_companies(SearchQuery(text="yildiz", place="Lyon"))) == [
        "Yıldız Rénovation"
    ]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "typed",
    [
        "Dupond",
        # 4 of its 7 trigrams in "dupont" (0.57): found only because the
        # threshold is names.NAME_SIMILARITY_THRESHOLD, not pg_trgm's 0.6.
        "Dupomt",
    ],
)
def test_a_typo_in_a_company_name_is_tolerated_on_postgres(lyon_pros, typed):
    result = search_companies(SearchQuery(text=typed, place="Lyon"))
    assert names(result) == ["Eaux Vives Dupont"]


def window_names(query: SearchQuery, offset: int = 0, limit: int = 20) -> list[str]:
    window = search_companies_window(query, offset=offset, limit=limit)
    return [company.trade_name for company in window.companies]


@pytest.mark.postgres
@pytest.mark.parametrize("typed", ["Dupond", "dupomt", "DUPOND"])
def test_a_typo_in_a_name_is_tolerated_by_the_api_window_as_by_the_page(lyon_pros, typed):
    """The exact words are read first; only when they find nobody are
    names read despite typos, on the page and in the API's window alike,
    with or without a place."""
    assert window_names(SearchQuery(text=typed)) == ["Eaux Vives Dupont"]
    assert window_names(SearchQuery(text=typed, place="Lyon")) == ["Eaux Vives Dupont"]
    assert names(search_companies(SearchQuery(text=typed))) == ["Eaux Vives Dupont"]
    # Past the end of the typo results: nothing, and no error.
    assert window_names(SearchQuery(text=typed), offset=1) == []


@pytest.mark.postgres
def test_a_name_that_exists_is_not_read_as_a_typo_where_its_holders_are_not(lyon_pros):
    """ "Dupont" exists (in Lyon): near Saint-Étienne it finds nobody, rather
    than a "Dupond" of Saint-Étienne taken for a typo of it."""
    CompanyFactory(
        trade_name="Dupond Rénovation",
        primary_profession=lyon_pros["stephanois"].primary_profession,
        latitude=45.4339,
        longitude=4.3900,
        intervention_radius_km=20,
        city="Saint-Étienne",
        postal_code="42000",
    )
    query = SearchQuery(text="Dupont", place="Saint-Étienne")
    assert names(search_companies(query)) == []
    assert window_names(query) == []
    # Typed as it is spelt, the Stéphanois is found, and only it.
    assert window_names(SearchQuery(text="Dupond", place="Saint-Étienne")) == ["Dupond Rénovation"]
    # An exact name past the end of its results is not read again as a typo.
    assert window_names(SearchQuery(text="Dupont"), offset=1) == []


@pytest.mark.postgres
def test_a_trade_and_a_misspelt_name_find_the_named_company_of_the_trade(lyon_pros):
    CompanyFactory(
        trade_name="Plomberie Arnaud",
        primary_profession=lyon_pros["plombier"].primary_profession,
        latitude=45.7600,
        longitude=4.8400,
    )
    # Exactly spelt, misspelt: the plumber so named.
    assert window_names(SearchQuery(text="plombier Dupont")) == ["Eaux Vives Dupont"]
    assert window_names(SearchQuery(text="plombier Dupond")) == ["Eaux Vives Dupont"]
    # A name nobody of the trade has, nor anything like it: the trade's companies.
    assert sorted(window_names(SearchQuery(text="plombier Martin"))) == [
        "Eaux Vives Dupont",
        "Plomberie Arnaud",
    ]


@pytest.mark.postgres
def test_a_name_found_as_typed_costs_no_existence_query(lyon_pros):
    """A name search that finds its name reads the ranked rows and the
    companies: no EXISTS before them (at a million companies each costs
    the index's whole bitmap for a frequent word, ~5 ms); a trade and a
    name, one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as name_alone:
        assert window_names(SearchQuery(text="Dupont")) == ["Eaux Vives Dupont"]
    with CaptureQueriesContext(connection) as trade_and_name:
        assert window_names(SearchQuery(text="plombier Dupont")) == ["Eaux Vives Dupont"]
    existence = [
        [q["sql"] for q in captured if q["sql"].startswith("SELECT 1 AS")]
        for captured in (name_alone.captured_queries, trade_and_name.captured_queries)
    ]
    assert [len(found) for found in existence] == [0, 1]


@pytest.mark.postgres
def test_every_new_connection_has_the_name_similarity_threshold(db):
    """Set per session when the connection opens (connection_created), so
    that no search spends a transaction and a round trip setting it."""
    from django.db import connection

    from directory.search.names import NAME_SIMILARITY_THRESHOLD

    fresh = connection.copy()  # a new connection, opened by the cursor
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SHOW pg_trgm.word_similarity_threshold")
            assert float(cursor.fetchone()[0]) == NAME_SIMILARITY_THRESHOLD
    finally:
        fresh.close()


def test_company_is_found_only_where_its_intervention_radius_reaches(lyon_pros):
    # Volt Forez works within 20 km of Saint-Étienne, 50 km from Lyon.
    assert "Volt Forez" not in names(
        search_companies(SearchQuery(text="électricien", place="Lyon", radius_km=100))
    )
    assert "Volt Forez" in names(
        search_companies(SearchQuery(text="électricien", place="Saint-Étienne"))
    )


def test_search_radius_bounds_the_distance(lyon_pros):
    far_reaching = lyon_pros["stephanois"]
    far_reaching.intervention_radius_km = 100
    far_reaching.save()
    company_search_keys_sync(company_ids=[far_reaching.pk])
    assert "Volt Forez" in names(
        search_companies(SearchQuery(text="électricien", place="Lyon", radius_km=100))
    )
    assert "Volt Forez" not in names(
        search_companies(SearchQuery(text="électricien", place="Lyon", radius_km=20))
    )


@pytest.mark.parametrize("status", [CompanyStatus.PENDING, CompanyStatus.SUSPENDED])
def test_only_listed_companies_are_ever_found(lyon_pros, status):
    company = lyon_pros["electricien"]
    company.status = status
    company.save()
    company_search_keys_sync(company_ids=[company.pk])
    for query in (
        SearchQuery(text="électricien", place="Lyon"),
        SearchQuery(text="Lumière Martin"),
        SearchQuery(profession=company.primary_profession),
    ):
        assert "Lumière Martin" not in names(search_companies(query))


def test_secondary_trade_matches_but_ranks_below_primary(taxonomy, places):
    CompanyFactory(
        trade_name="Chaleur Pro",
        primary_profession=taxonomy["installateur-chauffage"],
        latitude=45.70,
        longitude=4.85,
    )
    CompanyFactory(
        trade_name="Aqua Services",
        primary_profession=taxonomy["plombier"],
        other_professions=[taxonomy["installateur-chauffage"]],
        latitude=45.7491,
        longitude=4.8479,
    )
    result = search_companies(SearchQuery(text="chauffagiste", place="Lyon"))
    assert names(result) == ["Chaleur Pro", "Aqua Services"]


def test_closer_company_ranks_first_at_equal_match(taxonomy, places):
    CompanyFactory(trade_name="Loin", primary_profession=taxonomy["couvreur"], latitude=45.9)
    CompanyFactory(trade_name="Près", primary_profession=taxonomy["couvreur"], latitude=45.75)
    result = search_companies(SearchQuery(text="couvreur", place="Lyon"))
    assert names(result) == ["Près", "Loin"]


def test_sort_by_distance_and_by_name(lyon_pros):
    by_distance = search_companies(SearchQuery(place="Villeurbanne", sort="distance"))
    distances = [c.distance_km for c in by_distance.page.object_list]
    assert distances == sorted(distances)
    assert names(by_distance)[0] == "Petits Pas"
    by_name = search_companies(SearchQuery(place="Lyon", sort="name"))
    assert names(by_name) == sorted(names(by_name))


def test_filters_by_trade_sector_and_audience(lyon_pros, taxonomy):
    electricien = taxonomy["electricien"]
    assert names(search_companies(SearchQuery(place="Lyon", profession=electricien))) == [
        "Lumière Martin"
    ]
    health = search_companies(
        SearchQuery(place="Lyon", sector=taxonomy["implantologie-dentaire"].sector)
    )
    assert names(health) == ["Centre Sourire"]
    lyon_pros["plombier"].serves_businesses = True
    lyon_pros["plombier"].save()
    company_search_keys_sync(company_ids=[lyon_pros["plombier"].pk])
    assert names(search_companies(SearchQuery(place="Lyon", audience="b2b"))) == [
        "Eaux Vives Dupont"
    ]


def test_postal_code_and_department_are_places(lyon_pros):
    by_postal_code = search_companies(SearchQuery(text="électricien", place="69003"))
    assert by_postal_code.position.place.name == "Lyon 3e Arrondissement"
    assert names(by_postal_code) == ["Lumière Martin"]
    by_department = search_companies(SearchQuery(text="électricien", place="42"))
    assert names(by_department) == ["Volt Forez"]


def test_a_postal_code_centres_on_its_commune_not_the_departements_largest_town(taxonomy, places):
    """33220 serves Port-Sainte-Foy (Dordogne) and Pineuilh (Gironde): a
    search there finds the pro next door, not the one in Bordeaux, 70 km off."""
    near = CompanyFactory(
        trade_name="Foy Électricité",
        primary_profession=taxonomy["electricien"],
        latitude=44.8436,
        longitude=0.2106,
        intervention_radius_km=20,
    )
    CompanyFactory(
        trade_name="Bordeaux Volts",
        primary_profession=taxonomy["electricien"],
        latitude=44.8378,
        longitude=-0.5792,
        intervention_radius_km=20,
    )
    result = search_companies(SearchQuery(text="électricien", place="33220"))
    assert names(result) == [near.trade_name]
    assert result.position.place.insee_code == "33324"
    assert "24335" in [p.insee_code for p in result.place.candidates]
    by_pair = search_companies(SearchQuery(text="électricien", place="33220 Port-Sainte-Foy"))
    assert by_pair.place.error != ""  # not a name: Port-Sainte-Foy-et-Ponchapt is
    by_name = search_companies(
        SearchQuery(text="électricien", place="33220 Port-Sainte-Foy-et-Ponchapt")
    )
    assert names(by_name) == [near.trade_name]


@pytest.mark.parametrize(
    ("place", "insee_code"),
    [
        ("Paris 15e", "75115"),
        ("Paris 15", "75115"),
        ("75015", "75115"),
        ("Lyon 3e", "69383"),
        ("Marseille 8e", "13208"),
        ("97400", "97411"),
        ("97200", "97209"),
        ("Fort-de-France", "97209"),
        ("Saint-Denis (974)", "97411"),
        ("Guadeloupe", "97101"),
        ("75007 Paris", "75107"),
        ("Paris Cedex 07", "75056"),
        ("69441 Lyon Cedex 03", "69123"),
        ("PARIS CEDEX 08", "75056"),
        ("Cherbourg-en-Cotentin", "50129"),
        ("Évry-Courcouronnes", "91228"),
        ("Valserhône", "01033"),
    ],
)
def test_every_place_of_the_issue_centres_the_search(taxonomy, places, place, insee_code):
    result = search_companies(SearchQuery(text="électricien", place=place))
    assert result.place.error == ""
    assert result.position.place.insee_code == insee_code
    assert result.page is not None


def test_coordinates_are_a_place(lyon_pros):
    result = search_companies(SearchQuery(text="nounou", latitude=45.766, longitude=4.88))
    assert names(result) == ["Petits Pas"]
    assert result.page.object_list[0].distance_km < 1


def test_unknown_place_explains_and_suggests_instead_of_guessing(lyon_pros):
    result = search_companies(SearchQuery(text="électricien", place="Lyom"))
    assert result.page is None
    assert "Lyom" in result.place.error
    assert [p.name for p in result.place.suggestions][:1] == ["Lyon"]


def test_unknown_trade_finds_nothing_and_suggests_close_trades(lyon_pros):
    result = search_companies(SearchQuery(text="electro", place="Lyon"))
    assert result.count == 0
    assert "electricien" in [trade.slug for trade in result.trade_suggestions]


def test_empty_query_runs_no_search(lyon_pros):
    result = search_companies(SearchQuery())
    assert result.page is None
    assert result.query.is_empty


@pytest.mark.parametrize(
    "text",
    [
        "x" * 10_000,
        "'; DROP TABLE directory_company; --",
        "<script>alert('x')</script>",
        "Robert'); DELETE FROM directory_place; --",
    ],
)
def test_hostile_text_is_just_text(lyon_pros, text):
    result = search_companies(SearchQuery(text=text, place="Lyon"))
    assert result.count == 0
    assert Company.objects.count() == 5


def test_control_characters_are_ignored(lyon_pros):
    result = search_companies(SearchQuery(text="\x00\x01 électricien\t", place="Lyon"))
    assert names(result) == ["Lumière Martin"]


@pytest.mark.parametrize("text", ["%_%", "🔌⚡", "  ", "--"])
def test_text_without_letters_or_digits_searches_like_no_text(lyon_pros, text):
    result = search_companies(SearchQuery(text=text, place="Lyon"))
    assert sorted(names(result)) == sorted(names(search_companies(SearchQuery(place="Lyon"))))


def test_page_out_of_range_shows_the_last_page(taxonomy, places):
    for i in range(25):
        CompanyFactory(trade_name=f"Toit {i:02d}", primary_profession=taxonomy["couvreur"])
    result = search_companies(SearchQuery(text="couvreur", place="Lyon", page=99))
    assert result.page.number == 2
    assert len(result.page.object_list) == 5
    assert search_companies(SearchQuery(text="couvreur", place="Lyon", page="abc")).page.number == 1


def test_match_trades_prefers_exact_names(taxonomy):
    matches = match_trades("plombier")
    assert matches[0].profession_id == taxonomy["plombier"].pk
    assert matches[0].score == 1.0


def test_two_trades_and_a_name(lyon_pros, taxonomy):
    result = search_companies(SearchQuery(text="plombier chauffagiste Dupont", place="Lyon"))
    assert names(result) == ["Eaux Vives Dupont"]
    by_name = search_companies(SearchQuery(text="plombier chauffagiste Dupont", sort="name"))
    assert names(by_name) == ["Eaux Vives Dupont"]


def test_a_company_with_two_matched_trades_is_listed_once(lyon_pros):
    result = search_companies(SearchQuery(text="plombier chauffagiste", place="Lyon"))
    assert names(result) == ["Eaux Vives Dupont"]
    assert result.count == 1
