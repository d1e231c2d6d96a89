"""The results page on a desktop and on a phone: cards people understand,
sorting by rating, the "avec avis vérifiés" filter, readable filters, the
first result on the first screen and a one-row header."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from directory.models import MembershipRole, Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import profession_counts_refresh, taxonomy_load
from tests.browser.axe import serious_violations as axe_violations
from tests.conftest import PASSWORD
from tests.factories import CompanyFactory, MembershipFactory
from tests.gazetteer_sample import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
RESULTS = "/recherche/?q=%C3%A9lectricien&ou=Lyon"


@pytest.fixture
def electricians():
    """Six electricians around Lyon: the nearest without reviews, the
    others with more or fewer; a tiler who also does electricity."""
    taxonomy_load()
    load_gazetteer(source=SAMPLE)
    trades = Profession.objects.in_bulk(field_name="slug")
    rows = [
        ("Lumière Martin", "lumiere-martin", None, 0, 45.7640, 4.8357),
        ("Volts du Rhône", "volts-du-rhone", 4.6, 40, 45.7700, 4.8500),
        ("Élec Confluence", "elec-confluence", 5.0, 1, 45.7480, 4.8200),
        ("Ampère et Fils", "ampere-et-fils", 4.2, 10, 45.7800, 4.8700),
        ("Courant Croix-Rousse", "courant-croix-rousse", 2.0, 2, 45.7750, 4.8300),
    ]
    companies = {
        slug: CompanyFactory(
            trade_name=name,
            slug=slug,
            primary_profession=trades["electricien"],
            rating_average=average,
            review_count=count,
            latitude=latitude,
            longitude=longitude,
        )
        for name, slug, average, count, latitude, longitude in rows
    }
    companies["carreaux"] = CompanyFactory(
        trade_name="Carreaux Bernard",
        slug="carreaux-bernard",
        primary_profession=trades["carreleur"],
        other_professions=[trades["electricien"]],
        rating_average=4.9,
        review_count=12,
        latitude=45.7600,
        longitude=4.8400,
    )
    profession_counts_refresh()
    return companies


def card_names(page: Page) -> list[str]:
    return [name.strip() for name in page.locator("ol.results > li .result-name").all_inner_texts()]


def header_items(page: Page) -> list[dict]:
    """The header's visible items (logo, menu toggle, links, buttons,
    language picker) with their vertical extent."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
              '.site-header .logo, .site-header summary, .site-nav > a, .site-nav > form')]
            .filter(e => e.checkVisibility())
            .map(e => {
              const r = e.getBoundingClientRect();
              return {text: e.innerText.trim().slice(0, 30), top: r.top, bottom: r.bottom};
            })"""
    )


def assert_one_row(page: Page) -> None:
    items = header_items(page)
    assert len(items) >= 2, items
    # One row: every item crosses the same horizontal line.
    assert max(i["top"] for i in items) < min(i["bottom"] for i in items), items
    assert page.locator(".site-header").bounding_box()["height"] < 90


def options_cut(page: Page, select: str) -> list[str]:
    """The options of a select whose text is wider than the select shows
    (its width less its padding and the arrow)."""
    return page.evaluate(
        """(selector) => {
            const s = document.querySelector(selector);
            const style = getComputedStyle(s);
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = style.font;
            const room = s.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight) - 24;  // the arrow
            return [...s.options].filter(o => ctx.measureText(o.text).width > room)
                .map(o => o.text);
        }""",
        select,
    )


@VIEWPORTS
def test_result_cards_show_trade_rating_badges_and_are_one_link(
    page: Page, live_server, electricians, viewport
):
    page.set_viewport_size(viewport)
    page.goto(live_server.url + RESULTS)
    first = page.locator("ol.results > li").first
    expect(first).to_contain_text("Lumière Martin")
    expect(first).to_contain_text("Électricien · Lyon (69)")
    expect(first).to_contain_text("Entreprise vérifiée")
    expect(first).to_contain_text("Pas encore d'avis vérifié")
    volts = page.locator("ol.results > li", has_text="Volts du Rhône")
    expect(volts).to_contain_text("★★★★★ Note moyenne 4,6 sur 5 4,6/5 · 40 avis vérifiés")
    also = page.get_by_role("region", name="Font aussi ce métier")
    expect(also).to_contain_text("Électricien · aussi Carreleur")

    # One link per card, named by the company alone.
    expect(volts.get_by_role("link")).to_have_count(1)
    expect(volts.get_by_role("link")).to_have_accessible_name("Volts du Rhône")
    # The whole card leads to the company: a click on its badges, far from the name.
    volts.scroll_into_view_if_needed()
    badges = volts.locator(".badges").bounding_box()
    page.mouse.click(badges["x"] + badges["width"] - 5, badges["y"] + badges["height"] / 2)
    expect(page).to_have_url(live_server.url + "/entreprises/volts-du-rhone/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Volts du Rhône")


@VIEWPORTS
def test_the_first_result_and_a_one_row_header_on_the_first_screen(
    page: Page, live_server, electricians, viewport
):
    page.set_viewport_size(viewport)
    page.goto(live_server.url + RESULTS)
    first = page.locator("ol.results > li").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box["y"] + 60 < viewport["height"], box  # its name at least is on screen
    assert_one_row(page)
    filters = page.locator("details.filters")
    if viewport is PHONE:
        # "Affiner" is folded, and opens on a tap.
        expect(filters).not_to_have_attribute("open", "")
        expect(page.get_by_label("Trier par")).to_be_hidden()
        page.get_by_text("Affiner").click()
    else:
        expect(filters).to_have_attribute("open", "")
    expect(page.get_by_label("Trier par")).to_be_visible()
    assert axe_violations(page) == []


@VIEWPORTS
def test_the_radius_options_read_whole(page: Page, live_server, electricians, viewport):
    page.set_viewport_size(viewport)
    page.goto(live_server.url + RESULTS)
    if viewport is PHONE:
        page.get_by_text("Affiner").click()
    radius = page.get_by_label("Rayon de recherche")
    expect(radius).to_be_visible()
    expect(radius.locator("option").first).to_have_text("Leur zone d'intervention")
    # The choices the form writes (trade and sector names are data of any
    # length: their open list shows them whole).
    for select in ("#id_rayon", "#id_clientele", "#id_tri"):
        assert options_cut(page, select) == [], select


@VIEWPORTS
def test_sort_by_rating_and_keep_reviewed_companies(
    page: Page, live_server, electricians, viewport
):
    page.set_viewport_size(viewport)
    page.goto(live_server.url + RESULTS)
    if viewport is PHONE:
        page.get_by_text("Affiner").click()
    page.get_by_label("Trier par").select_option(label="Note")
    page.get_by_role("button", name="Appliquer").click()
    expect(page).to_have_url(re.compile(r"tri=rating"))
    assert card_names(page) == [
        "Volts du Rhône",  # 4.6 × 40
        "Carreaux Bernard",  # 4.9 × 12
        "Ampère et Fils",  # 4.2 × 10
        "Élec Confluence",  # 5.0 × 1
        "Courant Croix-Rousse",  # 2.0 × 2
        "Lumière Martin",  # no review yet
    ]
    if viewport is PHONE:
        page.get_by_text("Affiner").click()
    expect(page.get_by_label("Trier par")).to_have_value("rating")
    page.get_by_label("Avec avis vérifiés").check()
    page.get_by_role("button", name="Appliquer").click()
    expect(page).to_have_url(re.compile(r"avis=on"))
    expect(page.locator("ol.results > li")).to_have_count(5)
    expect(page.get_by_text("Lumière Martin")).to_have_count(0)
    assert card_names(page)[0] == "Volts du Rhône"
    assert axe_violations(page) == []


def test_a_link_with_a_bad_sort_still_shows_results(page: Page, live_server, electricians):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + RESULTS + "&tri=meilleurs&rayon=9999")
    notice = page.get_by_role("status").filter(has_text="ignorés")
    expect(notice).to_contain_text("Trier par")
    expect(notice).to_contain_text("Rayon de recherche")
    expect(page.locator("ol.results > li").first).to_be_visible()
    assert axe_violations(page) == []


@VIEWPORTS
def test_the_header_is_one_row_for_a_signed_in_pro_and_its_menu_works(
    page: Page, live_server, electricians, viewport
):
    MembershipFactory(
        company=electricians["lumiere-martin"],
        role=MembershipRole.OWNER,
        user__email="pro@example.fr",
    )
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/compte/login/")
    page.locator("input[name=login]").fill("pro@example.fr")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked-form button[type=submit]").first.click()
    page.goto(live_server.url + "/")
    assert_one_row(page)
    nav = page.get_by_role("navigation", name="Navigation principale")
    if viewport is PHONE:
        expect(nav).to_be_hidden()
        menu = page.locator(".site-menu > summary")
        expect(menu).to_have_text(re.compile("Menu"))
        menu.focus()
        page.keyboard.press("Enter")  # a disclosure, keyboard operable
    expect(nav.get_by_role("link", name="Mon compte")).to_be_visible()
    expect(nav.get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert axe_violations(page) == []
    nav.get_by_role("link", name="Espace pro").click()
    expect(page).to_have_url(re.compile(r"/espace-pro/"))
