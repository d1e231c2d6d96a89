"""Issue 12 on a real page, desktop and phone: a review whose invoice the
company did not provide stays with its dated note, a review whose audit
passed says when the invoice was checked, every review is "tied to an
invoice", and the company's warning for missed audits shows on its page and
its search card; axe finds no serious violation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from directory.models import Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from reviews.models import Audit, Review
from reviews.services import audits, invoices
from reviews.services import reviews as review_services
from tests.browser.axe import assert_accessible, assert_fits_the_width
from tests.factories import CompanyFactory, UserFactory, recent_date
from tests.gazetteer_sample import SAMPLE
from tests.pdfs import minimal_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def _publish(company, n: int) -> Review:
    invoice = invoices.invoice_create(
        company=company,
        fields={
            "number": f"B-{n}",
            "issued_on": recent_date(60).isoformat(),
            "amount": "980",
            "client_name": f"Client Numéro{n}",
            "client_email": f"client{n}@example.org",
        },
        actor=None,
    )
    return review_services.review_submit(
        invitation=invoice.invitation,
        fields={
            "rating": 4,
            "rating_reliability": 4,
            "rating_quality": 4,
            "rating_value": 4,
            "rating_communication": 4,
            "title": f"Chantier numéro {n}",
            "text": f"Travail soigné, chantier propre et délais tenus, chantier {n}.",
            "author_name": f"Client Numéro{n}",
        },
    )


@pytest.fixture
def audited(settings):
    """Four reviews: one whose audit passed, two whose audit the company
    missed (a warning), one never audited."""
    taxonomy_load()
    load_gazetteer(source=SAMPLE)
    company = CompanyFactory(
        trade_name="Lumière Contrôlée",
        slug="lumiere-controlee",
        primary_profession=Profession.objects.get(slug="electricien"),
    )
    reviews = [_publish(company, n) for n in range(1, 4)]
    settings.REVIEW_AUDIT_RATE = 1.0
    audits.audits_open(seed=1)
    passed = Audit.objects.get(review=reviews[0])
    audits.audit_submit_scan(
        audit=passed, upload=SimpleUploadedFile("f.pdf", minimal_pdf(), "application/pdf")
    )
    audits.audit_decide(audit=passed, actor=UserFactory(is_staff=True), passed=True)
    audits.audits_close_overdue(now=timezone.now() + timedelta(days=16))
    never = _publish(company, 4)
    return company, reviews, never


@pytest.mark.parametrize("size", list(SIZES))
def test_the_company_page_shows_what_was_checked_and_the_warning(
    page: Page, live_server, audited, size
):
    company, (passed, missed_1, missed_2), never = audited
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    page.goto(live_server.url + company.get_absolute_url())
    warning = page.locator("#avis .sanction-warning")
    expect(warning).to_contain_text(
        "Cette entreprise n'a pas fourni les factures demandées lors de 2 contrôles"
    )
    checked = page.locator(f"#avis-{passed.pk}")
    today = timezone.localdate().strftime("%d/%m/%Y")
    expect(checked.locator(".review-proof")).to_have_text(
        f"Avis lié à une facture · facture contrôlée le {today}"
    )
    for review in (missed_1, missed_2):
        item = page.locator(f"#avis-{review.pk}")
        expect(item.locator(".review-proof")).to_have_text("Avis lié à une facture")
        expect(item.locator(".review-audit-note")).to_contain_text(
            "la facture n'a pas été fournie par l'entreprise"
        )
    plain = page.locator(f"#avis-{never.pk}")
    expect(plain.locator(".review-proof")).to_have_text("Avis lié à une facture")
    expect(plain.locator(".review-audit-note")).to_have_count(0)
    expect(page.get_by_text("Avis vérifié — facture contrôlée")).to_have_count(0)
    assert_fits_the_width(page)
    assert_accessible(page)

    page.goto(live_server.url + "/recherche/?q=électricien")
    card = page.locator("li.card.result", has_text=company.trade_name)
    expect(card.locator(".result-warning")).to_contain_text(
        "n'a pas fourni les factures demandées lors de 2 contrôles"
    )
    assert_fits_the_width(page)
    assert_accessible(page)
