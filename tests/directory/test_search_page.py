"""The results page: what a visitor sees when a search finds something,
nothing, or reads a place typed in the trade box."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from directory.taxonomy.services import profession_counts_refresh
from tests.factories import CompanyFactory, PlaceFactory

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The visible text, on one line: tags removed, spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def links(response) -> dict[str, str]:
    """Visible link text → href (entities unescaped)."""
    html = response.content.decode()
    found = {}
    for href, inner in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', html, flags=re.S):
        label = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", inner)).split())
        found[label] = html_lib.unescape(href)
    return found


@pytest.fixture
def far_nanny(taxonomy, places):
    """A nanny in Roanne who works up to 100 km away: 68 km from Lyon,
    outside the default radius (50 km) of a search there."""
    company = CompanyFactory(
        trade_name="Petits Pas Forez",
        primary_profession=taxonomy["garde-enfants"],
        latitude=46.0367,
        longitude=4.0682,
        intervention_radius_km=100,
        city="Roanne",
        postal_code="42300",
    )
    CompanyFactory(trade_name="Crèche Soleil", primary_profession=taxonomy["creche-privee"])
    CompanyFactory(trade_name="Lumière Martin", primary_profession=taxonomy["electricien"])
    profession_counts_refresh()
    return company


def test_a_search_that_finds_nothing_says_so_instead_of_a_blank_page(client, far_nanny):
    response = client.get("/recherche/", {"q": "zzzz", "ou": "Lyon"})
    assert response.status_code == 200
    text = text_of(response)
    assert "0 professionnel trouvé" in text
    assert (
        "Aucun professionnel pour l’instant pour « zzzz » autour de Lyon (69), "
        "dans un rayon de 50 km." in text
    )
    assert "Vérifiez l’orthographe" in text
    assert "Essayez un rayon plus large" not in text  # no radius makes "zzzz" a trade
    # Somewhere to go next: the trades people search most, and every sector.
    assert "Les métiers les plus recherchés" in text
    assert links(response)["Garde d'enfants"] == "?q=Garde+d%27enfants&ou=Lyon"
    assert links(response)["Tous les métiers"] == "/metiers/"


def test_nanny_near_69003_offers_a_wider_radius_nearby_towns_and_related_trades(client, far_nanny):
    response = client.get("/recherche/", {"q": "nounou", "ou": "69003"})
    text = text_of(response)
    assert "0 professionnel trouvé" in text
    assert (
        "Aucun professionnel pour l’instant pour « nounou » autour de "
        "69003 Lyon 3e Arrondissement (69), "
        "dans un rayon de 50 km." in text
    )
    found = links(response)
    wider = found["Voir 1 professionnel dans un rayon de 200 km"]
    assert wider == "?q=nounou&ou=69003&rayon=200"
    assert found["Roanne (1)"] == "?q=nounou&ou=Roanne"
    assert "Métiers associés" in text
    assert found["Crèche privée"] == "?q=Cr%C3%A8che+priv%C3%A9e&ou=69003"

    # The wider search does find the nanny, and so does her town.
    assert "Petits Pas Forez" in text_of(client.get("/recherche/" + wider))
    PlaceFactory(name="Roanne", department_code="42", latitude=46.0367, longitude=4.0682)
    town = text_of(client.get("/recherche/" + found["Roanne (1)"]))
    assert "Petits Pas Forez" in town


def test_an_empty_result_has_a_heading_in_the_results_region(client, far_nanny):
    html = client.get("/recherche/", {"q": "nounou", "ou": "69003"}).content.decode()
    assert re.search(
        r'<section class="card no-results" aria-labelledby="no-results-title">\s*'
        r'<h3 id="no-results-title">',
        html,
    )


def test_no_wider_link_when_nobody_is_farther_either(client, far_nanny):
    response = client.get("/recherche/", {"q": "électricien", "ou": "Marseille"})
    text = text_of(response)
    assert "Aucun professionnel pour l’instant pour « électricien » autour de Marseille" in text
    assert "Chercher plus loin" not in text
    assert "Essayez un rayon plus large ou un autre métier, ou parcourez tous les métiers" in text
    assert links(response)["parcourez tous les métiers"] == "/metiers/"


def test_a_trade_typo_that_finds_nothing_suggests_the_spelling(client, far_nanny):
    response = client.get("/recherche/", {"q": "electro", "ou": "Lyon"})
    text = text_of(response)
    assert "Vouliez-vous dire :" in text
    assert links(response)["Électricien"] == "?q=%C3%89lectricien&ou=Lyon"


def test_nothing_found_without_a_place(client, far_nanny):
    response = client.get("/recherche/", {"q": "zzzz"})
    text = text_of(response)
    assert "Aucun professionnel pour l’instant pour « zzzz »." in text
    assert "Chercher plus loin" not in text


def test_filters_that_exclude_everyone_still_show_the_empty_state(client, far_nanny):
    response = client.get("/recherche/", {"ou": "Lyon", "clientele": "b2b"})
    text = text_of(response)
    assert "Aucun professionnel pour l’instant autour de Lyon (69), dans un rayon de 50 km." in text


def test_the_empty_state_escapes_what_was_typed(client, far_nanny):
    response = client.get("/recherche/", {"q": "<b>zzzz</b>", "ou": "Lyon"})
    html = response.content.decode()
    assert "<b>zzzz</b>" not in html
    assert "« &lt;b&gt;zzzz&lt;/b&gt; »" in html


def test_the_empty_state_costs_a_few_fixed_queries(client, far_nanny):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.directory.test_query_counts import MAX_QUERIES, statements

    for i in range(5):
        CompanyFactory(
            trade_name=f"Nounou {i}",
            primary_profession=far_nanny.primary_profession,
            latitude=46.0367,
            longitude=4.0682,
            intervention_radius_km=100,
            city=f"Ville {i}",
        )
    url = "/recherche/?q=nounou&ou=69003"
    client.get(url)  # warm the trade-term cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert "Voir 6 professionnels dans un rayon de 200 km" in text_of(response)

    assert len(statements(queries)) <= MAX_QUERIES, statements(queries)


@pytest.fixture
def lyon_electrician(taxonomy, places):
    CompanyFactory(
        trade_name="Volt Forez",
        primary_profession=taxonomy["electricien"],
        latitude=45.4339,
        longitude=4.39,
        intervention_radius_km=20,
    )
    return CompanyFactory(trade_name="Lumière Martin", primary_profession=taxonomy["electricien"])


def test_a_place_in_the_trade_box_shows_how_it_was_understood(client, lyon_electrician):
    response = client.get("/recherche/", {"q": "électricien Lyon"})
    text = text_of(response)
    assert "Recherche comprise : Électricien à Lyon (69)" in text
    assert "1 professionnel trouvé" in text
    assert "Lumière Martin" in text
    assert "Volt Forez" not in text
    html = response.content.decode()
    # Shareable: the canonical address, and the boxes as understood.
    assert (
        '<link rel="canonical" href="http://testserver/recherche/?q=%C3%A9lectricien&amp;ou=Lyon">'
        in html
    )
    assert re.search(r'<input[^>]*name="q"[^>]*value="électricien"', html)
    assert re.search(r'<input[^>]*name="ou"[^>]*value="Lyon"', html)
    canonical = client.get("/recherche/", {"q": "électricien", "ou": "Lyon"})
    assert "Lumière Martin" in text_of(canonical)
    assert "Recherche comprise" not in text_of(canonical)


def test_a_postal_code_in_the_trade_box_is_understood(client, taxonomy, places):
    CompanyFactory(trade_name="Eaux Vives", primary_profession=taxonomy["plombier"])
    text = text_of(client.get("/recherche/", {"q": "plombier 69003"}))
    assert "Recherche comprise : Plombier à 69003 Lyon 3e Arrondissement (69)" in text
    assert "Eaux Vives" in text


def test_a_name_and_a_place_in_the_trade_box_are_understood(client, lyon_electrician):
    text = text_of(client.get("/recherche/", {"q": "Martin Lyon"}))
    assert "Recherche comprise : « Martin » à Lyon (69)" in text
    assert "Lumière Martin" in text


def test_the_pages_of_an_understood_search_link_the_canonical_query(client, taxonomy, places):
    for i in range(25):
        CompanyFactory(trade_name=f"Toit {i:02d}", primary_profession=taxonomy["couvreur"])
    response = client.get("/recherche/", {"q": "couvreurs à Lyon"})
    assert links(response)["Suivante"] == "?q=couvreurs&ou=Lyon&page=2"
    page_2 = client.get("/recherche/" + links(response)["Suivante"])
    assert "Page 2 sur 2" in text_of(page_2)


@pytest.mark.parametrize(
    "q",
    [
        "<script>alert(1)</script> Lyon",
        "électricien <script>alert(1)</script>",
        "plombier 99999",
        "plombier 00000",
        "électricien " + "Lyon " * 40,
        "Lyon Lyon",
        "à à à",
        "électricien 45.76,4.83",
    ],
)
def test_odd_text_in_the_trade_box_never_breaks_the_page(client, lyon_electrician, q):
    response = client.get("/recherche/", {"q": q[:200]})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
