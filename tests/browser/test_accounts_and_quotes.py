"""Browser journeys of accounts, the pro space and quote requests."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from directory.models import MembershipRole, Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from tests.browser.helpers import log_in
from tests.conftest import PASSWORD
from tests.factories import CompanyFactory, MembershipFactory, UserFactory
from tests.gazetteer_sample import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company():
    taxonomy_load()
    load_gazetteer(source=SAMPLE)
    electricien = Profession.objects.get(slug="electricien")
    company = CompanyFactory(
        trade_name="Lumière Martin", slug="lumiere-martin", primary_profession=electricien
    )
    MembershipFactory(company=company, role=MembershipRole.OWNER, user__email="pro@example.fr")
    return company


def test_sign_up_verify_email_then_log_in(page: Page, live_server):
    mail.outbox.clear()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="S'inscrire").click()
    page.locator("input[name=email]").fill("nouvelle@example.fr")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("form.stacked-form button[type=submit]").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("e-mail", re.I))

    path = re.search(r"/compte/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + path)
    page.locator("form.stacked-form button[type=submit]").first.click()
    page.goto(live_server.url + "/mon-compte/")
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, live_server.url, "nouvelle@example.fr")
    page.goto(live_server.url + "/mon-compte/")
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()


def test_pro_edits_its_description_and_sees_it_public(page: Page, live_server, company):
    log_in(page, live_server.url, "pro@example.fr")
    page.goto(live_server.url + "/espace-pro/")
    expect(page.get_by_role("heading", name="Lumière Martin")).to_be_visible()
    page.get_by_role("link", name="Profil", exact=True).click()
    page.get_by_label("Description").fill(
        "Électriciens à Lyon depuis 1998 : rénovation, mise aux normes, bornes de recharge."
    )
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Votre profil est enregistré.")).to_be_visible()
    page.goto(live_server.url + company.get_absolute_url())
    expect(page.get_by_text("bornes de recharge")).to_be_visible()


def test_consumer_sends_a_quote_request_the_pro_reads_it(page: Page, live_server, company):
    UserFactory(email="client@example.fr")
    log_in(page, live_server.url, "client@example.fr")
    page.goto(live_server.url + company.get_absolute_url())
    page.get_by_role("link", name="Demander un devis").click()
    page.get_by_label("Votre besoin").fill(
        "Installer une borne de recharge dans mon garage, à 15 m du tableau."
    )
    page.get_by_label("Code postal").fill("69003")
    page.get_by_label("Ville").fill("Lyon")
    page.get_by_role("group", name="Délai").get_by_label("D'ici un mois").check()
    page.get_by_role("group", name="Budget").get_by_label("De 1 000 € à 5 000 €").check()
    page.get_by_role("group", name="Contact préféré").get_by_label("Par e-mail").check()
    page.get_by_label("Votre nom").fill("Claire Client")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("heading", name="Votre demande est envoyée")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, live_server.url, "pro@example.fr")
    page.goto(live_server.url + f"/espace-pro/{company.pk}/demandes/")
    page.get_by_role("link", name=re.compile(r"\d")).first.click()
    expect(page.get_by_text("borne de recharge dans mon garage")).to_be_visible()
    expect(page.get_by_text("client@example.fr")).to_be_visible()
