"""User-written text wraps instead of widening the page (trial, finding
4): a 200-character trade name without a space (the longest the field
takes) and a long URL in the description (here in a review too) made the company page 4,245 px
wide on a 390 px phone, the search results 2,916 px, the quote page and
every pro space page as wide. Checked on a phone and a desktop."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from directory.models import Company, MembershipRole, Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import profession_counts_refresh, taxonomy_load
from reviews.models import Invoice, Review
from reviews.services import transitions
from tests.browser.axe import assert_fits_the_width
from tests.browser.helpers import PRO_EMAIL, SCREENS, log_in
from tests.factories import CompanyFactory, MembershipFactory, recent_date
from tests.gazetteer_sample import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRADE_NAME = "Établissements" + "X" * 186  # 200 characters, no break
URL = (
    "https://www.pagesjaunes.fr/pros/detail?bloc_id=FCP-12345678-0001&no_sequence=0"
    "&code_rubrique=58053800&origine=recherche_avis_clients_verifies_plusquepro"
)
DESCRIPTION = f"Ménage à domicile soigné depuis 2010. Retrouvez nos avis : {URL}\n{'Z' * 300}"


@pytest.fixture
def long_named_company() -> Company:
    taxonomy_load()
    load_gazetteer(source=SAMPLE)
    company = CompanyFactory(
        trade_name=TRADE_NAME,
        legal_name=TRADE_NAME,
        slug="etablissements-xxx",
        description=DESCRIPTION,
        primary_profession=Profession.objects.get(slug="electricien"),
        rating_average=4.5,
        review_count=3,
        latitude=45.7640,
        longitude=4.8357,
    )
    MembershipFactory(company=company, role=MembershipRole.OWNER, user__email=PRO_EMAIL)
    invoice = Invoice.objects.create(
        company=company,
        number="F-0001",
        issued_on=recent_date(30),
        amount=Decimal("250.00"),
        client_name="Mme Sophie Martin",
        client_email="sophie@example.org",
    )
    review = Review(
        company=company,
        invoice=invoice,
        rating=5,
        rating_reliability=5,
        rating_quality=5,
        rating_value=5,
        rating_communication=5,
        title="Parfait" + "!" * 113,  # the longest title (120)
        text=f"Très bien, voir aussi {URL} et " + "super" * 60,
        experience_date=invoice.issued_on,
        author_name="Sophie " + "M" * 100,
        author_email=invoice.client_email,
        declared_at=timezone.now(),
        name_match="match",
        name_score=100.0,
    )
    transitions.review_move(
        review=review, to="published", by="system", actor=None, reason="Contrôles passés."
    )
    profession_counts_refresh()
    return company


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_long_name_and_a_long_url_wrap_on_every_page(
    page: Page, live_server, long_named_company, screen
):
    page.set_viewport_size(SCREENS[screen])
    company = long_named_company

    page.goto(f"{live_server.url}/entreprises/{company.slug}/")
    expect(page.locator("h1")).to_contain_text("Établissements")
    expect(page.get_by_text("Retrouvez nos avis")).to_be_visible()
    expect(page.get_by_text("Parfait!!!")).to_be_visible()
    assert_fits_the_width(page)

    page.goto(f"{live_server.url}/recherche/?q=%C3%A9lectricien&ou=Lyon")
    expect(page.locator(".result-name").first).to_contain_text("Établissements")
    assert_fits_the_width(page)

    page.goto(f"{live_server.url}/entreprises/{company.slug}/devis/")
    expect(page.locator("h1")).to_be_visible()
    assert_fits_the_width(page)

    log_in(page, live_server.url, PRO_EMAIL)
    for path in ("", "profil/", "factures/", "avis/"):
        response = page.goto(f"{live_server.url}/espace-pro/{company.pk}/{path}")
        assert response is not None
        assert response.status == 200, path
        assert_fits_the_width(page)
