"""The prospect analytics pages in a real browser, on a desktop and a
phone (issue 15, "Screens › Analytics"): the pro's page (funnel chart and
table, Pareto chart with its sentence and table, client value with a cost
entered and a wrong one refused) and the sales team's platform funnel;
nothing overflows the screen and axe finds no serious or critical
violation."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from loyalty.models import SessionSource
from loyalty.services.sessions import session_record
from prospects import services as pipeline
from prospects.analytics.services import margin_rate_set
from prospects.models import LostReason, Pipeline, Stage
from reviews.services import invoices
from tests.browser.axe import assert_accessible
from tests.browser.helpers import PRO_EMAIL, SCREENS, log_in, owned_electrician
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOTS_DIR", "")
SALES_EMAIL = "ventes@example.fr"


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-{page.viewport_size['width']}.png", full_page=True)


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]


@pytest.fixture
def data():
    """The electrician's pipeline (a client, a hot lead, a lead lost on
    price, a suspect), its clients of the year (Hélène by invoice, 2 400 €;
    nine others by recorded session, 100 to 500 €) with a 40 % margin rate, and the
    platform's pipeline (two companies to recruit) worked by a sales user."""
    company = owned_electrician()
    owner = company.memberships.get().user
    moves = {
        "Client gagné": [Stage.WARM, Stage.HOT, Stage.CLIENT],
        "Piste chaude": [Stage.WARM, Stage.HOT],
        "Trop cher": [Stage.COLD, Stage.LOST],
        "Simple suspect": [],
    }
    for name, stages in moves.items():
        prospect = pipeline.prospect_create(
            pipeline=Pipeline.COMPANY, company=company, name=name, actor=owner, force=True
        )
        for stage in stages:
            lost_reason = LostReason.PRICE if stage == Stage.LOST else ""
            prospect = pipeline.prospect_move(
                prospect=prospect, to=stage, actor=owner, lost_reason=lost_reason
            )
    today = timezone.localdate()
    invoices.invoice_create(
        company=company,
        fields={
            "number": "FA-1",
            "issued_on": (today - timedelta(days=30)).isoformat(),
            "amount": "2400.00",
            "client_name": "Hélène Dupré",
            "client_email": "helene.dupre@example.fr",
        },
        actor=None,
    )
    for n in range(9):
        session_record(
            company=company,
            performed_on=today - timedelta(days=n + 1),
            source=SessionSource.FORM,
            reference=f"P-{n + 1}",
            email=f"client{n}@example.fr",
            amount=Decimal(100 + 50 * n),
        )
    margin_rate_set(company=company, rate=Decimal("40"), actor=owner)

    sales = UserFactory(email=SALES_EMAIL, is_staff=True)
    sales.groups.add(Group.objects.get(name="sales"))
    for name in ("Plomberie Durand", "Toitures du Lac"):
        prospect = pipeline.prospect_create(
            pipeline=Pipeline.PLATFORM, company=None, name=name, actor=sales, force=True
        )
    pipeline.prospect_move(prospect=prospect, to=Stage.WARM, actor=sales)
    return company


@pytest.mark.parametrize("screen", SCREENS.values(), ids=SCREENS.keys())
def test_the_analytics_pages_read_true_on_every_screen(page: Page, live_server, data, screen):
    page.set_viewport_size(screen)
    base = live_server.url
    log_in(page, base, PRO_EMAIL)
    page.goto(base + f"/espace-pro/{data.pk}/prospects/analyse/")
    expect(
        page.get_by_role("heading", name="Analyse des prospects et des clients", exact=True)
    ).to_be_visible()

    funnel = page.get_by_role("img", name="Prospects ayant atteint chaque étape")
    expect(funnel).to_be_visible()
    expect(funnel.locator("rect.funnel-bar")).to_have_count(5)
    rows = page.locator("#funnel-table tbody tr")
    expect(rows).to_have_count(5)
    expect(
        page.locator('#funnel-table tr[data-stage="client"] [data-figure="current"]')
    ).to_have_text("1")
    expect(page.locator('#lost-table tr[data-reason="price"]')).to_contain_text("Prix")

    sentence = page.locator('[data-figure="pareto-sentence"]')
    expect(sentence).to_contain_text(
        "Les 20 % premiers de vos clients (2 sur 10) font 57 % de votre chiffre d’affaires."
    )
    chart = page.get_by_role(
        "img", name="Chiffre d’affaires par client, du plus grand au plus petit, et sa part cumulée"
    )
    expect(chart).to_be_visible()
    expect(chart.locator("rect.pareto-bar")).to_have_count(10)
    expect(chart.locator("rect.pareto-head")).to_have_count(2)
    page.locator("summary", has_text="Chiffres du graphique").click()
    expect(page.locator("#pareto-table tbody tr")).to_have_count(10)
    expect(page.locator("#pareto-table tbody tr").first).to_contain_text("Hélène Dupré")
    no_sideways_scroll(page)
    shoot(page, "analytics-pro")
    assert_accessible(page)

    first = page.locator('#value-table tr[data-rank="1"]')
    expect(first.locator('[data-figure="value"]')).to_have_text("960,00")
    first.get_by_label("Coût du client n° 1 (€)").fill("110,50")
    first.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le coût du client est enregistré.")).to_be_visible()
    first = page.locator('#value-table tr[data-rank="1"]')
    expect(first.locator('[data-figure="value"]')).to_have_text("849,50")
    expect(page.locator('[data-figure="total-cost"]')).to_have_text("110,50 €")

    second = page.locator('#value-table tr[data-rank="2"]')
    second.get_by_label("Coût du client n° 2 (€)").fill("-4")
    second.get_by_role("button", name="Enregistrer").click()
    second = page.locator('#value-table tr[data-rank="2"]')
    expect(second.get_by_role("alert")).to_contain_text("positif")
    expect(page.locator('[data-figure="total-cost"]')).to_have_text("110,50 €")
    no_sideways_scroll(page)
    assert_accessible(page)

    page.context.clear_cookies()
    log_in(page, base, SALES_EMAIL)
    page.goto(base + "/equipe/prospects/analyse/")
    expect(page.get_by_role("heading", name="Analyse du pipeline commercial")).to_be_visible()
    expect(page.get_by_role("img", name="Prospects ayant atteint chaque étape")).to_be_visible()
    expect(
        page.locator('#funnel-table tr[data-stage="warm"] [data-figure="current"]')
    ).to_have_text("1")
    expect(page.locator("body")).not_to_contain_text("Hélène")
    no_sideways_scroll(page)
    shoot(page, "analytics-platform")
    assert_accessible(page)
