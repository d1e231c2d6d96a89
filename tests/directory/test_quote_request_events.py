"""Every status change of a quote request goes through one transitions
table and leaves a write-once event: who, when, from, to and why."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from common.transitions import TransitionError
from directory.models import QuoteRequest, QuoteRequestEvent, QuoteStatus
from directory.quotes.models import QUOTE_TRANSITIONS
from directory.quotes.services import quote_request_set_status
from tests.conftest import PASSWORD

from .test_quote_requests import form_data, url

pytestmark = pytest.mark.django_db


def history(quote: QuoteRequest) -> list[tuple[str, str, str | None]]:
    return [
        (event.from_status, event.to_status, event.actor.email if event.actor else None)
        for event in quote.events.select_related("actor")
    ]


def test_an_anonymous_request_records_its_creation_and_its_confirmation(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(cast.company_a), form_data())
    quote = QuoteRequest.objects.get()
    assert history(quote) == [("", QuoteStatus.UNCONFIRMED, None)]
    path = re.search(r"/devis/confirmer/\S+/", mail.outbox[0].body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
        client.post(path)  # a second click records nothing more
    assert history(quote) == [
        ("", QuoteStatus.UNCONFIRMED, None),
        (QuoteStatus.UNCONFIRMED, QuoteStatus.NEW, None),
    ]
    assert quote.events.last().reason


def test_every_change_in_the_inbox_is_recorded_with_its_member(
    client, cast, django_capture_on_commit_callbacks
):
    client.login(username=cast.consumer.username, password=PASSWORD)
    client.post(url(cast.company_a), form_data(email="", email_confirmation=""))
    quote = QuoteRequest.objects.get()
    client.login(username=cast.member_a.username, password=PASSWORD)
    detail_url = reverse("directory:pro-quote", args=[cast.company_a.pk, quote.pk])
    status_url = reverse("directory:pro-quote-status", args=[cast.company_a.pk, quote.pk])
    client.get(detail_url)
    client.get(detail_url)  # opened twice: read once
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail_url, {"body": "Bonjour, je peux passer jeudi à 9 h."})
        client.post(detail_url, {"body": "Et vendredi aussi, si vous préférez."})
    client.post(status_url, {"status": "closed"})
    client.post(status_url, {"status": "closed"})  # no change, no event
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail_url, {"body": "Je reste disponible pour en parler."})
    client.post(status_url, {"status": "read"})  # reopened
    member = "member-a@example.fr"
    assert history(quote) == [
        ("", QuoteStatus.NEW, "consumer@example.fr"),
        (QuoteStatus.NEW, QuoteStatus.READ, member),
        (QuoteStatus.READ, QuoteStatus.ANSWERED, member),
        (QuoteStatus.ANSWERED, QuoteStatus.CLOSED, member),
        (QuoteStatus.CLOSED, QuoteStatus.READ, member),
    ]
    assert all(event.reason for event in quote.events.all())


def test_a_change_the_table_does_not_hold_is_refused_and_not_recorded(client, cast):
    client.post(url(cast.company_a), form_data())
    quote = QuoteRequest.objects.get()
    # Members never see unconfirmed requests; the service refuses them too.
    with pytest.raises(TransitionError):
        quote_request_set_status(quote=quote, status=QuoteStatus.CLOSED, actor=cast.owner_a)
    with pytest.raises(ValidationError):
        quote_request_set_status(quote=quote, status=QuoteStatus.NEW, actor=cast.owner_a)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.UNCONFIRMED
    assert quote.events.count() == 1
    assert not QUOTE_TRANSITIONS.allows(QuoteStatus.UNCONFIRMED, QuoteStatus.NEW, by="member")
    assert not QUOTE_TRANSITIONS.allows(QuoteStatus.NEW, QuoteStatus.CLOSED, by="requester")
    assert not QUOTE_TRANSITIONS.allows(QuoteStatus.CLOSED, QuoteStatus.UNCONFIRMED, by="member")


def test_events_cannot_be_edited(client, cast):
    client.post(url(cast.company_a), form_data())
    event = QuoteRequestEvent.objects.get()
    event.reason = "rewritten"
    with pytest.raises(ValidationError):
        event.save()


def test_staff_cannot_change_a_status_in_the_admin(client, cast):
    from django.contrib.auth.models import User

    client.post(url(cast.company_a), form_data())
    quote = QuoteRequest.objects.get()
    admin = User.objects.create_superuser("boss", "boss@example.fr", PASSWORD)
    client.force_login(admin)
    change_url = reverse("admin:directory_quoterequest_change", args=[quote.pk])
    client.post(change_url, {"status": QuoteStatus.CLOSED})
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.UNCONFIRMED
