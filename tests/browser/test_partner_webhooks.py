"""Webhooks in the partner portal, in a real browser, on a desktop and on
a phone: a partner's developer subscribes an endpoint (a real HTTP
server on 127.0.0.1), copies its secret shown once, sees a delivery in
the log once an event happens, reads it and sends it again. axe finds
no serious violation; nothing overflows the phone's width."""

from __future__ import annotations

import os
import re

import pytest
from django.db import transaction
from playwright.sync_api import Page, expect

from partners.models import DeliveryStatus, Partner, PartnerKind, WebhookDelivery, WebhookSecret
from partners.webhooks import event_publish
from tests.browser.axe import assert_accessible
from tests.browser.helpers import SCREENS, log_in
from tests.factories import UserFactory
from tests.partners.webhook_receiver import receiver_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEV_EMAIL = "dev@comparo.test"
SHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def partner():
    partner = Partner.objects.create(
        name="Comparo", kind=PartnerKind.COMPARISON_SITE, contact_email="api@comparo.test"
    )
    partner.members.add(UserFactory(email=DEV_EMAIL))
    return partner


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    receiver = receiver_start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def fits(page: Page, screen: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREENS[screen]["width"]


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_a_partner_subscribes_an_endpoint_reads_its_log_and_replays_a_delivery(
    page: Page, live_server, partner, receiver, screen
):
    base = live_server.url
    page.set_viewport_size(SCREENS[screen])
    log_in(page, base, DEV_EMAIL)
    page.goto(f"{base}/partenaires/{partner.pk}/")
    nav = page.get_by_role("navigation", name="Espace partenaire")
    nav.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_text("Aucun point de réception pour l'instant.")).to_be_visible()
    assert_accessible(page)

    # The form: a refused URL first, then the receiver.
    page.get_by_role("link", name="Nouveau point de réception").click()
    page.get_by_label("URL").fill("ftp://hooks.example.fr/")
    page.get_by_label(re.compile(r"Un avis a été publié \(review\.published\)")).check()
    page.get_by_label("Événements publics de toutes les entreprises").check()
    page.get_by_role("button", name="Créer le point de réception").click()
    expect(page.get_by_role("alert").first).to_contain_text("https://")
    assert_accessible(page)
    fits(page, screen)
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Description (facultative)").fill("Production")
    page.get_by_role("button", name="Créer le point de réception").click()

    # The secret, once.
    expect(page.get_by_text("Copiez-le maintenant")).to_be_visible()
    secret = page.get_by_label("Votre secret de signature").input_value()
    assert secret == WebhookSecret.objects.get().secret
    assert secret.startswith("whsec_")
    shoot(page, f"partner-webhook-secret-{screen}")
    assert_accessible(page)
    fits(page, screen)
    page.reload()
    expect(page.get_by_text("ne peut plus l'être")).to_be_visible()
    assert secret not in page.content()

    # An event happens: its delivery reaches the receiver, the log shows it.
    with transaction.atomic():
        event_publish("review.published", company_id=None, payload={"review": {"id": 1}})
    assert len(receiver.received) == 1
    delivery = WebhookDelivery.objects.get()
    page.get_by_role("link", name="Voir le point de réception").click()
    row = page.get_by_role("row").filter(has_text=delivery.event_id)
    expect(row).to_contain_text("review.published")
    expect(row).to_contain_text("Livré")
    expect(row).to_contain_text("200")
    shoot(page, f"partner-webhook-log-{screen}")
    assert_accessible(page)
    fits(page, screen)
    page.get_by_label("Résultat").select_option("failed")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("Aucun envoi ne correspond à ces filtres.")).to_be_visible()
    page.get_by_role("link", name="Tous les envois").click()

    # Its detail, then sent again.
    page.get_by_role("link", name=delivery.event_id).click()
    expect(page.get_by_role("region", name="Corps JSON")).to_contain_text('"review.published"')
    assert_accessible(page)
    fits(page, screen)
    page.get_by_role("button", name="Renvoyer").click()
    expect(page.get_by_text("L'envoi est relancé")).to_be_visible()
    shoot(page, f"partner-webhook-delivery-{screen}")
    assert len(receiver.received) == 2
    assert receiver.received[1].headers["webhook-id"] == delivery.event_id
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert_accessible(page)
    fits(page, screen)

    # Back to the list: the endpoint and its last delivery.
    nav.get_by_role("link", name="Webhooks").click()
    endpoint_row = page.get_by_role("row").filter(has_text=receiver.url)
    expect(endpoint_row).to_contain_text("actif")
    expect(endpoint_row).to_contain_text("Livré (200)")
    shoot(page, f"partner-webhooks-{screen}")
    fits(page, screen)
