"""A pro imports a sessions file in a real browser, on a desktop and on a
phone (issue 13, § 1): from the sessions page to the preview in French,
then the import in the worker and its job page (status, progress bar,
outcome, the way back to the sessions); axe finds no serious or critical
violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from loyalty.models import ServiceSession, SessionImport
from tests.browser.axe import assert_accessible
from tests.browser.helpers import SCREENS, log_in, owned_electrician

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = (
    "Référence;Date;Nom du client;Montant;Statut\n"
    "N-1;03/04/2025;Famille Martin;45,50;réalisée\n"
    "N-2;4 avril 2025;Famille Martin;45,50;\n"
    "N-3;05/04/2025;Famille Bernard;;annulée\n"
)


@pytest.fixture
def company():
    return owned_electrician("Nounou Sereine", "nounou-sereine")


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_a_pro_imports_a_sessions_file_and_follows_the_job(
    page: Page, live_server, company, tmp_path, screen
):
    page.set_viewport_size(SCREENS[screen])
    export = tmp_path / "prestations.csv"
    export.write_text(FILE, encoding="cp1252")
    base = live_server.url
    log_in(page, base, "pro@example.fr")
    page.goto(f"{base}/espace-pro/{company.pk}/prestations/")
    page.get_by_role("link", name="Importer un fichier CSV ou Excel").click()
    page.get_by_label("Fichier CSV ou Excel").set_input_files(export)
    page.get_by_role("button", name="Aperçu").click()

    expect(page.get_by_text("3 prestations prêtes à importer.")).to_be_visible()
    expect(page.locator("table tbody tr").first).to_contain_text("Famille Martin")
    page.get_by_role("button", name="Importer").click()

    job = SessionImport.objects.get()
    expect(page).to_have_url(f"{base}/espace-pro/{company.pk}/prestations/import/{job.pk}/")
    expect(page.get_by_role("heading", name="Importer des prestations")).to_be_visible()
    expect(page.get_by_text("3 prestations importées.")).to_be_visible()
    bar = page.get_by_role("progressbar", name="Prestations importées")
    expect(bar).to_have_attribute("value", "3")
    expect(bar).to_have_attribute("max", "3")
    expect(page.locator("#import-status")).to_have_text("Terminé")
    assert_accessible(page)
    assert ServiceSession.objects.filter(company=company).count() == 3

    page.get_by_role("link", name="Retour aux prestations").click()
    expect(page).to_have_url(f"{base}/espace-pro/{company.pk}/prestations/")
    expect(page.get_by_role("cell", name="N-3")).to_be_visible()
