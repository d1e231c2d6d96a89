"""The application in a real browser, on a desktop and on a phone: trades
are found with the keyboard in the trade picker, ticked across sectors, the
questionnaire asks only what matters for them, step 4 recaps every answer,
and axe finds no serious or critical violation on any step. Without
JavaScript the picker still works."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from post_office.models import Email

from directory.models import MembershipRole, Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from eligibility import services
from eligibility.models import Application, ApplicationStatus
from tests.browser.axe import serious_violations as axe_violations
from tests.browser.helpers import log_in as shared_log_in
from tests.factories import CompanyFactory, MembershipFactory, UserFactory
from tests.gazetteer_sample import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def applicant():
    taxonomy_load()
    load_gazetteer(source=SAMPLE)
    user = UserFactory(email="gerant@atelier-bois.fr")
    Application.objects.create(
        applicant=user,
        legal_name="Atelier Bois et Famille",
        siren="732829320",
        address="4 quai Saint-Antoine",
        postal_code="69002",
        city="Lyon",
        phone="+33699056090",
    )
    return user


def log_in(page: Page, base: str, email: str) -> None:
    shared_log_in(page, base, email)
    # Logged in: the log-out button is in the header (folded into "Menu" on a phone).
    expect(page.get_by_role("button", name="Se déconnecter", include_hidden=True)).to_have_count(1)


def pick_with_keyboard(page: Page, words: str, trade: str) -> None:
    """Type ``words`` in the filter box, reach the first trade shown with ↓,
    tick it with Space; it must be ``trade``."""
    search = page.get_by_label("Chercher un métier")
    search.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(words)
    page.keyboard.press("ArrowDown")
    focused = page.locator("input[type=checkbox]:focus")
    expect(focused).to_have_accessible_name(trade)
    page.keyboard.press("Space")
    expect(focused).to_be_checked()


@pytest.mark.parametrize("screen", SCREENS)
def test_three_trades_across_sectors_with_the_keyboard_then_the_recap(
    page: Page, live_server, applicant, screen
):
    page.set_viewport_size(SCREENS[screen])
    base = live_server.url
    log_in(page, base, applicant.email)
    page.goto(base + "/rejoindre/etape/2/")
    picker = page.locator("[data-trade-picker]")
    count = picker.locator("[data-trade-picker-count]")
    expect(count).to_have_text("Aucun métier choisi pour l'instant")

    # A name without its accent, a synonym ("nounou"), a plain name.
    pick_with_keyboard(page, "menuisi", "Menuisier")
    expect(count).to_have_text("1 métier choisi — Menuisier")
    pick_with_keyboard(page, "nounou", "Garde d'enfants")
    pick_with_keyboard(page, "traiteur", "Traiteur")
    expect(count).to_have_text("3 métiers choisis — Menuisier, Garde d'enfants, Traiteur")
    # Filtering hides the other sectors; Escape shows them all again, and
    # Enter in the filter box does not send the form.
    expect(picker.locator("fieldset.trade-picker-sector:visible")).to_have_count(1)
    page.get_by_label("Chercher un métier").press("Enter")
    expect(page).to_have_url(base + "/rejoindre/etape/2/")
    page.get_by_label("Chercher un métier").press("Escape")
    expect(picker.locator("fieldset.trade-picker-sector:visible")).to_have_count(8)
    page.get_by_label("Chercher un métier").fill("zzz")
    expect(picker.locator("[data-trade-picker-empty]")).to_be_visible()
    page.get_by_label("Chercher un métier").fill("")
    shoot(page, f"application-step2-{screen}")
    assert axe_violations(page) == []

    page.get_by_label("Vos prestations").fill("Meubles sur mesure, garde d'enfants, buffets.")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # Step 3: a trust trade (childcare) makes the amount irrelevant; no
    # restaurant, so no exceptional-event question; nothing pre-selected.
    expect(page.get_by_role("heading", name="Questionnaire")).to_be_visible()
    expect(page.get_by_text("montant moyen")).to_have_count(0)
    expect(page.get_by_text("événements exceptionnels")).to_have_count(0)
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    expect(page.get_by_text("---------")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_label("Combien de nouveaux clients avez-vous par jour, en moyenne ?").fill("1")
    page.get_by_label("Plusieurs jours ou plus").check()
    page.get_by_label("Oui, toujours").check()
    page.get_by_role("button", name="Enregistrer et continuer").click()
    # Step 4, the documents, can wait: the review lists them as a to-do.
    page.get_by_role("link", name="Continuer").click()

    # Step 5: every answer, a link to each step, the reply time.
    recap = page.locator(".recap")
    expect(recap).to_contain_text("Atelier Bois et Famille")
    expect(recap).to_contain_text("732 829 320")
    expect(recap).to_contain_text("06 99 05 60 90")
    expect(recap).to_contain_text("Garde d'enfants, Menuisier, Traiteur")
    expect(recap).to_contain_text("Meubles sur mesure")
    expect(recap).to_contain_text("Plusieurs jours ou plus")
    expect(recap).to_contain_text("Oui, toujours")
    for step in (1, 2, 3):
        expect(recap.locator(f"a[href='/rejoindre/etape/{step}/']")).to_be_visible()
    expect(page.get_by_text("répond en général sous 3 jours")).to_be_visible()
    shoot(page, f"application-step4-{screen}")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Envoyer ma candidature").click()
    expect(page.get_by_role("heading", name="Ma candidature")).to_be_visible()
    application = Application.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED
    assert set(application.professions.values_list("slug", flat=True)) == {
        "menuisier",
        "garde-enfants",
        "traiteur",
    }
    received = Email.objects.get(to=[applicant.email])
    assert received.subject.endswith("Candidature reçue : Atelier Bois et Famille")


def test_the_picker_works_without_javascript(browser: Browser, live_server, applicant):
    context = browser.new_context(java_script_enabled=False, viewport=SCREENS["phone"])
    page = context.new_page()
    base = live_server.url
    log_in(page, base, applicant.email)
    page.goto(base + "/rejoindre/etape/2/")
    # No filter box without the script; every trade is a checkbox, by sector.
    expect(page.get_by_label("Chercher un métier")).to_be_hidden()
    expect(page.get_by_role("group", name="Habitat et travaux")).to_be_visible()
    page.get_by_label("Électricien", exact=True).check()
    page.get_by_label("Plombier", exact=True).check()
    page.get_by_label("Restaurant traditionnel", exact=True).check()
    page.get_by_label("Vos prestations").fill("Installations et repas.")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    # A restaurant is asked about exceptional events.
    expect(page.get_by_role("group", name="Restaurant ou hôtel")).to_be_visible()
    page.goto(base + "/rejoindre/etape/2/")
    expect(page.locator("[data-trade-picker-count]")).to_have_text(
        "3 métiers choisis — Électricien, Plombier, Restaurant traditionnel"
    )
    assert set(Application.objects.get().professions.values_list("slug", flat=True)) == {
        "electricien",
        "plombier",
        "restaurant",
    }
    context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_the_vetter_reads_about_the_applicant(page: Page, live_server, applicant, screen):
    page.set_viewport_size(SCREENS[screen])
    vetter = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    vetter.groups.add(Group.objects.get(name="vetting"))
    application = Application.objects.get()
    application.services_description = "Meubles sur mesure."
    application.new_clients_per_day = 1
    application.average_amount_eur = 12500
    application.decision_time = "days_or_more"
    application.invoices_name_client = "yes"
    application.professions.set(Profession.objects.filter(slug="menuisier"))
    services.application_screen(application=application)
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = timezone.now() - timedelta(days=3, hours=2)
    application.save()
    base = live_server.url
    log_in(page, base, vetter.email)
    page.goto(f"{base}/equipe/candidatures/{application.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("Ses clients prennent le temps de choisir")
    expect(main).to_contain_text("Ses factures portent-elles le nom du client ?")
    expect(main).to_contain_text("en attente depuis 3 j")
    expect(main).to_contain_text("12 500,00 €")
    expect(main).to_contain_text("06 99 05 60 90")
    expect(main).not_to_contain_text("Vos clients")
    expect(main).not_to_contain_text("Vos factures")
    shoot(page, f"staff-detail-{screen}")
    assert axe_violations(page) == []


@pytest.mark.parametrize("screen", SCREENS)
def test_a_pro_adds_other_trades_with_the_picker(page: Page, live_server, applicant, screen):
    page.set_viewport_size(SCREENS[screen])
    company = CompanyFactory(
        trade_name="Plomberie Rhône",
        primary_profession=Profession.objects.get(slug="plombier"),
    )
    MembershipFactory(company=company, role=MembershipRole.OWNER, user__email="pro@plomberie.fr")
    base = live_server.url
    log_in(page, base, "pro@plomberie.fr")
    page.goto(f"{base}/espace-pro/{company.pk}/profil/")
    expect(page.get_by_text("Choisissez votre métier principal")).to_have_count(1)
    pick_with_keyboard(page, "chauffage", "Installateur de chauffage")
    pick_with_keyboard(page, "electri", "Électricien")
    assert axe_violations(page) == []
    shoot(page, f"pro-profile-{screen}")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Votre profil est enregistré")).to_be_visible()
    expect(page.locator("[data-trade-picker-count]")).to_have_text(
        "2 métiers choisis — Électricien, Installateur de chauffage"
    )
    slugs = set(
        company.trade_links.filter(is_primary=False).values_list("profession__slug", flat=True)
    )
    assert slugs == {"electricien", "installateur-chauffage"}
