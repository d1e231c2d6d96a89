"""What visitors see: pages, status codes, bad input, SEO files."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from directory.models import CompanyStatus
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def electrician(taxonomy, places):
    return CompanyFactory(
        trade_name="Lumière Martin",
        legal_name="SARL LUMIERE MARTIN",
        slug="lumiere-martin-lyon",
        primary_profession=taxonomy["electricien"],
        other_professions=[taxonomy["domoticien"]] if "domoticien" in taxonomy else [],
        description="Installation et dépannage électrique à Lyon.",
        address="12 rue de la République",
        phone="04 78 00 00 00",
        email="contact@lumiere-martin.fr",
        website="https://www.lumiere-martin.fr",
        year_founded=2004,
        place=places["lyon"],
    )


def test_home_shows_search_sectors_and_popular_trades(client, electrician):
    from directory.taxonomy.services import profession_counts_refresh

    profession_counts_refresh()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="fr"' in html
    assert "Trouver un professionnel de confiance" in html
    assert "Électricien" in html  # a popular trade
    assert 'name="q"' in html
    assert 'name="ou"' in html


def test_search_page_lists_ranked_results_with_distance(client, electrician):
    response = client.get("/recherche/", {"q": "electricien", "ou": "Lyon"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lumière Martin" in html
    assert "1 professionnel trouvé" in html
    assert re.search(r"\d+,\d km", html)  # French decimal comma
    assert electrician.get_absolute_url() in html


def test_empty_search_shows_sectors_and_popular_trades(client, taxonomy):
    response = client.get("/recherche/")
    assert response.status_code == 200
    assert "Parcourir par secteur" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 10_000}, "200 caractères"),
        ({"q": "plombier", "rayon": "5000"}, "Sélectionnez un choix valide"),
        ({"q": "plombier", "metier": "inconnu"}, "Sélectionnez un choix valide"),
        ({"q": "plombier", "lat": "91", "lng": "4"}, "inférieure ou égale à 90"),
        ({"q": "plombier", "lat": "45"}, "latitude et une longitude"),
    ],
)
def test_invalid_search_input_gets_a_clear_error_not_a_500(client, taxonomy, params, message):
    response = client.get("/recherche/", params)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_unknown_place_is_explained_with_suggestions(client, electrician):
    response = client.get("/recherche/", {"q": "electricien", "ou": "Lyom"})
    html = response.content.decode()
    assert "Nous ne connaissons pas le lieu" in html
    assert "Lyon (69)" in html


def test_postal_code_serving_several_communes_offers_the_others(client, taxonomy, places):
    CompanyFactory(
        trade_name="Foy Électricité",
        primary_profession=taxonomy["electricien"],
        latitude=44.8436,
        longitude=0.2106,
    )
    html = client.get("/recherche/", {"q": "electricien", "ou": "33220"}).content.decode()
    assert "Foy Électricité" in html
    assert "33220 Pineuilh (33)" in html
    assert "Ce code postal dessert aussi" in html
    assert "Port-Sainte-Foy-et-Ponchapt (24)" in html


@pytest.mark.parametrize(
    "params",
    [
        {"q": "<script>alert(1)</script>", "ou": "Lyon"},
        {"q": "' OR 1=1 --", "ou": "Lyon"},
        {"q": "électricien", "ou": "Lyon", "page": "999"},
        {"q": "électricien", "ou": "Lyon", "page": "-1"},
        {"q": "électricien", "ou": "Lyon", "page": "abc"},
        {"q": "électricien", "ou": "x" * 100},
        {"ou": "00000"},
    ],
)
def test_hostile_input_never_breaks_the_page(client, electrician, params):
    response = client.get("/recherche/", params)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_company_page_shows_public_data_and_schema_org(client, electrician):
    response = client.get(electrician.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lumière Martin" in html
    assert "04 78 00 00 00" in html
    assert (
        '<link rel="canonical" href="http://testserver/entreprises/lumiere-martin-lyon/">' in html
    )
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert data["@type"] == "LocalBusiness"
    assert data["name"] == "Lumière Martin"
    assert data["address"]["postalCode"] == "69003"
    assert data["areaServed"]["geoRadius"] == 30_000


def test_schema_org_cannot_break_out_of_its_script(client, electrician):
    electrician.description = "</script><script>alert(1)</script>"
    electrician.save()
    html = client.get(electrician.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html


def test_company_never_listed_is_not_found(client, electrician):
    # A suspended one answers 410 (tests/directory/test_company_page.py).
    electrician.status = CompanyStatus.PENDING
    electrician.save()
    response = client.get(electrician.get_absolute_url())
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_profession_and_sector_pages(client, electrician):
    trade = electrician.primary_profession
    response = client.get(reverse("directory:profession", args=[trade.slug]))
    assert response.status_code == 200
    assert "Lumière Martin" in response.content.decode()
    response = client.get(reverse("directory:sector", args=[trade.sector.slug]))
    assert response.status_code == 200
    assert trade.name_fr in response.content.decode()
    assert client.get(reverse("directory:professions")).status_code == 200


def test_excluded_trade_has_no_public_page(client, taxonomy):
    response = client.get(reverse("directory:profession", args=["restaurant"]))
    assert response.status_code == 404


def test_trust_page_explains_the_three_guarantees(client, db):
    html = client.get(reverse("directory:trust")).content.decode()
    assert "Pourquoi nous faire confiance" in html
    assert "30 prestations réalisées" in html
    assert "facture" in html


def test_english_is_available(client, electrician):
    response = client.get("/en/recherche/", {"q": "electrician", "ou": "Lyon"})
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "1 professional found" in html
    assert "Electrician" in html


def test_place_autocomplete_returns_labels(client, places):
    response = client.get(reverse("directory:place-autocomplete"), {"q": "saint d"})
    labels = [r["label"] for r in response.json()["results"]]
    assert labels == ["Saint-Denis (974)", "Saint-Denis (93)", "Saint-Denis (11)"]
    assert client.get(reverse("directory:place-autocomplete"), {"q": ""}).json() == {"results": []}


def test_sitemap_and_robots(client, electrician):
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    assert b"sitemap-companies.xml" in index.content
    companies = client.get("/sitemap-companies.xml")
    assert electrician.get_absolute_url().encode() in companies.content
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert b"Sitemap: http://testserver/sitemap.xml" in robots.content


def test_unlisted_companies_are_not_in_the_sitemap(client, electrician):
    electrician.status = CompanyStatus.SUSPENDED
    electrician.save()
    assert electrician.slug.encode() not in client.get("/sitemap-companies.xml").content


def test_static_assets_are_served_by_the_app(client, db):
    html = client.get("/").content.decode()
    assert "cdn" not in html.lower()
    assert "googleapis" not in html


def test_server_error_page_is_in_the_site_style(client, db, settings):
    from django.urls import path

    def broken(request):
        raise RuntimeError("boom")

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("boom/", broken)]})
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Une erreur est survenue" in html
    assert "/static/css/site.css" in html
