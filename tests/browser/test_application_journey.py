"""A company applies, a vetter approves it, it is found in search and its
applicant reaches the pro space."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from tests.browser.helpers import log_in
from tests.factories import UserFactory
from tests.gazetteer_sample import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    taxonomy_load()
    load_gazetteer(source=SAMPLE)
    vetter = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    vetter.groups.add(Group.objects.get(name="vetting"))
    return {"applicant": UserFactory(email="gerant@cuisines-rhone.fr"), "vetter": vetter}


def test_apply_vet_list_and_reach_the_pro_space(page: Page, live_server, people):
    base = live_server.url
    log_in(page, base, "gerant@cuisines-rhone.fr")
    page.goto(base + "/rejoindre/")
    page.get_by_role("link", name="Commencer ma candidature").click()

    page.get_by_label("Raison sociale").fill("Cuisines du Rhône")
    page.get_by_label("SIREN").fill("732 829 320")
    page.get_by_label("Code postal").fill("69002")
    page.get_by_label("Ville").fill("Lyon")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    page.get_by_label("Cuisiniste", exact=True).check()
    page.get_by_label("Vos prestations").fill("Conception et pose de cuisines sur mesure.")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    page.locator("input[name=new_clients_per_day]").fill("2")
    page.locator("input[name=average_amount_eur]").fill("8000")
    page.locator("input[name=decision_time][value=days_or_more]").check()
    page.locator("input[name=invoices_name_client][value=yes]").check()
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page.locator(".verdict")).to_contain_text("correspondent à nos règles")
    page.get_by_role("button", name="Envoyer ma candidature").click()
    expect(page.get_by_role("heading", name="Ma candidature")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, base, "vetting@plusquepro.fr")
    page.goto(base + "/equipe/candidatures/")
    page.get_by_role("link", name="Cuisines du Rhône").click()
    page.get_by_role("button", name="Approuver et référencer").click()
    expect(page.get_by_text("Cuisines du Rhône figure désormais dans l'annuaire")).to_be_visible()

    page.goto(base + "/recherche/?q=cuisiniste&ou=Lyon")
    expect(page.locator("ol.results")).to_contain_text("Cuisines du Rhône")

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, base, "gerant@cuisines-rhone.fr")
    page.goto(base + "/espace-pro/")
    expect(page.get_by_role("heading", name="Cuisines du Rhône")).to_be_visible()
    expect(page.get_by_text(re.compile("Statut : Référencée"))).to_be_visible()
