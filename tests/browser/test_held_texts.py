"""Issue 12: a company's reply naming the client's surname waits in the
moderation queue; a moderator reads why, in words, and publishes it from a
desktop or a phone. Accessible (axe), no sideways scrolling."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from reviews.models import Reply, ReviewStatus
from reviews.services import moderation
from tests.reviews.test_moderation_queue import pending_review

from .axe import assert_accessible, assert_fits_the_width
from .test_staff import company, log_in, sized_page, staff  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_moderator_publishes_a_held_reply(sized_page: Page, live_server, staff, company):  # noqa: F811
    review = pending_review(company, reasons=[], author_name="Sophie Martin")
    type(review).objects.filter(pk=review.pk).update(status=ReviewStatus.PUBLISHED)
    reply = moderation.reply_save(
        review=review,
        author=company.memberships.get().user,
        text="Merci Madame Martin, nous revenons poser les prises la semaine prochaine.",
    )
    assert reply.status == "pending"
    page = sized_page
    log_in(page, live_server.url, staff.email)
    page.goto(live_server.url + "/equipe/avis/")
    held = page.get_by_role("region", name="Mises à jour et réponses retenues par les contrôles")
    expect(held).to_contain_text("Réponse de l'entreprise")
    expect(held).to_contain_text("Nom de famille complet du client dans le texte")
    expect(held).to_contain_text("Merci Madame Martin")
    assert_accessible(page)
    assert_fits_the_width(page)
    held.get_by_role("button", name="Publier").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Aucune mise à jour ni réponse en attente.")).to_be_visible()
    assert Reply.objects.get().status == "published"


def test_the_pro_reads_that_a_reply_waits_and_why(sized_page: Page, live_server, company):  # noqa: F811
    review = pending_review(company, reasons=[], author_name="Sophie Martin")
    type(review).objects.filter(pk=review.pk).update(status=ReviewStatus.PUBLISHED)
    page = sized_page
    log_in(page, live_server.url, "pro@example.fr")
    page.goto(live_server.url + reverse("reviews:pro-reviews", args=[company.pk]))
    page.get_by_text("Répondre publiquement").click()
    reply = page.get_by_label("Votre réponse publique")
    expect(reply).to_have_attribute("aria-describedby", f"reply-help-{review.pk}")
    reply.fill("Merci Madame Martin, à bientôt pour la suite des travaux.")
    page.get_by_role("button", name="Publier la réponse").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Votre texte attend nos modérateurs").first).to_be_visible()
    expect(page.get_by_text("Votre réponse attend nos modérateurs")).to_be_visible()
    assert Reply.objects.get().status == "pending"
    assert_accessible(page)
    assert_fits_the_width(page)
