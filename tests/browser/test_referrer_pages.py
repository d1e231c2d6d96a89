"""The referrers' pages in a real browser, on a desktop and on a phone: a
pro creates a referrer (a bad phone is refused with its message, nothing
saved), sees the personal link, the leaderboard ranks by clients; axe
finds no serious violation and nothing is wider than the screen."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from prospects import services
from prospects.models import Pipeline, Referrer, Stage
from tests.browser.axe import assert_accessible, assert_fits_the_width
from tests.browser.helpers import PRO_EMAIL, SCREENS, log_in, owned_electrician

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_pro_creates_a_referrer_and_sees_the_leaderboard(page: Page, live_server, screen):
    company = owned_electrician()
    owner = company.memberships.get().user
    bob = services.referrer_create(pipeline=Pipeline.COMPANY, company=company, name="Bob Voisin")
    services.prospect_create(
        pipeline=Pipeline.COMPANY, company=company, name="Lead de Bob", actor=owner,
        stage=Stage.WARM, referrer=bob, force=True,
    )  # fmt: skip
    page.set_viewport_size(SCREENS[screen])
    log_in(page, live_server.url, PRO_EMAIL)
    page.goto(live_server.url + reverse("prospects:pro-prospects-board", args=[company.pk]))
    page.get_by_role("link", name="Prescripteurs").click()
    expect(page.get_by_role("heading", name="Prescripteurs")).to_be_visible()
    assert_accessible(page)
    assert_fits_the_width(page)

    page.get_by_role("link", name="Nouveau prescripteur").click()
    page.get_by_label("Nom").fill("Claire Martin")
    page.get_by_label("Téléphone").fill("12")
    page.get_by_label("Cette personne est cliente").check()
    page.get_by_label("Le ou la remercier par e-mail").check()
    page.get_by_role("button", name="Créer").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert not Referrer.objects.filter(name="Claire Martin").exists()
    assert_accessible(page)

    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.get_by_label("E-mail", exact=True).fill("claire@example.org")
    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_role("heading", name="Claire Martin")).to_be_visible()
    claire = Referrer.objects.get(name="Claire Martin")
    assert (claire.phone, claire.is_client, claire.thanks_opt_in) == ("+33612345678", True, True)
    link = page.get_by_label("Lien de recommandation personnel")
    assert f"?parrain={claire.code}" in link.input_value()
    assert_accessible(page)
    assert_fits_the_width(page)

    page.get_by_role("link", name="← Prescripteurs").click()
    rows = page.locator(".referrer-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Bob Voisin")  # one lead beats none
    expect(rows.nth(1)).to_contain_text("Claire Martin")


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_digest_setting_and_opt_out_pages(page: Page, live_server, screen):
    from prospects.links import digest_opt_out_token
    from prospects.models import DigestSubscription

    company = owned_electrician()
    owner = company.memberships.get().user
    subscription = DigestSubscription.objects.create(user=owner)
    page.set_viewport_size(SCREENS[screen])
    page.goto(
        live_server.url
        + reverse("prospects:digest-opt-out", args=[digest_opt_out_token(subscription)])
    )
    assert_accessible(page)
    assert_fits_the_width(page)
    page.get_by_role("button", name="Arrêter le récapitulatif").click()
    expect(page.get_by_text("C'est fait")).to_be_visible()
    subscription.refresh_from_db()
    assert not subscription.enabled

    log_in(page, live_server.url, PRO_EMAIL)
    page.goto(live_server.url + reverse("prospects:pro-prospects-digest", args=[company.pk]))
    box = page.get_by_label("M'envoyer le récapitulatif des relances chaque matin à 8 h")
    expect(box).not_to_be_checked()
    assert_accessible(page)
    assert_fits_the_width(page)
    box.check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le récapitulatif est activé.")).to_be_visible()
    subscription.refresh_from_db()
    assert subscription.enabled
