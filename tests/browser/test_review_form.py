"""The review form in a real browser, on a desktop and a phone: a star
rating given with the keyboard only, the warning that appears and goes
while contact details are typed, and the correction of a review refused
for personal data. axe checks every page of the journey (issue 11)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from directory.models import MembershipRole, Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from reviews import links
from reviews.models import Invoice, Review, ReviewStatus
from reviews.services import invitations, moderation
from reviews.services.reviews import CONTACT_PATTERN
from tests.browser.axe import assert_accessible
from tests.factories import CompanyFactory, MembershipFactory, UserFactory
from tests.gazetteer_sample import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
RATINGS = ("rating", "rating_reliability", "rating_quality", "rating_value", "rating_communication")
LEGENDS = (
    "Note globale",
    "Fiabilité et ponctualité",
    "Qualité du travail",
    "Rapport qualité-prix",
    "Communication",
)
LABELS = ("1 — très déçu", "2 — déçu", "3 — correct", "4 — satisfait", "5 — excellent")
CLEAN_TEXT = (
    "Devis clair, intervention à l'heure, tableau électrique refait proprement et expliqué."
)
PHONE_TEXT = "Très bon travail, appelez-le de ma part au 06 12 34 56 78, il se déplace vite."


@pytest.fixture(params=list(SIZES))
def sized(request, page: Page) -> Page:
    page.set_viewport_size(SIZES[request.param])
    return page


@pytest.fixture
def company():
    taxonomy_load()
    load_gazetteer(source=SAMPLE)
    company = CompanyFactory(
        trade_name="Lumière Martin",
        slug="lumiere-martin",
        primary_profession=Profession.objects.get(slug="electricien"),
    )
    MembershipFactory(company=company, role=MembershipRole.OWNER, user__email="pro@example.fr")
    return company


def invitation_path(company, number: str = "F-2026-042") -> str:
    invoice = Invoice.objects.create(
        company=company,
        number=number,
        issued_on=timezone.localdate() - timedelta(days=12),
        amount=3200,
        client_name="Mme Claire Dubois",
        client_email="claire.dubois@example.org",
    )
    invitation = invitations.invitation_create(invoice=invoice)
    return "/" + links.review_url(invitation).split("/", 3)[3]


def test_a_rating_given_with_the_keyboard_only(sized: Page, live_server, company):
    page = sized
    page.goto(live_server.url + invitation_path(company))
    # Every criterion is a group named by its legend, of five radios named by
    # their meaning, each at least 44 × 44 px.
    for legend in LEGENDS:
        group = page.get_by_role("group", name=legend, exact=False)
        expect(group).to_have_count(1)
        for label in LABELS:
            expect(group.get_by_role("radio", name=label, exact=True)).to_have_count(1)
        for star in group.locator("label.star").all():
            box = star.bounding_box()
            assert box["width"] >= 44
            assert box["height"] >= 44
    assert_accessible(page)
    first = page.locator("input[name=rating]").first
    # From the field before the stars, Tab reaches the first star.
    page.locator("input[name=rating]").first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(first).to_be_focused()
    outline = page.evaluate(
        "() => getComputedStyle(document.querySelector('label[for=id_rating_0]')).outlineStyle"
    )
    assert outline == "solid"  # visible focus on the star of the focused radio
    page.keyboard.press("Space")
    expect(page.locator("#id_rating")).to_contain_text("Votre note : 1 — très déçu")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="4 — satisfait").first).to_be_checked()
    expect(page.locator("#id_rating")).to_contain_text("Votre note : 4 — satisfait")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#id_rating")).to_contain_text("Votre note : 3 — correct")
    # Filled stars up to the chosen one.
    colours = page.evaluate(
        "() => [...document.querySelectorAll('#id_rating .star-glyph')]"
        ".map(g => getComputedStyle(g).color)"
    )
    assert colours[0] == colours[1] == colours[2] != colours[3] == colours[4]
    # The next criteria, by keyboard: Tab leaves the group, lands on the next.
    for name, presses in zip(RATINGS[1:], (4, 3, 2, 4), strict=True):
        page.keyboard.press("Tab")
        expect(page.locator(f"input[name={name}]").first).to_be_focused()
        page.keyboard.press("Space")
        for _ in range(presses):
            page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    page.keyboard.type("Installation impeccable")
    page.keyboard.press("Tab")
    page.keyboard.type(CLEAN_TEXT)
    page.keyboard.press("Tab")
    page.keyboard.type("Claire Dubois")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Merci pour votre avis")).to_be_visible()
    review = Review.objects.get()
    assert (
        review.rating,
        review.rating_reliability,
        review.rating_quality,
        review.rating_value,
        review.rating_communication,
    ) == (3, 5, 4, 3, 5)
    assert review.status == ReviewStatus.PUBLISHED
    # The public page shows the sub-ratings, per review and on average.
    page.goto(live_server.url + company.get_absolute_url())
    averages = page.locator("#avis .review-summary ~ dl.criteria")
    expect(averages).to_contain_text("Rapport qualité-prix")
    expect(page.locator("#avis li.review dl.criteria")).to_contain_text("Fiabilité et ponctualité")
    assert_accessible(page)


def test_missing_ratings_are_named_and_the_page_stays_accessible(sized: Page, live_server, company):
    page = sized
    page.goto(live_server.url + invitation_path(company))
    page.get_by_role("button", name="Publier mon avis").click()
    summary = page.locator("#form-errors")
    expect(summary).to_contain_text("Votre avis n’est pas encore enregistré")
    expect(summary).to_contain_text("Choisissez une note pour « Rapport qualité-prix »")
    summary.get_by_role("link", name="Note globale").click()
    assert page.evaluate("() => location.hash") == "#id_rating"
    assert not Review.objects.exists()
    assert_accessible(page)


def test_the_contact_details_warning_comes_and_goes_while_typing(sized: Page, live_server, company):
    page = sized
    page.goto(live_server.url + invitation_path(company))
    warning = page.locator("#contact-warning")
    expect(warning).to_have_attribute("aria-live", "polite")
    expect(warning).to_be_empty()
    text = page.get_by_label("Votre avis")
    text.press_sequentially("Très bon travail, rappelez-le au 06 12 34 56 7")
    expect(warning).to_be_empty()  # not a whole number yet
    text.press_sequentially("8")
    expect(warning).to_contain_text("retirez le numéro pour publier tout de suite")
    assert_accessible(page)
    for _ in range(len(" au 06 12 34 56 78")):
        text.press("Backspace")
    expect(warning).to_be_empty()
    text.press_sequentially(", écrivez-lui : jean@alpha-elec.fr")
    expect(warning).to_contain_text("adresse e-mail")
    text.fill("Voir leurs réalisations sur www.lumiere-martin.com, très beau travail.")
    expect(warning).to_contain_text("adresse web")
    text.fill(CLEAN_TEXT)
    expect(warning).to_be_empty()
    # In the title too, as the server checks both.
    page.get_by_label("Titre").fill("Joignable au 0612345678")
    expect(warning).to_contain_text("retirez le numéro")


# The same answer as the server's rule on each sample, to keep the two in step.
SAMPLES = [
    "Appelez le 06 12 34 56 78",
    "Appelez le 06.12.34.56.78",
    "Appelez le 06-12-34-56-78",
    "Appelez le 0612345678",
    "Appelez le +33 6 12 34 56 78",
    "Appelez le +33612345678",
    "numéro 06 12 34 56",
    "facture 2026061234567890",
    "code 106123456789",
    "jean.dupont+avis@gmail.com",
    "jean@exemple",
    "écrivez à éloïse@société.fr",
    "https://exemple.org/page",
    "http://x",
    "www.exemple",
    "lumiere-martin.fr",
    "site.com.",
    "le tableau.fr est beau",
    "un prix de 1.250,00 €",
    "mon-site.io",
    "exemple.frite",
    "fin de chantier. Comment dire",
    "version 2.0 du devis",
    "C'était top.Net et propre",
    "06 12 34 56 78 90",
    "tél 01 23 45 67 89",
    "deux numéros 09 87 65 43 21",
    "rien à signaler, travail propre",
]


def test_the_typing_warning_follows_the_servers_rule(page: Page, live_server, company):
    page.goto(live_server.url + invitation_path(company))
    browser = page.evaluate("(samples) => samples.map(window.plusQueProContactDetails)", SAMPLES)
    for sample, kind in zip(SAMPLES, browser, strict=True):
        assert bool(kind) == bool(CONTACT_PATTERN.search(sample)), (sample, kind)


def test_a_review_refused_for_personal_data_is_corrected_and_sent_again(
    sized: Page, live_server, company
):
    page = sized
    page.goto(live_server.url + invitation_path(company))
    for name in RATINGS:
        page.locator(f"#id_{name}_4").click()  # the fifth star (its radio lies over it)
    page.get_by_label("Titre").fill("Installation impeccable")
    page.get_by_label("Votre avis").fill(PHONE_TEXT)
    expect(page.locator("#contact-warning")).to_contain_text("retirez le numéro")
    page.get_by_label("Votre nom, tel qu'il figure sur la facture").fill("Claire Dubois")
    page.get_by_label("Je certifie").check()
    page.get_by_role("button", name="Publier mon avis").click()
    expect(page.get_by_text("Il contient des coordonnées")).to_be_visible()
    review = Review.objects.get()
    assert review.status == ReviewStatus.PENDING
    moderator = UserFactory(email="moderation@plusquepro.fr", is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderation"))
    mail.outbox.clear()
    moderation.review_moderate(
        review=review, actor=moderator, decision="reject", reason="personal_data"
    )
    body = next(m.body for m in mail.outbox if m.to == ["claire.dubois@example.org"])
    path = re.search(r"/avis/corriger/[^/\s]+/", body).group(0)

    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Corrigez votre avis")
    expect(page.get_by_text("Contient des données personnelles")).to_be_visible()
    expect(page.get_by_label("Votre avis")).to_have_value(PHONE_TEXT)
    expect(page.locator("#id_rating")).to_contain_text("Votre note : 5 — excellent")
    warning = page.locator("#contact-warning")
    expect(warning).to_contain_text("contient encore un numéro de téléphone")
    assert_accessible(page)
    page.get_by_label("Votre avis").fill(CLEAN_TEXT)
    expect(warning).to_be_empty()
    page.locator("#id_rating_value_3").click()
    page.get_by_label("Je certifie").check()
    page.get_by_role("button", name="Envoyer mon avis corrigé").click()
    expect(page.get_by_text("Votre avis corrigé est envoyé")).to_be_visible()
    review.refresh_from_db()
    assert (review.status, review.text, review.rating_value) == (
        ReviewStatus.PENDING,
        CLEAN_TEXT,
        4,
    )
    # Once only.
    page.goto(live_server.url + path)
    expect(page.get_by_role("alert")).to_contain_text("ne peut plus être corrigé")
    # The author's page no longer offers it; it shows the review waiting.
    page.goto(live_server.url + "/" + links.manage_url(review).split("/", 3)[3])
    expect(page.get_by_text("En cours de modération")).to_be_visible()
    expect(page.get_by_role("link", name="Corriger mon avis")).to_have_count(0)
    assert_accessible(page)


def test_the_form_works_without_javascript(browser, live_server, company):
    context = browser.new_context(java_script_enabled=False, viewport=SIZES["phone"])
    page = context.new_page()
    try:
        page.goto(live_server.url + invitation_path(company))
        for name in RATINGS:
            page.locator(f"#id_{name}_3").click()
        expect(page.locator("#id_rating")).to_contain_text("Votre note : 4 — satisfait")
        page.get_by_label("Titre").fill("Installation impeccable")
        page.get_by_label("Votre avis").fill(PHONE_TEXT)
        expect(page.locator("#contact-warning")).to_be_empty()  # a hint of the script only
        page.get_by_label("Votre nom, tel qu'il figure sur la facture").fill("Claire Dubois")
        page.get_by_label("Je certifie").check()
        page.get_by_role("button", name="Publier mon avis").click()
        expect(page.get_by_text("Il contient des coordonnées")).to_be_visible()
    finally:
        context.close()
    review = Review.objects.get()
    assert (review.rating, review.status) == (4, ReviewStatus.PENDING)
    assert review.moderation_reasons == ["contact_details"]  # the server decides
