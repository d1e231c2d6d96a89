"""The company page and the quote journey in a browser, on a desktop and a
phone: the contact bar from the first screen, a suspended company, the
quote form's errors and its confirmation, and axe's verdict on each page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from directory.models import CompanyStatus, MembershipRole, Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from tests.factories import CompanyFactory, MembershipFactory
from tests.gazetteer_sample import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

from tests.browser.axe import assert_accessible  # noqa: E402

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])


LONG_DESCRIPTION = "\n\n".join(
    "Électriciens à Lyon depuis 1998 : rénovation complète, mise aux normes NF C 15-100, "
    "tableaux, bornes de recharge, domotique et dépannage sous 24 heures."
    for _ in range(6)
)


@pytest.fixture
def company():
    taxonomy_load()
    load_gazetteer(source=SAMPLE)
    electricien = Profession.objects.get(slug="electricien")
    company = CompanyFactory(
        trade_name="Lumière Martin",
        slug="lumiere-martin",
        primary_profession=electricien,
        description=LONG_DESCRIPTION,
        phone="+33478123456",
        email="contact@lumiere-martin.fr",
        address="12 rue de la République",
    )
    MembershipFactory(company=company, role=MembershipRole.OWNER, user__email="pro@example.fr")
    return company


def in_first_screen(page: Page, locator, size: dict) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def test_phone_contact_bar_is_in_the_first_screen_and_its_links_work(
    page: Page, live_server, company
):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + company.get_absolute_url())
    bar = page.get_by_role("navigation", name="Contacter l'entreprise")
    expect(bar).to_be_visible()
    assert in_first_screen(page, bar, PHONE)
    call = bar.get_by_role("link", name="Appeler")
    expect(call).to_have_attribute("href", "tel:+33478123456")
    quote = bar.get_by_role("link", name="Demander un devis")
    assert in_first_screen(page, call, PHONE)
    assert in_first_screen(page, quote, PHONE)
    # Touch targets of at least 44 px (WCAG 2.5.5).
    assert call.bounding_box()["height"] >= 44
    assert quote.bounding_box()["height"] >= 44
    assert_accessible(page)

    # Scrolled to the end, the bar sits below the last facts, covering none.
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    siren = page.get_by_text(company.siren, exact=True)
    assert siren.bounding_box()["y"] + siren.bounding_box()["height"] <= bar.bounding_box()["y"]
    expect(bar).to_be_visible()

    quote.click()
    expect(page).to_have_url(re.compile(r"/entreprises/lumiere-martin/devis/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lumière Martin")


def test_phone_contact_bar_without_a_phone_only_asks_for_a_quote(page: Page, live_server, company):
    company.phone = ""
    company.save()
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + company.get_absolute_url())
    bar = page.get_by_role("navigation", name="Contacter l'entreprise")
    expect(bar.get_by_role("link", name="Demander un devis")).to_be_visible()
    expect(bar.get_by_role("link", name="Appeler")).to_have_count(0)


def test_desktop_shows_the_sidebar_not_the_bar(page: Page, live_server, company):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + company.get_absolute_url())
    expect(page.locator(".contact-bar")).to_be_hidden()
    cta = page.locator("aside").get_by_role("link", name="Demander un devis")
    expect(cta).to_be_visible()
    assert in_first_screen(page, cta, DESKTOP)
    expect(page.locator("aside").get_by_role("link", name="04 78 12 34 56")).to_have_attribute(
        "href", "tel:+33478123456"
    )
    assert_accessible(page)


@SIZES
def test_suspended_company_page_is_gone(page: Page, live_server, company, size):
    company.status = CompanyStatus.SUSPENDED
    company.save()
    page.set_viewport_size(size)
    response = page.goto(live_server.url + company.get_absolute_url())
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cette entreprise n'est plus référencée"
    )
    expect(page.get_by_text("04 78 12 34 56")).to_have_count(0)
    expect(page.get_by_role("link", name="Demander un devis")).to_have_count(0)
    page.get_by_role("link", name=re.compile("Voir d'autres entreprises")).click()
    expect(page).to_have_url(re.compile(r"/electricien/?$|/metiers?/electricien"))
    assert_accessible(page)


@SIZES
def test_anonymous_quote_journey_with_errors_then_confirmation(
    page: Page, live_server, company, size
):
    mail.outbox.clear()
    page.set_viewport_size(size)
    page.goto(live_server.url + company.get_absolute_url())
    page.get_by_role("link", name="Demander un devis").first.click()
    page.get_by_label("Votre besoin").fill(
        "Installer une borne de recharge dans mon garage, à 15 m du tableau."
    )
    page.get_by_label("Code postal").fill("69003")
    page.get_by_label("Ville").fill("Lyon")
    page.get_by_role("group", name="Délai").get_by_label("D'ici un mois").check()
    page.get_by_role("group", name="Budget").get_by_label("De 1 000 € à 5 000 €").check()
    page.get_by_label("Votre nom").fill("Claire Client")
    page.get_by_role("textbox", name=re.compile("^E-mail")).fill("claire@example.fr")
    page.get_by_label("Confirmez votre e-mail").fill("claire@example.fr")
    phone = page.get_by_role("textbox", name=re.compile("^Téléphone"))
    expect(phone).not_to_have_attribute("required", "")
    page.get_by_label("Par téléphone").check()
    # The browser is told at once that the phone is now needed.
    expect(phone).to_have_attribute("aria-required", "true")
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer ma demande").click()

    summary = page.get_by_role("alert").filter(has_text="réponse est à corriger")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert in_first_screen(page, summary, size)
    assert_accessible(page)
    summary.get_by_role("link", name=re.compile("Téléphone")).click()
    expect(page).to_have_url(re.compile("#id_phone$"))
    phone.fill("06 99 05 60 90")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez vos e-mails")

    path = re.search(r"/devis/confirmer/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + path)
    page.get_by_role("button", name="Confirmer et envoyer ma demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre demande est confirmée")
    expect(page.get_by_text("Nous avons prévenu l'équipe de Lumière Martin")).to_be_visible()
    assert_accessible(page)
    # Opened again from the mailbox: already confirmed, not an error.
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Cette demande est déjà confirmée")


def test_quote_to_a_company_nobody_can_read_says_so(page: Page, live_server, company):
    company.memberships.all().delete()
    company.email = ""
    company.save()
    mail.outbox.clear()
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + company.get_absolute_url() + "devis/")
    expect(page.get_by_role("status")).to_contain_text("ne peut pas être jointe")
    page.get_by_label("Votre besoin").fill(
        "Remplacer trois prises et un interrupteur dans une cuisine à Lyon."
    )
    page.get_by_label("Code postal").fill("69003")
    page.get_by_label("Ville").fill("Lyon")
    page.get_by_label("Dès que possible").check()
    page.get_by_label("Je ne sais pas encore").check()
    page.get_by_label("Votre nom").fill("Claire Client")
    page.get_by_role("textbox", name=re.compile("^E-mail")).fill("claire@example.fr")
    page.get_by_label("Confirmez votre e-mail").fill("claire@example.fr")
    page.get_by_label("Par e-mail").check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    path = re.search(r"/devis/confirmer/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + path)
    page.get_by_role("button", name="Confirmer et envoyer ma demande").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Lumière Martin ne peut pas être jointe")
    expect(page.get_by_text("a bien reçu votre demande")).to_have_count(0)
    expect(status.get_by_role("link", name="04 78 12 34 56")).to_have_attribute(
        "href", "tel:+33478123456"
    )
    assert_accessible(page)
