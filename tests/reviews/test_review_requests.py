"""A client without an invitation starts from the company page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from reviews.models import ReviewInvitation, ReviewRequest
from reviews.services import invoices
from tests.factories import recent_date

pytestmark = pytest.mark.django_db


def ask(client, cast, **overrides):
    data = {"invoice_number": "F-77", "name": "Sophie Martin", "email": "sophie@example.org"}
    return client.post(
        reverse("reviews:request", args=[cast.company_a.slug]), {**data, **overrides}
    )


def confirm(client):
    path = re.search(r"/avis/demande/\S+/", mail.outbox[-1].body).group(0)
    assert client.get(path).status_code == 200  # a button, no effect
    return client.post(path)


def register(cast, email="sophie@example.org", client_name="Mme Sophie Martin"):
    return invoices.invoice_create(
        company=cast.company_a,
        fields={
            "number": "F-77",
            "issued_on": recent_date(60).isoformat(),
            "amount": "2000",
            "client_name": client_name,
            "client_email": email,
        },
        actor=None,
    )


def test_registered_invoice_sends_the_invitation_to_its_client(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(cast)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, cast)
    assert mail.outbox[-1].to == ["sophie@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client)
    assert "Nous avons retrouvé votre facture" in response.content.decode()
    assert ReviewRequest.objects.get().status == "matched"
    assert mail.outbox[-1].to == ["sophie@example.org"]
    assert "/avis/" in mail.outbox[-1].body


def test_request_waits_for_the_invoice(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, cast)
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client)
    assert "Votre demande attend" in response.content.decode()
    assert ReviewRequest.objects.get().status == "waiting"
    with django_capture_on_commit_callbacks(execute=True):
        register(cast)
    assert ReviewRequest.objects.get().status == "matched"
    assert ReviewInvitation.objects.filter(invoice__number="F-77").exists()


def test_another_persons_name_and_email_do_not_match(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(cast)
        ask(client, cast, name="Paul Bernard", email="paul@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client)
    assert ReviewRequest.objects.get().status == "waiting"


def test_the_invitation_always_goes_to_the_invoice_address(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(cast, email="sophie.martin@perso.example")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, cast, email="autre@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client)
    assert mail.outbox[-1].to == ["sophie.martin@perso.example"]


def test_bad_input_changes_nothing(client, cast):
    response = ask(client, cast, email="not-an-email", invoice_number="")
    assert response.status_code == 200
    assert not ReviewRequest.objects.exists()


def test_forged_confirmation_is_refused(client, cast):
    assert client.post(reverse("reviews:request-confirm", args=["forged"])).status_code == 400


def test_staff_see_requests_waiting_for_an_invoice(
    client, cast, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group

    from tests.conftest import PASSWORD
    from tests.factories import UserFactory

    with django_capture_on_commit_callbacks(execute=True):
        ask(client, cast)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client)
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderation"))
    client.login(username=moderator.username, password=PASSWORD)
    page = client.get(reverse("reviews:moderation")).content.decode()
    assert "F-77" in page
