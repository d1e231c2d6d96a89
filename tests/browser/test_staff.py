"""Staff at volume, in a browser on a desktop and a phone: the moderation
queue (reasons in words, filters, paging, the name comparison explained)
and a suspension (confirmation, reason, e-mail, history in words)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import Page, expect

from directory.models import Company, CompanyStatus, MembershipRole, Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from tests.browser.helpers import log_in
from tests.factories import CompanyFactory, MembershipFactory, UserFactory
from tests.gazetteer_sample import SAMPLE
from tests.reviews.test_moderation_queue import pending_review

from .axe import assert_accessible, assert_fits_the_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(params=list(SIZES))
def sized_page(request, page: Page) -> Page:
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
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


@pytest.fixture
def staff():
    user = UserFactory(email="equipe@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"), Group.objects.get(name="vetting"))
    return user


@pytest.fixture
def queue(company):
    reviews = [
        pending_review(
            company, rating=1 + index % 5, days_old=30 - index, title=f"Avis {index:02d}"
        )
        for index in range(27)
    ]
    pending_review(
        company,
        reasons=["contact_details"],
        title="Appelez-moi",
        author_name="S. Martin",
        client_name="Sophie Martin",
        text="Très bien <b>vraiment</b>, appelez-moi au 06 12 34 56 78 pour en parler.",
    )
    return reviews


def test_a_moderator_works_through_the_queue(sized_page: Page, live_server, staff, queue):
    page = sized_page
    log_in(page, live_server.url, staff.email)
    page.goto(live_server.url + "/equipe/avis/")
    expect(page.get_by_text("28 avis en attente")).to_be_visible()
    expect(page.locator(".moderation-reasons").first).to_have_text(
        "Nom de l'auteur différent de celui de la facture"
    )
    expect(page.get_by_text("name_mismatch")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("1 / 2")
    assert_fits_the_width(page)

    # The oldest review is in the first screen, filters folded on a phone.
    expect(page.get_by_role("link", name="Avis 00")).to_be_in_viewport()
    if not page.locator("details.filters").evaluate("(details) => details.open"):
        page.locator("details.filters summary").click()
    page.get_by_label("Pourquoi il est là").select_option("contact_details")
    page.get_by_role("button", name="Appliquer").click()
    expect(page.get_by_text("1 avis correspond à ces filtres, sur 28 en attente")).to_be_visible()
    excerpt = page.locator(".moderation-excerpt")
    expect(excerpt).to_have_count(1)
    expect(excerpt).to_contain_text("Très bien <b>vraiment</b>")  # shown as typed, not as markup
    page.get_by_role("link", name="Appelez-moi").click()
    expect(page.get_by_text("Probablement la même personne", exact=True)).to_be_visible()
    expect(page.get_by_text("initiales au lieu de mots entiers")).to_be_visible()
    assert_fits_the_width(page)

    page.goto(live_server.url + "/equipe/avis/?rating=99&age=abc")
    expect(page.locator(".errorlist").first).to_be_visible()
    expect(page.get_by_text("28 avis en attente")).to_be_visible()


def test_a_suspension_is_confirmed_with_a_reason_and_told_to_the_pro(
    sized_page: Page, live_server, staff, company
):
    page = sized_page
    mail.outbox.clear()
    log_in(page, live_server.url, staff.email)
    page.goto(live_server.url + f"/equipe/entreprises/?q={company.siren}")
    page.get_by_role("link", name="Suspendre…").click()
    expect(page.get_by_role("heading", name="Suspendre Lumière Martin ?")).to_be_visible()
    expect(page.get_by_text("Le motif sera envoyé par e-mail à pro@example.fr.")).to_be_visible()
    expect(page.get_by_role("link", name="Sa page publique")).to_be_visible()
    assert_fits_the_width(page)

    page.get_by_role("button", name="Confirmer la suspension").click()  # no reason
    expect(page.locator(".errorlist")).to_be_visible()
    assert Company.objects.get(pk=company.pk).status == CompanyStatus.LISTED

    page.get_by_label("Motif (enregistré)").fill("Faux avis prouvés lors d'un contrôle.")
    page.get_by_role("button", name="Confirmer la suspension").click()
    expect(page.get_by_text("Lumière Martin est suspendue.")).to_be_visible()
    expect(page.locator(".company-events")).to_contain_text("Référencée → Suspendue")
    assert Company.objects.get(pk=company.pk).status == CompanyStatus.SUSPENDED
    assert [message.to for message in mail.outbox] == [["pro@example.fr"]]
    assert "Faux avis prouvés" in mail.outbox[0].body
    assert_fits_the_width(page)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_staff_pages_have_no_serious_accessibility_violation(
    page: Page, live_server, staff, queue, company, size
):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, staff.email)
    review = queue[0]
    for path in (
        "/equipe/avis/",
        "/equipe/avis/?reason=name_mismatch&rating=3",
        "/equipe/avis/?rating=nine",
        f"/equipe/avis/{review.pk}/",
        f"/equipe/entreprises/?q={company.siren}",
        f"/equipe/entreprises/{company.pk}/statut/suspended/",
        f"/equipe/entreprises/{company.pk}/historique/",
    ):
        page.goto(live_server.url + path)
        assert re.search(r"/equipe/", page.url)
        assert_accessible(page)
