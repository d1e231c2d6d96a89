"""The loyalty pages in a real browser, on a desktop and a phone (issue 13
§ 3): the pro's loyalty page (score, figures, advice, history chart with
its table, clients to follow up) and a pro on the way to 30 sessions (the
progress bar), the public line of the company page; nothing overflows the
screen and axe finds no serious or critical violation."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from directory.models import MembershipRole, Profession
from directory.taxonomy.services import taxonomy_load
from loyalty.recompute import scores_recompute
from reviews.services import invoices
from tests.browser.axe import assert_accessible
from tests.browser.helpers import log_in
from tests.factories import CompanyFactory, MembershipFactory
from tests.loyalty.history_data import history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-{page.viewport_size['width']}.png", full_page=True)


@pytest.fixture
def companies():
    """A scored electrician (40 new clients observed, 11 back) with a
    recent invoiced client who has not come back, and a young one (12
    sessions)."""
    taxonomy_load()
    electrician = Profession.objects.get(slug="electricien")
    scored = CompanyFactory(
        trade_name="Lumière Martin", slug="lumiere-martin", primary_profession=electrician
    )
    young = CompanyFactory(
        trade_name="Jeune Pousse", slug="jeune-pousse", primary_profession=electrician
    )
    MembershipFactory(company=scored, role=MembershipRole.OWNER, user__email="pro@example.fr")
    MembershipFactory(company=young, role=MembershipRole.OWNER, user__email="young@example.fr")
    history(scored, new=40, returned=11)
    invoices.invoice_create(
        company=scored,
        fields={
            "number": "FA-1",
            "issued_on": timezone.localdate().isoformat(),
            "amount": "1250.00",
            "client_name": "Hélène Dupré",
            "client_email": "helene.dupre@example.fr",
        },
        actor=None,
    )
    history(young, new=0, returned=0, recent=12)
    scores_recompute()
    return {"scored": scored, "young": young}


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]


@pytest.mark.parametrize("screen", SCREENS.values(), ids=SCREENS.keys())
def test_the_loyalty_pages_read_true_on_every_screen(page: Page, live_server, companies, screen):
    page.set_viewport_size(screen)
    base = live_server.url

    page.goto(base + "/entreprises/lumiere-martin/")
    line = page.locator(".loyalty-line")
    expect(line).to_contain_text(
        "28 % de nouveaux clients revenus dans les 6 mois "
        "(moyenne des professionnels de la plateforme : 30 %)"
    )
    expect(line).to_contain_text("40 nouveaux clients observés")
    expect(line.get_by_role("link", name="Comment est-ce calculé ?")).to_be_visible()
    no_sideways_scroll(page)
    shoot(page, "company-line")
    assert_accessible(page)

    log_in(page, base, "pro@example.fr")
    page.goto(base + f"/espace-pro/{companies['scored'].pk}/fidelite/")
    expect(page.get_by_role("heading", name="Score de fidélité", exact=True)).to_be_visible()
    expect(page.locator('[data-figure="new-clients"]')).to_have_text("40")
    expect(page.locator('[data-figure="returned"]')).to_have_text("11")
    expect(page.locator('[data-figure="advice"]')).to_contain_text(
        "2 clients de plus revenus sur les 40 observés vous placeraient au-dessus de la moyenne"
    )
    expect(page.get_by_role("img", name="Votre score de fidélité mois par mois")).to_be_visible()
    page.locator("summary", has_text="Les chiffres du graphique").click()
    expect(page.locator("#loyalty-history-table tbody tr")).to_have_count(1)
    expect(page.locator("#loyalty-waiting")).to_contain_text("Hélène D.")
    expect(page.locator("#loyalty-waiting")).not_to_contain_text("Dupré")
    no_sideways_scroll(page)
    shoot(page, "loyalty-scored")
    assert_accessible(page)

    page.context.clear_cookies()
    log_in(page, base, "young@example.fr")
    page.goto(base + f"/espace-pro/{companies['young'].pk}/fidelite/")
    bar = page.get_by_role("progressbar", name="12 / 30 prestations réalisées")
    expect(bar).to_have_attribute("value", "12")
    expect(bar).to_have_attribute("max", "30")
    shoot(page, "loyalty-young")
    expect(page.locator(".loyalty-line")).to_have_count(0)
    no_sideways_scroll(page)
    assert_accessible(page)

    page.goto(base + "/entreprises/jeune-pousse/")
    expect(page.locator(".loyalty-line")).to_have_count(0)
