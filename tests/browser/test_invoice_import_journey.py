"""A pro imports an Excel export whose headers are partly unknown: the
column step, the preview in French, the import in the worker — on a
desktop screen and on a phone."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from reviews.models import Invoice, InvoiceColumnMapping
from tests.browser.helpers import log_in, owned_electrician
from tests.reviews.invoice_files_helpers import xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company():
    return owned_electrician()


@pytest.mark.parametrize(
    "screen",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_an_xlsx_with_french_headers_goes_through_the_column_step(
    page: Page, live_server, company, tmp_path, screen
):
    page.set_viewport_size(screen)
    export = tmp_path / "factures-mars.xlsx"
    export.write_bytes(
        xlsx(
            [
                ["Export Compta+ — mars 2025"],
                [],
                ["N° pièce", "Date", "Total TTC", "Client", "Coordonnées", "Statut"],
                [
                    "FA-101",
                    date(2025, 3, 14),
                    1234.56,
                    "Hélène Dupré",
                    "helene@example.org",
                    "payée",
                ],
                [None, None, None, None, None, None],
                ["FA-102", "15/03/2025", "89,90 €", "Luc Petit", "luc@example.org", "payée"],
            ]
        )
    )
    base = live_server.url
    log_in(page, base, "pro@example.fr")
    page.goto(f"{base}/espace-pro/{company.pk}/factures/")
    page.get_by_role("link", name="Importer un fichier CSV ou Excel").click()
    page.get_by_label("Fichier CSV ou Excel").set_input_files(export)
    page.get_by_role("button", name="Aperçu").click()

    expect(page.get_by_role("heading", name="Quelle colonne contient quoi ?")).to_be_visible()
    expect(page.get_by_text("Colonnes non reconnues : N° facture, E-mail.")).to_be_visible()
    number = page.get_by_role("combobox", name="N° facture")
    expect(number.locator("option", has_text="A « N° pièce » — FA-101, FA-102")).to_have_count(1)
    number.select_option(label="A « N° pièce » — FA-101, FA-102")
    page.get_by_role("combobox", name="E-mail").select_option(
        label="E « Coordonnées » — helene@example.org, luc@example.org"
    )
    page.get_by_role("button", name="Voir l'aperçu").click()

    expect(page.get_by_text("2 factures prêtes à importer.")).to_be_visible()
    expect(page.get_by_text("2 lignes vides ignorées.")).to_be_visible()
    first = page.locator("table tbody tr").first
    expect(first).to_contain_text("FA-101")
    expect(first).to_contain_text("14/03/2025")
    expect(first).to_contain_text(re.compile(r"1\s234,56\s€"))
    expect(first).to_contain_text("Hélène Dupré")
    page.get_by_role("button", name="Importer").click()

    expect(page.get_by_text("Factures importées : 2.")).to_be_visible()
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["FA-101", "FA-102"]
    assert InvoiceColumnMapping.objects.filter(company=company).count() == 1
