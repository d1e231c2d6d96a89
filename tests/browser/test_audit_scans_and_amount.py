"""Issue 12, in a real browser on a desktop and a phone: a pro sends two
scans for one audit and both stay listed; an invoice is registered
without its amount when the invitation rule does not need one. axe
checks both pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reviews.models import Audit, AuditScan, Invoice, Review
from tests.browser.axe import assert_accessible
from tests.browser.helpers import owned_electrician
from tests.conftest import PASSWORD
from tests.pdfs import minimal_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(SIZES))
def sized(request, page: Page) -> Page:
    page.set_viewport_size(SIZES[request.param])
    return page


@pytest.fixture
def company():
    return owned_electrician()


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/compte/login/")
    page.locator("input[name=login]").fill("pro@example.fr")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked-form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/compte/login/"))


def open_audit(company) -> Audit:
    now = timezone.now()
    invoice = Invoice.objects.create(
        company=company,
        number="F-2026-042",
        issued_on=timezone.localdate() - timedelta(days=12),
        client_name="Mme Claire Dubois",
        client_email="claire.dubois@example.org",
    )
    review = Review.objects.create(
        company=company,
        invoice=invoice,
        rating=4,
        rating_reliability=4,
        rating_quality=4,
        rating_value=4,
        rating_communication=4,
        title="Bon travail",
        text="Intervention rapide et soignée, devis respecté, chantier laissé propre.",
        experience_date=invoice.issued_on,
        author_name="Claire Dubois",
        author_email="claire.dubois@example.org",
        declared_at=now,
        name_match="match",
        name_score=1.0,
        status="published",
        published_at=now,
    )
    return Audit.objects.create(
        review=review, reason="sample", opened_at=now, due_at=now + timedelta(days=15)
    )


def test_two_scans_sent_for_one_audit_both_stay_listed(sized: Page, live_server, company, tmp_path):
    page = sized
    audit = open_audit(company)
    log_in(page, live_server.url)
    scan = tmp_path / "facture.pdf"
    scan.write_bytes(minimal_pdf())
    for _ in range(2):
        page.goto(f"{live_server.url}/espace-pro/{company.pk}/controles/")
        page.locator(f"#scan-{audit.pk}").set_input_files(str(scan))
        page.get_by_role("button", name="Envoyer").click()
        expect(page.get_by_text("Merci : notre équipe va comparer la facture.")).to_be_visible()
    links = page.get_by_role("link", name="Scan envoyé le")
    expect(links).to_have_count(2)
    assert AuditScan.objects.filter(audit=audit).count() == 2
    assert_accessible(page)
    with page.expect_download() as download:
        links.first.click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_an_invoice_without_its_amount_is_registered(sized: Page, live_server, company):
    page = sized
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/espace-pro/{company.pk}/factures/")
    expect(page.get_by_text("Facultatif : votre règle d'invitation")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Numéro de facture").fill("F-7")
    page.get_by_label("Date de facture").fill(timezone.localdate().isoformat())
    page.get_by_label("Nom du client").fill("Luc Petit")
    page.get_by_label("E-mail du client").fill("luc@example.org")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Facture F-7 enregistrée.")).to_be_visible()
    assert Invoice.objects.get(number="F-7").amount is None
