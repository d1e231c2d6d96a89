"""A pro registers an invoice, the client writes a review from the
invitation, it appears on the company page with its label; the pro replies."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from directory.models import MembershipRole, Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from tests.browser.helpers import log_in
from tests.factories import CompanyFactory, MembershipFactory, recent_date
from tests.gazetteer_sample import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def test_invoice_invitation_review_reply(page: Page, live_server, company):
    base = live_server.url
    mail.outbox.clear()
    log_in(page, base, "pro@example.fr")
    page.goto(f"{base}/espace-pro/{company.pk}/factures/")
    page.get_by_label("Numéro de facture").fill("F-2026-042")
    page.get_by_label("Date de facture").fill(recent_date(46).isoformat())
    page.get_by_label("Montant TTC (€)").fill("3200")
    page.get_by_label("Nom du client").fill("Mme Claire Dubois")
    page.get_by_label("E-mail du client").fill("claire.dubois@example.org")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Facture F-2026-042 enregistrée.")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()

    invitation = next(m for m in mail.outbox if m.to == ["claire.dubois@example.org"])
    path = re.search(r"/avis/[^/\s]+/", invitation.body).group(0)
    page.goto(base + path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lumière Martin")
    for name, value in (
        ("rating", "5"),
        ("rating_reliability", "5"),
        ("rating_quality", "5"),
        ("rating_value", "4"),
        ("rating_communication", "5"),
    ):
        page.locator(f"input[name={name}][value='{value}']").check()
    page.get_by_label("Titre").fill("Installation impeccable")
    page.get_by_label("Votre avis").fill(
        "Devis clair, intervention à l'heure, tableau électrique refait proprement et expliqué."
    )
    page.get_by_label("Votre nom, tel qu'il figure sur la facture").fill("Claire Dubois")
    page.locator("input[name=declaration]").check()
    page.get_by_role("button", name="Publier mon avis").click()
    expect(page.get_by_role("heading", name="Merci pour votre avis")).to_be_visible()

    page.goto(base + company.get_absolute_url())
    review = page.locator("#avis li.review").first
    expect(review).to_contain_text("Installation impeccable")
    expect(review).to_contain_text("Avis lié à une facture")
    expect(review).to_contain_text("Claire D.")

    log_in(page, base, "pro@example.fr")
    page.goto(f"{base}/espace-pro/{company.pk}/avis/")
    page.get_by_text("Répondre publiquement").click()
    page.get_by_label("Votre réponse publique").fill("Merci Claire, à bientôt pour la borne !")
    page.get_by_role("button", name="Publier la réponse").click()
    page.goto(base + company.get_absolute_url())
    expect(page.locator("#avis .reply")).to_contain_text("à bientôt pour la borne")
