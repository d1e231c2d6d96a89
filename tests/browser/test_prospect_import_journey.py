"""A pro imports a file of prospects in a real browser, on a desktop and
on a phone (issue 15): the preview in French with a possible duplicate
(which prospect, why), the choice to create it anyway, the confirmation,
the job's page waiting for the worker, its progress followed by the page's
script, then the outcome; axe finds no serious or critical violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from prospects import imports, services, tasks
from prospects.models import Pipeline, Prospect, ProspectImport
from tests.browser.axe import assert_accessible
from tests.browser.helpers import PRO_EMAIL, SCREENS, log_in, owned_electrician

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = (
    "Nom;Ville;Code postal;E-mail;Téléphone;Budget;Étape\n"
    "Hélène Bérard;Villeurbanne;69100;helene@example.org;06 12 34 56 78;2 500,00;tiède\n"
    "Marc Petit;Lyon;69003;marc.petit@example.org;;;chaud\n"
    "Société Lumen;Lyon;69002;contact@lumen.example;04 78 00 00 00;;\n"
)


@pytest.fixture
def company():
    company = owned_electrician()
    services.prospect_create(
        pipeline=Pipeline.COMPANY,
        company=company,
        name="Marc Petit",
        actor=None,
        email="marc.petit@example.org",
        town="Lyon",
        force=True,
    )
    return company


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_a_pro_imports_prospects_chooses_for_a_duplicate_and_follows_the_job(
    page: Page, live_server, company, tmp_path, screen, monkeypatch
):
    # The worker is not run on commit here: the page is seen waiting, then
    # following the worker the test runs.
    monkeypatch.setattr(tasks, "file_import_queue", lambda *args, **kwargs: None)
    page.set_viewport_size(SCREENS[screen])
    export = tmp_path / "prospects.csv"
    export.write_text(FILE, encoding="cp1252")
    base = live_server.url
    log_in(page, base, PRO_EMAIL)
    page.goto(f"{base}/espace-pro/{company.pk}/prospects/import/")
    page.get_by_label("Fichier CSV ou Excel").set_input_files(export)
    page.get_by_role("button", name="Aperçu").click()

    expect(page.get_by_text("2 nouveaux prospects à créer.")).to_be_visible()
    expect(page.get_by_text("1 doublon possible : ignoré, sauf si vous choisissez")).to_be_visible()
    duplicate = page.locator("table.prospect-import-duplicates tbody tr")
    expect(duplicate).to_contain_text("Marc Petit")
    expect(duplicate).to_contain_text("même e-mail")
    expect(duplicate).to_contain_text("nom proche dans la même ville")
    expect(page.locator("table.prospect-import-new tbody tr").first).to_contain_text(
        "Hélène Bérard"
    )
    assert_accessible(page)
    page.get_by_label("Créer quand même la ligne 3").check()
    page.get_by_role("button", name="Importer", exact=True).click()

    job = ProspectImport.objects.get()
    expect(page).to_have_url(f"{base}/espace-pro/{company.pk}/prospects/import/{job.pk}/")
    expect(page.get_by_role("heading", name="Importer des prospects")).to_be_visible()
    expect(page.locator("#import-status")).to_have_text("En file d'attente")
    bar = page.get_by_role("progressbar", name="Prospects importés")
    expect(bar).to_have_attribute("max", "3")

    assert imports.prospect_import_run(job_id=job.pk, owner="browser-test-worker")
    expect(page.get_by_text("3 prospects importés.")).to_be_visible()
    expect(page.locator("#import-status")).to_have_text("Terminé")
    expect(bar).to_have_attribute("value", "3")
    assert_accessible(page)
    assert Prospect.objects.filter(company=company, email_key="marc.petit@example.org").count() == 2
    page.get_by_role("link", name="Importer un autre fichier").click()
    expect(page).to_have_url(f"{base}/espace-pro/{company.pk}/prospects/import/")
