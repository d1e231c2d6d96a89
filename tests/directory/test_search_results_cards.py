"""Result cards people understand (the trade that matched, the rating, the
badges, one link), sorting by rating, the "avec avis vérifiés" filter and
filters that do not validate."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.search import ranking
from directory.search.query import SearchQuery
from directory.search.service import search_companies
from tests.directory.test_query_counts import MAX_QUERIES, statements
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def cards(response) -> list[str]:
    """The HTML of each result card, in page order."""
    return re.findall(r'<li class="card result">(.*?)</li>', response.content.decode(), re.S)


def text(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def names(response) -> list[str]:
    return [
        text(re.search(r"<h[34][^>]*>(.*?)</h[34]>", card, re.S).group(1))
        for card in cards(response)
    ]


@pytest.fixture
def rated(taxonomy, places):
    """Electricians in Lyon with different reviews, and a tiler who also
    does electricity. Same position: relevance alone cannot order them."""
    electricien = taxonomy["electricien"]

    def company(name, average=None, count=0, **extra):
        return CompanyFactory(
            trade_name=name,
            primary_profession=extra.pop("primary_profession", electricien),
            rating_average=average,
            review_count=count,
            **extra,
        )

    return {
        "one_perfect": company("Un Avis Parfait", 5.0, 1),
        "many_good": company("Quarante Bons Avis", 4.6, 40),
        "ten_fair": company("Dix Avis Moyens", 4.2, 10),
        "few_poor": company("Deux Avis Décevants", 2.0, 2),
        "none": company("Sans Avis Encore"),
        "tiler": company(
            "Carreaux Avis",
            4.9,
            12,
            primary_profession=taxonomy["carreleur"],
            other_professions=[electricien],
        ),
    }


def test_a_card_shows_the_matched_trade_rating_and_badges(client, rated):
    response = client.get("/recherche/", {"q": "électricien", "ou": "Lyon"})
    by_name = dict(zip(names(response), cards(response), strict=True))
    card = text(by_name["Quarante Bons Avis"])
    assert "Électricien · Lyon (69)" in card
    assert "★★★★★" in card  # 4.6 rounds to five stars, printed beside
    assert "4,6 /5 · 40 avis vérifiés" in card
    assert "Note moyenne 4,6 sur 5" in card  # what a screen reader says
    assert "Entreprise vérifiée" in card
    assert "Particuliers" in card
    assert "Pas encore d'avis vérifié" not in card

    one = text(by_name["Un Avis Parfait"])
    assert "5,0 /5 · 1 avis vérifié" in one

    none = text(by_name["Sans Avis Encore"])
    assert "Pas encore d'avis vérifié" in none
    assert "★" not in none
    assert "/5" not in none

    # A secondary trade says so, under the "Font aussi ce métier" heading
    # (h3): that card's name is one level below.
    assert "Électricien · aussi Carreleur" in text(by_name["Carreaux Avis"])
    assert re.search(
        r'<h4 class="result-name"><a [^>]*>Carreaux Avis</a></h4>', by_name["Carreaux Avis"]
    )
    assert re.search(
        r"<h3 class=\"result-name\"><a [^>]*>Sans Avis Encore</a></h3>", by_name["Sans Avis Encore"]
    )


def test_the_card_shows_the_trade_when_nothing_was_typed(client, rated):
    response = client.get("/recherche/", {"ou": "Lyon"})
    by_name = dict(zip(names(response), cards(response), strict=True))
    assert text(by_name["Carreaux Avis"]).startswith("C Carreaux Avis Carreleur · Lyon (69)")


def test_a_card_is_one_link_named_by_the_company(client, rated):
    response = client.get("/recherche/", {"q": "électricien", "ou": "Lyon"})
    assert len(cards(response)) == 6
    for card, company in zip(cards(response), names(response), strict=True):
        anchors = re.findall(r"<a\b[^>]*>(.*?)</a>", card, re.S)
        assert [text(anchor) for anchor in anchors] == [company]
        # Nothing else interactive inside the card.
        assert not re.search(r"<(button|input|select|textarea|details)\b", card)
        assert 'class="result-link"' in card


def test_sort_by_rating_puts_the_best_smoothed_average_first(client, rated):
    response = client.get("/recherche/", {"q": "électricien", "ou": "Lyon", "tri": "rating"})
    assert names(response) == [
        "Quarante Bons Avis",  # 4.6 × 40 → 4.42 smoothed
        "Carreaux Avis",  # 4.9 × 12 → 4.34 (no grouping by primary trade under this sort)
        "Dix Avis Moyens",  # 4.2 × 10 → 3.8
        "Un Avis Parfait",  # 5.0 × 1 → 3.3
        "Deux Avis Décevants",  # 2.0 × 2 → 2.7
        "Sans Avis Encore",  # no review: after every reviewed company
    ]
    assert 'value="rating" selected' in response.content.decode()


def test_the_sql_order_is_the_documented_rule(rated):
    result = search_companies(SearchQuery(text="électricien", place="Lyon", sort="rating"))
    companies = list(result.page.object_list)
    keys = [
        ranking.rating_sort_key(c.rating_average, c.review_count, c.relevance) for c in companies
    ]
    assert keys == sorted(keys, reverse=True)
    assert ranking.smoothed_stars(5.0, 1) < ranking.smoothed_stars(4.6, 40)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "électricien carreleur", "ou": "Lyon"},  # two trades: grouped rows
        {"q": "avis"},  # a search by name: company rows
        {"ou": "Lyon"},  # a place alone
        {"metier": "electricien"},  # the trade filter alone
    ],
    ids=["two-trades", "name", "place", "trade-filter"],
)
def test_sort_by_rating_on_every_kind_of_search(client, rated, params):
    response = client.get("/recherche/", {**params, "tri": "rating"})
    found = names(response)
    assert found, params
    companies = {c.trade_name: c for c in rated.values()}
    keys = [
        ranking.rating_sort_key(companies[n].rating_average, companies[n].review_count)[:3]
        for n in found
    ]
    assert keys == sorted(keys, reverse=True), found


@pytest.mark.parametrize(
    "params",
    [
        {"q": "électricien", "ou": "Lyon"},
        {"q": "électricien carreleur", "ou": "Lyon"},
        {"q": "avis"},
        {"ou": "Lyon", "tri": "rating"},
        {"q": "électricien", "tri": "name"},
    ],
)
def test_the_reviewed_filter_keeps_companies_with_verified_reviews(client, rated, params):
    response = client.get("/recherche/", {**params, "avis": "on"})
    found = names(response)
    assert found
    assert "Sans Avis Encore" not in found
    assert "Pas encore d'avis vérifié" not in response.content.decode()
    assert 'name="avis" id="id_avis" checked' in response.content.decode()
    everyone = names(client.get("/recherche/", params))
    assert set(everyone) - set(found) == {"Sans Avis Encore"}


def test_the_reviewed_filter_alone_is_not_a_search(client, rated):
    response = client.get("/recherche/", {"avis": "on"})
    assert cards(response) == []
    assert "Parcourir par secteur" in response.content.decode()


def test_the_reviewed_filter_that_excludes_everyone_shows_the_empty_state(client, taxonomy, places):
    CompanyFactory(trade_name="Plomberie Sans Avis", primary_profession=taxonomy["plombier"])
    response = client.get("/recherche/", {"q": "plombier", "ou": "Lyon", "avis": "1"})
    assert cards(response) == []
    assert "Aucun professionnel" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "ignored"),
    [
        ({"tri": "best"}, "Trier par — Sélectionnez un choix valide"),
        ({"tri": "rating'; DROP TABLE x"}, "Trier par — Sélectionnez un choix valide"),
        ({"rayon": "abc"}, "Rayon de recherche — Sélectionnez un choix valide"),
        ({"rayon": "5000"}, "Rayon de recherche — Sélectionnez un choix valide"),
        ({"metier": "inconnu"}, "Métier — Sélectionnez un choix valide"),
        ({"secteur": "nulle-part"}, "Secteur — Sélectionnez un choix valide"),
        ({"clientele": "b2x"}, "Clientèle — Sélectionnez un choix valide"),
        ({"lat": "45"}, "Position — Les coordonnées"),
        ({"lat": "north", "lng": "4.8"}, "Saisissez un nombre"),
    ],
)
def test_a_filter_that_does_not_validate_is_ignored_and_said(client, rated, params, ignored):
    response = client.get("/recherche/", {"q": "électricien", "ou": "Lyon", **params})
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "Certains filtres de ce lien n’ont pas été compris et ont été ignorés" in page
    assert ignored in page
    # The search ran without it.
    assert len(cards(response)) == 6
    # The page's links repeat the valid search only.
    for key in params:
        assert (
            f"{key}="
            not in re.sub(r'name="[^"]*"', "", response.content.decode()).split("<ol", 1)[-1]
        )


def test_several_bad_filters_are_all_ignored_and_good_ones_kept(client, rated):
    response = client.get(
        "/recherche/",
        {"q": "électricien", "ou": "Lyon", "tri": "x", "rayon": "y", "avis": "on"},
    )
    page = text(response.content.decode())
    assert "Trier par — " in page
    assert "Rayon de recherche — " in page
    assert "Sans Avis Encore" not in names(response)
    assert len(cards(response)) == 5


def test_a_bad_text_is_still_an_error_not_a_silent_search(client, rated):
    response = client.get("/recherche/", {"q": "x" * 500, "ou": "Lyon", "tri": "rating"})
    assert response.status_code == 200
    assert "Merci de corriger votre recherche" in response.content.decode()
    assert cards(response) == []


@pytest.mark.parametrize(
    "extra",
    [{"tri": "rating"}, {"avis": "on"}, {"tri": "rating", "avis": "on"}],
    ids=["sort", "filter", "both"],
)
@pytest.mark.parametrize(
    "params",
    [
        {"q": "électricien", "ou": "Lyon"},
        {"q": "électricien plombier", "ou": "Lyon"},
        {"q": "Élec"},
        {"ou": "Lyon"},
    ],
    ids=["trade", "two-trades", "name", "place"],
)
def test_rating_sort_and_filter_cost_no_extra_query(client, taxonomy, places, params, extra):
    for i in range(25):
        CompanyFactory(
            trade_name=f"Élec {i:02d}",
            primary_profession=taxonomy["electricien"],
            other_professions=[taxonomy["plombier"]],
            review_count=i % 4,
            rating_average=(3 + i % 3) if i % 4 else None,
        )

    def count(query):
        client.get("/recherche/", query)  # warm the trade-term cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/recherche/", query).status_code == 200
        return len(statements(queries))

    plain = count(params)
    assert count({**params, **extra}) == plain <= MAX_QUERIES
