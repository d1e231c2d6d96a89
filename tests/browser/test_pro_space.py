"""The pro space in a real browser, on a desktop and on a phone: the
dashboard's next step and live figures are on the first screen (the menu
does not push them a screen down on a phone), the menu is reachable with
the keyboard, a pending applicant sees the application's status, a
suspended company sees why and how to contest; axe finds no serious or
critical violation on these pages."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from directory.models import CompanyStatus, MembershipRole, Profession
from directory.taxonomy.services import taxonomy_load
from eligibility import services as eligibility_services
from eligibility.models import Application
from reviews.services import audits, invoices
from reviews.services import reviews as review_services
from tests.browser.axe import serious_violations as axe_violations
from tests.browser.helpers import log_in
from tests.factories import CompanyFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=False)


def within_first_screen(page: Page, locator) -> bool:
    """The element is entirely inside the viewport without any scrolling."""
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert page.evaluate("window.scrollY") == 0
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= viewport["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
    )


@pytest.fixture
def company(settings):
    """A listed electrician with this month's invoices, a published review
    under a document audit, and a profile to complete."""
    taxonomy_load()
    company = CompanyFactory(
        trade_name="Lumière Martin",
        slug="lumiere-martin",
        primary_profession=Profession.objects.get(slug="electricien"),
    )
    owner = MembershipFactory(
        company=company, role=MembershipRole.OWNER, user__email="pro@example.fr"
    ).user
    for n, name in enumerate(["Hélène Dupré", "Luc Petit", "Anne Roux"], start=1):
        invoice = invoices.invoice_create(
            company=company,
            fields={
                "number": f"FA-{n}",
                "issued_on": timezone.localdate().isoformat(),
                "amount": "1250.00",
                "client_name": name,
                "client_email": f"client{n}@example.org",
            },
            actor=owner,
        )
    review_services.review_submit(
        invitation=invoice.invitation,
        fields={
            "rating": 4,
            "rating_reliability": 4,
            "rating_quality": 5,
            "rating_value": 4,
            "rating_communication": 4,
            "title": "Tableau électrique refait",
            "text": "Travail propre et rapide, explications claires, devis respecté au centime.",
            "author_name": "Anne Roux",
        },
    )
    settings.REVIEW_AUDIT_RATE = 1.0
    audits.audits_open(seed=1)
    return company


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_the_dashboard_puts_the_next_step_and_figures_on_the_first_screen(
    page: Page, live_server, company, screen
):
    page.set_viewport_size(SCREENS[screen])
    log_in(page, live_server.url, "pro@example.fr")
    page.goto(f"{live_server.url}/espace-pro/{company.pk}/")

    step = page.locator("section.next-step")
    expect(step.get_by_role("heading", name="Votre prochaine étape")).to_be_visible()
    shoot(page, f"pro-dashboard-{screen}")
    expect(step).to_contain_text("1 contrôle de factures attend l'une de vos factures.")
    assert within_first_screen(page, step.get_by_role("heading", name="Votre prochaine étape"))
    assert within_first_screen(page, step.get_by_role("link", name="Envoyer la facture"))
    figures = page.locator(".pro-figures")
    expect(figures.locator('[data-figure="invoices-month"]')).to_have_text("3")
    expect(figures.locator('[data-figure="invitations-sent"]')).to_have_text("3")
    expect(figures.locator('[data-figure="reviews"]')).to_have_text("1")
    expect(figures.locator('[data-figure="rating"]')).to_have_text("4,0 / 5")
    expect(figures.locator('[data-figure="audits"]')).to_have_text("1")
    expect(page.get_by_text("Bientôt : enregistrez vos factures")).to_have_count(0)
    nav = page.get_by_role("navigation", name="Espace pro")
    if screen == "phone":
        # One row that scrolls sideways, not a list a screen long.
        assert nav.bounding_box()["height"] < 80
    assert axe_violations(page) == []

    step.get_by_role("link", name="Envoyer la facture").click()
    expect(page).to_have_url(f"{live_server.url}/espace-pro/{company.pk}/controles/")
    expect(nav.locator('[aria-current="page"]')).to_have_text("Contrôles de factures")
    if screen == "phone":
        assert within_first_screen(page, nav.locator('[aria-current="page"]'))
    assert axe_violations(page) == []


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_every_menu_entry_is_reached_and_shown_with_the_keyboard(
    page: Page, live_server, company, screen
):
    page.set_viewport_size(SCREENS[screen])
    log_in(page, live_server.url, "pro@example.fr")
    page.goto(f"{live_server.url}/espace-pro/{company.pk}/")
    nav = page.get_by_role("navigation", name="Espace pro")
    labels = [text.strip() for text in nav.get_by_role("link").all_inner_texts()]
    assert labels[-3:] == ["Équipe", "Applications connectées", "Page publique ↗"]
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => document.activeElement.closest('nav.pro-nav') ? "
            "document.activeElement.textContent.trim() : null"
        )
        if focused is None:
            if reached:
                break
            continue
        reached.append(focused)
        box = page.evaluate(
            "() => { const r = document.activeElement.getBoundingClientRect();"
            " return [r.left, r.right, innerWidth]; }"
        )
        assert box[0] >= 0, f"{focused} is off screen on the left: {box}"
        assert box[1] <= box[2], f"{focused} is off screen on the right: {box}"
    assert reached == labels
    page.keyboard.press("Shift+Tab")  # back to "Page publique"
    page.keyboard.press("Shift+Tab")  # "Applications connectées"
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/espace-pro/{company.pk}/applications/")


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_a_pending_applicant_sees_the_application_status(page: Page, live_server, screen):
    page.set_viewport_size(SCREENS[screen])
    taxonomy_load()
    user = UserFactory(email="gerant@atelier-bois.fr")
    application = Application.objects.create(
        applicant=user,
        legal_name="Atelier Bois et Famille",
        siren="732829320",
        address="4 quai Saint-Antoine",
        postal_code="69002",
        city="Lyon",
        year_founded=2012,
        services_description="Menuiserie sur mesure.",
        new_clients_per_day=2,
        average_amount_eur=8000,
        decision_time="days_or_more",
        invoices_name_client="yes",
    )
    application.professions.set([Profession.objects.get(slug="menuisier")])
    eligibility_services.application_submit(application=application, actor=user)

    log_in(page, live_server.url, "gerant@atelier-bois.fr")
    page.goto(f"{live_server.url}/espace-pro/")
    expect(page.get_by_text("rattaché à aucune entreprise")).to_have_count(0)
    expect(
        page.get_by_role("heading", name="Votre candidature · Atelier Bois et Famille")
    ).to_be_visible()
    expect(page.get_by_text("Envoyée, en attente de vérification")).to_be_visible()
    follow = page.get_by_role("link", name="Suivre ma candidature")
    assert within_first_screen(page, follow)
    shoot(page, f"pro-home-pending-{screen}")
    assert axe_violations(page) == []
    follow.click()
    expect(page).to_have_url(f"{live_server.url}/rejoindre/suivi/")


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_a_suspended_company_reads_why_and_how_to_contest(page: Page, live_server, company, screen):
    page.set_viewport_size(SCREENS[screen])
    staff = UserFactory(email="staff@example.fr", is_staff=True)
    eligibility_services.company_set_status(
        company=company,
        status=CompanyStatus.SUSPENDED,
        actor=staff,
        reason="Attestation d'assurance décennale expirée depuis mars.",
    )
    log_in(page, live_server.url, "pro@example.fr")
    page.goto(f"{live_server.url}/espace-pro/{company.pk}/")
    step = page.locator("section.next-step")
    heading = step.get_by_role("heading", name="Votre entreprise est suspendue")
    assert within_first_screen(page, heading)
    reason = step.locator(".suspension-reason")
    expect(reason).to_have_text("Attestation d'assurance décennale expirée depuis mars.")
    assert within_first_screen(page, reason)
    contact = step.get_by_role("link", name="Écrire à contact@plusquepro.fr")
    expect(contact).to_have_attribute(
        "href",
        "mailto:contact@plusquepro.fr?subject=Contestation%20de%20la%20suspension%20de%20"
        "Lumi%C3%A8re%20Martin",
    )
    shoot(page, f"pro-suspended-{screen}")
    assert axe_violations(page) == []

    page.get_by_role("navigation", name="Espace pro").get_by_role("link", name="Profil").click()
    page.get_by_role("link", name="Pourquoi, et comment contester").click()
    expect(page).to_have_url(f"{live_server.url}/espace-pro/{company.pk}/")
