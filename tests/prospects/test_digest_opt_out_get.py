"""The digest's opt-out page, opened (GET), says at once when its link
cannot work — forged, of another kind, expired, its nonce changed — with
no button (found by a fresh-user trial: ``/prospects/recapitulatif/abc/
desinscription/`` offered "Arrêter le récapitulatif", whose click then
said "Ce lien n'est pas valide."). A good link still asks first and
changes nothing until the POST."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from common.signed_links import make_token
from prospects import links
from prospects.models import DigestSubscription

pytestmark = pytest.mark.django_db

BUTTON = ">Arrêter le récapitulatif</button>"


def path_of(token: str) -> str:
    return reverse("prospects:digest-opt-out", args=[token])


@pytest.fixture
def subscription(cast):
    return DigestSubscription.objects.create(user=cast.owner_a)


def test_a_good_link_asks_with_the_button(client, subscription):
    response = client.get(path_of(links.digest_opt_out_token(subscription)))
    assert response.status_code == 200
    assert BUTTON in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.enabled


@pytest.mark.parametrize("kind", ["forged", "other kind", "nonce changed"])
def test_a_link_that_cannot_work_says_so_without_a_button(client, subscription, kind):
    token = {
        "forged": "abc",
        "other kind": make_token("reviews.invitation", subscription.pk, subscription.nonce),
        "nonce changed": make_token(links.DIGEST_OPT_OUT_SALT, subscription.pk, "autre"),
    }[kind]
    response = client.get(path_of(token))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ce lien n&#x27;est pas valide." in page
    assert BUTTON not in page
    subscription.refresh_from_db()
    assert subscription.enabled


def test_an_expired_link_says_so_on_opening(client, cast):
    with time_machine.travel("2026-01-15 08:00 +01:00", tick=False):
        subscription = DigestSubscription.objects.create(user=cast.owner_a)
        path = path_of(links.digest_opt_out_token(subscription))
    with time_machine.travel("2026-03-20 08:00 +01:00", tick=False):
        response = client.get(path)
    assert response.status_code == 400
    assert "Ce lien a expiré." in response.content.decode()
    assert BUTTON not in response.content.decode()
