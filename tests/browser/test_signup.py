"""The account pages in a browser, on a desktop and a phone: the product's
own sign-up (terms and privacy links, labels without " :"), where a pro
and a consumer land after logging in, and the legal pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from directory.models import MembershipRole, Profession
from directory.taxonomy.services import taxonomy_load
from tests.conftest import PASSWORD
from tests.factories import CompanyFactory, MembershipFactory, UserFactory

from .axe import assert_accessible, assert_fits_the_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(params=list(SIZES))
def sized_page(request, page: Page) -> Page:
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return page


def log_in(page: Page, base: str, email: str, query: str = "") -> None:
    page.goto(base + "/compte/login/" + query)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.locator("form.stacked-form button[type=submit]").first.click()
    page.wait_for_load_state()


def test_the_sign_up_page_leads_to_the_terms_and_the_privacy_policy(sized_page: Page, live_server):
    page = sized_page
    page.goto(live_server.url + "/compte/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Créez votre compte")
    for label in page.locator("main label").all_inner_texts():
        assert not label.strip().endswith(":"), label
    expect(page.get_by_label("Mot de passe (confirmation)")).to_be_visible()
    assert_fits_the_width(page)
    page.locator(".legal-consent").get_by_role("link", name="conditions d'utilisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conditions d'utilisation")
    page.goto(live_server.url + "/compte/signup/")
    page.locator(".legal-consent").get_by_role("link", name="politique de confidentialité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Politique de confidentialité")
    expect(page.get_by_text("Effacés 30 jours après leur envoi.")).to_be_visible()
    assert_fits_the_width(page)
    footer = page.locator("footer")
    expect(footer.get_by_role("link", name="Conditions d'utilisation")).to_be_visible()
    expect(footer.get_by_role("link", name="Politique de confidentialité")).to_be_visible()


def test_a_pro_lands_in_the_pro_space_and_a_consumer_in_their_account(
    sized_page: Page, live_server
):
    page = sized_page
    taxonomy_load()
    company = CompanyFactory(
        trade_name="Lumière Martin", primary_profession=Profession.objects.get(slug="electricien")
    )
    MembershipFactory(company=company, role=MembershipRole.OWNER, user__email="pro@example.fr")
    UserFactory(email="client@example.fr")

    log_in(page, live_server.url, "pro@example.fr")
    expect(page).to_have_url(f"{live_server.url}/espace-pro/{company.pk}/")
    page.context.clear_cookies()

    log_in(page, live_server.url, "client@example.fr")
    expect(page).to_have_url(f"{live_server.url}/mon-compte/")
    page.context.clear_cookies()

    log_in(page, live_server.url, "client@example.fr", "?next=/metiers/")
    expect(page).to_have_url(f"{live_server.url}/metiers/")
    page.context.clear_cookies()

    log_in(page, live_server.url, "client@example.fr", "?next=https://evil.example/")
    expect(page).to_have_url(f"{live_server.url}/mon-compte/")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_account_and_legal_pages_have_no_serious_accessibility_violation(
    page: Page, live_server, size
):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    for path in (
        "/compte/signup/",
        "/compte/login/",
        "/compte/password/reset/",
        "/compte/confirm-email/not-a-key/",
        "/conditions-d-utilisation/",
        "/confidentialite/",
        "/en/confidentialite/",
    ):
        page.goto(live_server.url + path)
        assert_accessible(page)
    page.goto(live_server.url + "/compte/signup/")
    page.locator("form.stacked-form button[type=submit]").click()  # every field empty
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_accessible(page)
