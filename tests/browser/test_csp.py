"""No page breaks the Content-Security-Policy in a real browser: the pages
the other journeys do not open (the pro space's pages, staff pages, the
rating bars of a company with reviews, the language picker). The check
itself is the ``page`` fixture of ``conftest.py``; the first test shows it
catches a violation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from reviews.models import Invoice, Review
from reviews.services import stats
from tests.conftest import PASSWORD
from tests.factories import recent_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, user) -> None:
    page.goto(base + "/compte/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked-form button[type=submit]").first.click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_the_watch_catches_an_inline_script(page: Page, live_server, csp_violations):
    page.goto(live_server.url + "/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.x = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert any("script-src" in text for text in csp_violations), csp_violations
    csp_violations.clear()  # caught: the fixture's final check passes


def test_the_language_picker_switches_without_an_inline_handler(page: Page, live_server, cast):
    page.goto(live_server.url + "/")
    page.select_option("#language", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_company_page_with_reviews_and_its_rating_bars(page: Page, live_server, cast):
    for n, rating in enumerate((5, 5, 4, 2)):
        invoice = Invoice.objects.create(
            company=cast.company_a,
            number=f"F-{n}",
            issued_on=recent_date(60),
            amount=Decimal("100"),
            client_name=f"Client {n}",
            client_email=f"c{n}@example.org",
        )
        Review.objects.create(
            company=cast.company_a,
            invoice=invoice,
            rating=rating,
            rating_reliability=rating,
            rating_quality=rating,
            rating_value=rating,
            rating_communication=rating,
            title="Très bien",
            text="Travail soigné, rapide et propre, je recommande cette entreprise.",
            experience_date=recent_date(60),
            author_name=f"Client {n}",
            author_email=f"c{n}@example.org",
            declared_at=timezone.now(),
            name_match="match",
            name_score=100,
            status="published",
        )
    stats.company_review_stats_refresh()
    cast.company_a.refresh_from_db()
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(f"{live_server.url}/entreprises/{cast.company_a.slug}/")
    bars = page.locator(".bar rect")
    expect(bars).to_have_count(5)
    widths = [page.locator(".bar svg").nth(i).bounding_box()["width"] for i in range(5)]
    assert len(set(widths)) == 1  # every track is full width; the rect inside is the share
    assert bars.first.get_attribute("width") == "50"
    page.goto(f"{live_server.url}/entreprises/{cast.company_a.slug}/devis/")
    page.goto(f"{live_server.url}/recherche/?q=electricien&ou=Lyon")


def test_the_search_filters_fold_on_a_small_screen(page: Page, live_server, cast):
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(f"{live_server.url}/recherche/?q=electricien&ou=Lyon")
    expect(page.locator("#filters")).not_to_have_attribute("open", "")
    page.set_viewport_size({"width": 1200, "height": 800})
    page.reload()
    expect(page.locator("#filters")).to_have_attribute("open", "")


def test_the_pro_space_pages(page: Page, live_server, cast):
    base = live_server.url
    log_in(page, base, cast.owner_a)
    pk = cast.company_a.pk
    for path in (
        "",
        "profil/",
        "photos/",
        "certifications/",
        "equipe/",
        "demandes/",
        "factures/",
        "factures/import/",
        "avis/",
        "controles/",
    ):
        page.goto(f"{base}/espace-pro/{pk}/{path}")
        expect(page.locator("main")).to_be_visible()
    page.goto(base + "/mon-compte/")
    page.goto(base + "/rejoindre/etape/1/")


def test_the_staff_pages(page: Page, live_server, cast):
    cast.staff.groups.add(*Group.objects.filter(name__in=["moderation", "sales"]))
    base = live_server.url
    log_in(page, base, cast.staff)
    for path in ("candidatures/", "entreprises/", "avis/", "controles/"):
        page.goto(f"{base}/equipe/{path}")
        expect(page.locator("main")).to_be_visible()
