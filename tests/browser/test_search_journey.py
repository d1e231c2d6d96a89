"""A visitor searches "électricien" near "Lyon" and opens a company page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from directory.models import Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import profession_counts_refresh, taxonomy_load
from tests.factories import CompanyFactory, PlaceFactory
from tests.gazetteer_sample import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def market():
    taxonomy_load()
    trades = Profession.objects.in_bulk(field_name="slug")
    load_gazetteer(source=SAMPLE)
    PlaceFactory(
        name="Lyons-la-Forêt",
        department_code="27",
        latitude=49.39892,
        longitude=1.47709,
        population=836,
    )
    near = CompanyFactory(
        trade_name="Lumière Martin",
        slug="lumiere-martin",
        primary_profession=trades["electricien"],
        latitude=45.7640,
        longitude=4.8357,
        phone="04 78 00 00 00",
        description="Installation et dépannage électrique.",
    )
    CompanyFactory(
        trade_name="Volts du Rhône",
        primary_profession=trades["electricien"],
        latitude=45.80,
        longitude=4.90,
    )
    CompanyFactory(trade_name="Fuites Express", primary_profession=trades["plombier"])
    profession_counts_refresh()
    return near


def test_search_from_home_to_company_page(page: Page, live_server, market):
    page.goto(live_server.url + "/")
    expect(page).to_have_title(re.compile("Plus que pro"))

    page.get_by_label("Métier, spécialité ou entreprise").fill("électricien")
    place = page.get_by_label("Ville ou code postal")
    place.fill("Lyo")
    # The gazetteer suggests places as the visitor types.
    expect(page.locator("#place-suggestions option[value='Lyon (69)']")).to_have_count(1)
    place.fill("Lyon")
    page.get_by_role("button", name="Rechercher").click()

    expect(page).to_have_url(re.compile(r"/recherche/\?q=%C3%A9lectricien&ou=Lyon"))
    expect(page.get_by_role("heading", name=re.compile("2 professionnels trouvés"))).to_be_visible()
    results = page.locator("ol.results > li")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("Lumière Martin")  # the closest ranks first
    expect(page.get_by_text("Fuites Express")).to_have_count(0)

    results.first.get_by_role("link", name="Lumière Martin").click()
    expect(page).to_have_url(live_server.url + "/entreprises/lumiere-martin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lumière Martin")
    expect(page.get_by_text("04 78 00 00 00")).to_be_visible()


def test_search_form_works_with_the_keyboard_alone(page: Page, live_server, market):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")  # skip link first
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    page.get_by_label("Métier, spécialité ou entreprise").focus()
    page.keyboard.type("plombier")
    page.keyboard.press("Tab")
    page.keyboard.type("Lyon")
    page.keyboard.press("Enter")
    expect(page.locator("ol.results > li")).to_have_count(1)
    expect(page.locator("ol.results")).to_contain_text("Fuites Express")


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_a_search_that_finds_nothing_shows_what_to_try(page: Page, live_server, market, viewport):
    page.set_viewport_size(viewport)
    # A nanny 68 km from Lyon, who travels up to 100 km: beyond the default radius.
    CompanyFactory(
        trade_name="Petits Pas Forez",
        primary_profession=Profession.objects.get(slug="garde-enfants"),
        latitude=46.0367,
        longitude=4.0682,
        intervention_radius_km=100,
        city="Roanne",
    )
    page.goto(live_server.url + "/recherche/?q=zzzz&ou=Lyon")
    empty = page.get_by_role("region", name=re.compile("zzzz"))
    expect(empty).to_be_visible()
    expect(empty.get_by_role("heading", level=3)).to_contain_text("Aucun professionnel")
    expect(empty).to_contain_text("Vérifiez l’orthographe")

    page.get_by_label("Métier, spécialité ou entreprise").fill("nounou")
    page.get_by_label("Ville ou code postal").fill("69003")
    page.get_by_role("button", name="Rechercher").click()
    empty = page.get_by_role("region", name=re.compile("nounou"))
    expect(empty).to_contain_text(
        "autour de 69003 Lyon 3e Arrondissement (69), dans un rayon de 50 km"
    )
    wider = empty.get_by_role("link", name="Voir 1 professionnel dans un rayon de 200 km")
    expect(wider).to_be_visible()
    expect(empty.get_by_role("link", name="Roanne (1)")).to_be_visible()
    wider.click()
    expect(page).to_have_url(re.compile(r"rayon=200"))
    expect(page.locator("ol.results > li")).to_have_count(1)
    expect(page.locator("ol.results")).to_contain_text("Petits Pas Forez")


def test_a_place_typed_in_the_trade_box_and_a_secondary_trade(page: Page, live_server, market):
    page.set_viewport_size({"width": 390, "height": 844})
    CompanyFactory(
        trade_name="Carreaux Bernard",
        primary_profession=Profession.objects.get(slug="carreleur"),
        other_professions=[Profession.objects.get(slug="electricien")],
        latitude=45.7491,
        longitude=4.8479,
    )
    page.goto(live_server.url + "/")
    page.get_by_label("Métier, spécialité ou entreprise").fill("électriciens à Lyon")
    page.get_by_role("button", name="Rechercher").click()

    expect(page.get_by_text("Recherche comprise : Électricien à Lyon (69)")).to_be_visible()
    expect(page.get_by_label("Métier, spécialité ou entreprise")).to_have_value("électriciens")
    expect(page.get_by_label("Ville ou code postal")).to_have_value("Lyon")
    # Electricians first; the tiler who also does electricity below a heading.
    expect(page.locator("ol.results").first.locator("> li")).to_have_count(2)
    also = page.get_by_role("region", name="Font aussi ce métier")
    expect(also.get_by_role("heading", level=3)).to_have_text("Font aussi ce métier")
    expect(also.locator("ol.results > li")).to_have_count(1)
    expect(also).to_contain_text("Électricien · aussi Carreleur")
