"""The record of a review as staff read it, and the invitation ratio as a
visitor reads it, in a real browser on a desktop and a phone, checked by
axe (issue 12: "A tamper-evident record", "Invitation rule")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from directory.models import MembershipRole, Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from reviews.models import Invoice, Review, ReviewLogEntry
from reviews.services import appeals, invoices, moderation, transitions
from tests.browser.helpers import log_in
from tests.factories import CompanyFactory, MembershipFactory, UserFactory, recent_date
from tests.gazetteer_sample import SAMPLE

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
    user.groups.add(Group.objects.get(name="moderation"))
    return user


@pytest.fixture
def appealed(company, staff):
    """A review sent to moderation, refused, appealed by its author."""
    invoice = Invoice.objects.create(
        company=company,
        number="F-0001",
        issued_on=recent_date(59),
        amount=Decimal("1250.00"),
        client_name="Mme Sophie Martin",
        client_email="sophie@example.org",
    )
    review = Review(
        company=company,
        invoice=invoice,
        rating=3,
        rating_reliability=3,
        rating_quality=3,
        rating_value=3,
        rating_communication=3,
        title="Un avis à relire",
        text="Travail correct mais le nom ne correspond pas à la facture, à vérifier.",
        experience_date=invoice.issued_on,
        author_name="Paul Bernard",
        author_email=invoice.client_email,
        declared_at=timezone.now(),
        name_match="mismatch",
        name_score=33.0,
        moderation_reasons=["name_mismatch"],
    )
    transitions.review_move(
        review=review, to="pending", by="system", actor=None, reason="Nom différent."
    )
    moderation.review_moderate(
        review=review, actor=staff, decision="reject", reason="name_mismatch"
    )
    review.refresh_from_db()
    appeals.appeal_create(
        review=review, by="author", text="J'ai réglé la facture au nom de ma compagne."
    )
    return review


def test_staff_read_the_history_and_see_a_break(sized_page: Page, live_server, staff, appealed):
    page = sized_page
    log_in(page, live_server.url, staff.email)
    page.goto(live_server.url + f"/equipe/avis/{appealed.pk}/")
    history = page.locator("section.review-history")
    expect(history.get_by_role("heading", name="Historique")).to_be_visible()
    expect(history).to_contain_text("Chaîne vérifiée (4 entrées).")
    lines = history.locator("ol > li")
    expect(lines).to_have_count(4)
    expect(lines.nth(0)).to_contain_text("Statut : En cours de modération")
    expect(lines.nth(1)).to_contain_text("Décision de modération : Refuser")
    expect(lines.nth(1)).to_contain_text("equipe@plusquepro.fr")
    expect(lines.nth(2)).to_contain_text("En cours de modération → Refusée")
    expect(lines.nth(3)).to_contain_text("Contestation (L'auteur) : Ouverte")
    assert_accessible(page)
    assert_fits_the_width(page)

    ReviewLogEntry.objects.filter(review=appealed, seq=2).delete()
    page.reload()
    alert = page.get_by_role("alert").filter(has_text="Chaîne rompue")
    expect(alert).to_contain_text("Chaîne rompue à l'entrée 2 (entrée manquante)")
    assert_accessible(page)


def test_visitors_read_the_rule_and_the_ratio(sized_page: Page, live_server, company):
    owner = company.memberships.get().user
    invoices.invitation_rule_save(
        company=company, actor=owner, policy="min_amount", min_amount=Decimal("1000")
    )
    for number, amount in (("F-1", "2000"), ("F-2", "400")):
        invoices.invoice_create(
            company=company,
            fields={
                "number": number,
                "issued_on": recent_date(60).isoformat(),
                "amount": amount,
                "client_name": "Luc Petit",
                "client_email": f"{number}@example.org",
            },
            actor=None,
        )
    assert Invoice.objects.count() == 2
    page = sized_page
    page.goto(live_server.url + company.get_absolute_url())
    block = page.locator(".invitation-ratio")
    expect(block.get_by_role("heading", name="Qui est invité à donner son avis")).to_be_visible()
    expect(block).to_contain_text("d'au moins 1 000,00")
    expect(block).to_contain_text(
        "Sur les 12 derniers mois, 1 des 2 factures enregistrées ont donné lieu à une"
        " invitation (50 %)."
    )
    assert_accessible(page)
    assert_fits_the_width(page)
