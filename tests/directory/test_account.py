"""The consumer account: data export, deletion with anonymisation."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from directory.models import QuoteRequest
from tests.conftest import PASSWORD
from tests.factories import QuoteRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_of_consumer(cast):
    return QuoteRequestFactory(
        company=cast.company_a,
        requester=cast.consumer,
        phone="06 11 22 33 44",
        need="Changer le tableau électrique, 12 rue des Lilas.",
        contact_preference="phone",
    )


def test_export_holds_everything_about_the_person(client, cast, request_of_consumer):
    client.login(username=cast.consumer.username, password=PASSWORD)
    response = client.get(reverse("directory:account-export"))
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == "consumer@example.fr"
    assert data["quote_requests"][0]["phone"] == "06 11 22 33 44"
    assert data["quote_requests"][0]["company"] == "Alpha Électricité"


def test_deletion_anonymises_quote_requests(client, cast, request_of_consumer):
    client.login(username=cast.consumer.username, password=PASSWORD)
    response = client.post(reverse("directory:account-delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=cast.consumer.pk).exists()
    quote = QuoteRequest.objects.get(pk=request_of_consumer.pk)
    assert (quote.requester, quote.name, quote.email, quote.phone) == (None, "", "", "")
    assert "12 rue des Lilas" not in quote.need
    assert quote.anonymised_at is not None


def test_deletion_needs_the_password(client, cast):
    client.login(username=cast.consumer.username, password=PASSWORD)
    response = client.post(reverse("directory:account-delete"), {"password": "wrong"})
    assert response.status_code == 200
    assert "Mot de passe incorrect" in response.content.decode()
    assert User.objects.filter(pk=cast.consumer.pk).exists()


def test_the_last_owner_must_hand_over_before_deleting(client, cast):
    client.login(username=cast.owner_b.username, password=PASSWORD)
    response = client.post(reverse("directory:account-delete"), {"password": PASSWORD})
    assert response.status_code == 200
    assert User.objects.filter(pk=cast.owner_b.pk).exists()
