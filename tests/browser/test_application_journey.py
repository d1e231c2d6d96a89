"""A company applies with its documents, a vetter passes each check and
approves it, its page lists the checks with their dates, it is found in
search and its applicant reaches the pro space; on a desktop and a phone,
with axe on every page of the way (issue 17)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from tests.browser.axe import assert_accessible, assert_fits_the_width
from tests.browser.helpers import SCREENS, log_in
from tests.factories import UserFactory
from tests.gazetteer_sample import SAMPLE
from tests.pdfs import minimal_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    taxonomy_load()
    load_gazetteer(source=SAMPLE)
    vetter = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    vetter.groups.add(Group.objects.get(name="vetting"))
    return {"applicant": UserFactory(email="gerant@cuisines-rhone.fr"), "vetter": vetter}


def check(page: Page, code: str):
    return page.locator(f"#check-{code}")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_apply_with_documents_vet_each_check_approve_and_the_page_lists_them(
    page: Page, live_server, people, tmp_path, screen
):
    page.set_viewport_size(SCREENS[screen])
    base = live_server.url
    document = tmp_path / "attestation.pdf"
    document.write_bytes(minimal_pdf())
    today = timezone.localdate()
    until = today + timedelta(days=300)
    log_in(page, base, "gerant@cuisines-rhone.fr")
    page.goto(base + "/rejoindre/")
    page.get_by_role("link", name="Commencer ma candidature").click()

    page.get_by_label("Raison sociale").fill("Cuisines du Rhône")
    page.get_by_label("SIREN").fill("732 829 320")
    page.get_by_label("Nom du représentant légal").fill("Jean Dupont")
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

    # Step 4: a document for each check that needs one, with its dates.
    expect(page.get_by_role("heading", name="Documents", exact=True)).to_be_visible()
    assert_accessible(page)
    assert_fits_the_width(page)
    dates = {
        "registration": ("Date de délivrance", today),
        "rc_pro": ("Valable jusqu'au", until),
        "decennale": ("Valable jusqu'au", until),
    }
    for code in ("registration", "identity", "rc_pro", "decennale"):
        row = check(page, code)
        row.get_by_label("Document (PDF, JPEG ou PNG, 10 Mo au plus)").set_input_files(document)
        if code in dates:
            label, day = dates[code]
            row.get_by_label(label).fill(day.isoformat())
        row.get_by_role("button", name="Envoyer").click()
        expect(page.get_by_text("Document reçu")).to_be_visible()
        expect(
            check(page, code).get_by_role("link", name=re.compile("Document envoyé le"))
        ).to_be_visible()
    page.get_by_role("link", name="Continuer").click()

    expect(page.get_by_text("Documents encore à envoyer")).to_have_count(0)
    expect(page.locator(".verdict")).to_contain_text("correspondent à nos règles")
    page.get_by_role("button", name="Envoyer ma candidature").click()
    expect(page.get_by_role("heading", name="Ma candidature")).to_be_visible()

    page.context.clear_cookies()  # log out (on a phone the button is in the menu)
    log_in(page, base, "vetting@plusquepro.fr")
    page.goto(base + "/equipe/candidatures/")
    page.get_by_role("link", name="Cuisines du Rhône").click()
    # Approval is refused while checks are to do, and the page says why.
    expect(page.locator("#approval-blocked")).to_contain_text("Reste à régler")
    assert_accessible(page)
    assert_fits_the_width(page)
    for code in ("registration", "identity", "rc_pro", "decennale", "manager_call"):
        row = check(page, code)
        row.get_by_label("Réussi").check()
        if code == "registration":
            row.get_by_label("SIREN lu sur l'extrait").fill("732 829 320")
        row.get_by_role("button", name="Enregistrer la décision").click()
        expect(page.get_by_text("décision enregistrée")).to_be_visible()
        expect(check(page, code).locator(".check-state")).to_have_text("Réussi")
    expect(page.locator("#approval-blocked")).to_have_count(0)
    page.get_by_role("button", name="Approuver et référencer").click()
    expect(page.get_by_text("Cuisines du Rhône figure désormais dans l'annuaire")).to_be_visible()

    page.get_by_role("link", name="Page publique").first.click()
    checks = page.locator(".public-checks")
    day, end = today.strftime("%d/%m/%Y"), until.strftime("%d/%m/%Y")
    expect(checks).to_contain_text(f"Assurance décennale vérifiée le {day}, valable jusqu'au {end}")
    expect(checks).to_contain_text(f"Identité du dirigeant vérifiée le {day}")
    expect(checks).to_contain_text(f"Entretien téléphonique avec le dirigeant vérifié le {day}")
    expect(page.locator("a[href*='/pieces/']")).to_have_count(0)
    assert_accessible(page)
    assert_fits_the_width(page)

    if screen == "phone":
        return
    page.goto(base + "/recherche/?q=cuisiniste&ou=Lyon")
    expect(page.locator("ol.results")).to_contain_text("Cuisines du Rhône")

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, base, "gerant@cuisines-rhone.fr")
    page.goto(base + "/espace-pro/")
    expect(page.get_by_role("heading", name="Cuisines du Rhône")).to_be_visible()
    expect(page.get_by_text(re.compile("Statut : Référencée"))).to_be_visible()
    page.get_by_role("link", name="Contrôles de vérification").click()
    expect(check(page, "decennale").locator(".check-state")).to_have_text("Réussi")
    assert_accessible(page)
