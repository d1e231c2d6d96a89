"""Quote requests: from the company page to the pro's inbox, and every way
a request can be refused."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from directory.models import QuoteRequest, QuoteStatus
from directory.quotes.services import quote_requests_purge_unconfirmed
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEED = "Mise aux normes du tableau électrique d'un appartement de 70 m² à Lyon."


def form_data(**overrides) -> dict:
    data = {
        "need": NEED,
        "postal_code": "69003",
        "city": "Lyon",
        "timeframe": "month",
        "budget": "1000-5000",
        "contact_preference": "email",
        "name": "Claire Client",
        "email": "claire@example.fr",
        "email_confirmation": "claire@example.fr",
        "phone": "",
        "website": "",
    }
    return {**data, **overrides}


def url(company) -> str:
    return reverse("directory:quote-request", args=[company.slug])


def test_company_page_links_to_the_quote_form(client, cast):
    page = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert url(cast.company_a) in page
    assert client.get(url(cast.company_a)).status_code == 200


def test_anonymous_request_waits_for_email_confirmation(
    client, cast, django_capture_on_commit_callbacks
):
    company = cast.company_a
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(company), form_data())
    assert response.status_code == 302
    quote = QuoteRequest.objects.get()
    assert quote.status == QuoteStatus.UNCONFIRMED
    # Only the requester is written to, not the company yet.
    assert [m.to for m in mail.outbox] == [["claire@example.fr"]]
    link = re.search(r"http://\S+/devis/confirmer/\S+/", mail.outbox[0].body).group(0)
    path = link.removeprefix("http://127.0.0.1:8000")
    # Opening the link only shows a button: mail scanners confirm nothing.
    assert client.get(path).status_code == 200
    assert QuoteRequest.objects.get().status == QuoteStatus.UNCONFIRMED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path)
    assert response.status_code == 200
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.NEW
    assert quote.confirmed_at is not None
    company_mail = mail.outbox[1]
    assert sorted(company_mail.to) == ["member-a@example.fr", "owner-a@example.fr"]
    assert "claire@example.fr" not in company_mail.body  # details are read in the pro space
    # A second click changes nothing and notifies nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    assert len(mail.outbox) == 2


def test_confirmation_link_expires(client, cast, django_capture_on_commit_callbacks):
    with time_machine.travel("2026-11-01 10:00 +0100", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url(cast.company_a), form_data())
        path = re.search(r"/devis/confirmer/\S+/", mail.outbox[0].body).group(0)
    with time_machine.travel("2026-11-03 11:00 +0100", tick=False):
        response = client.post(path)
    assert response.status_code == 400
    assert "expiré" in response.content.decode()
    assert QuoteRequest.objects.get().status == QuoteStatus.UNCONFIRMED


def test_forged_confirmation_link_is_refused(client, cast):
    response = client.post(reverse("directory:quote-confirm", args=["forged:token"]))
    assert response.status_code == 400


def test_unconfirmed_requests_are_purged(cast, client, django_capture_on_commit_callbacks):
    with time_machine.travel("2026-11-01 10:00 +0100", tick=False):
        client.post(url(cast.company_a), form_data())
    with time_machine.travel("2026-11-04 10:00 +0100", tick=False):
        assert quote_requests_purge_unconfirmed() == 1
    assert not QuoteRequest.objects.exists()


def test_verified_user_sends_directly_and_emails_leave_after_commit(
    client, cast, django_capture_on_commit_callbacks
):
    client.login(username=cast.consumer.username, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url(cast.company_a), form_data(email="", email_confirmation=""))
    assert response.status_code == 302
    assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    quote = QuoteRequest.objects.get()
    assert quote.status == QuoteStatus.NEW
    assert quote.requester == cast.consumer
    assert quote.email == "consumer@example.fr"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"need": "trop court"}, "need", "au moins 30 caractères"),
        ({"need": "x" * 3001}, "need", "3000 caractères"),
        ({"email_confirmation": "other@example.fr"}, "email_confirmation", "diffèrent"),
        ({"email": "not-an-email", "email_confirmation": "not-an-email"}, "email", "valide"),
        ({"postal_code": "6900"}, "postal_code", "cinq chiffres"),
        ({"contact_preference": "phone"}, "phone", "numéro"),
        ({"timeframe": "tomorrow"}, "timeframe", "choix valide"),
        ({"website": "http://spam.example"}, "website", "rester vide"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(
    client, cast, overrides, field, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(cast.company_a), form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not QuoteRequest.objects.exists()
    assert mail.outbox == []


def test_same_request_twice_within_a_day_is_refused(client, cast):
    client.login(username=cast.consumer.username, password=PASSWORD)
    data = form_data(email="", email_confirmation="")
    assert client.post(url(cast.company_a), data).status_code == 302
    response = client.post(url(cast.company_a), data)
    assert "dans les dernières 24 heures" in response.content.decode()
    assert QuoteRequest.objects.count() == 1
    # To another company, or with another text, it is a new request.
    assert client.post(url(cast.company_b), data).status_code == 302
    other = form_data(email="", email_confirmation="", need=NEED + " Et une prise.")
    assert client.post(url(cast.company_a), other).status_code == 302
    assert QuoteRequest.objects.count() == 3


def test_duplicate_check_ignores_case_and_spacing(client, cast):
    client.post(url(cast.company_a), form_data())
    response = client.post(url(cast.company_a), form_data(need="  " + NEED.upper() + "  "))
    assert "24 heures" in response.content.decode()
    assert QuoteRequest.objects.count() == 1


def test_rate_limit_per_ip(client, cast, settings):
    settings.QUOTE_RATE_PER_IP = "2/h"
    for i in range(2):
        assert client.post(url(cast.company_a), form_data(need=f"{NEED} n°{i}")).status_code == 302
    response = client.post(url(cast.company_a), form_data(need=f"{NEED} n°3"))
    assert response.status_code == 200
    assert "Trop de demandes" in response.content.decode()
    assert QuoteRequest.objects.count() == 2


def test_rate_limit_per_account(client, cast, settings):
    settings.QUOTE_RATE_PER_USER = "1/d"
    client.login(username=cast.consumer.username, password=PASSWORD)
    data = form_data(email="", email_confirmation="")
    assert client.post(url(cast.company_a), data).status_code == 302
    response = client.post(url(cast.company_b), data)
    assert "Trop de demandes" in response.content.decode()
    assert QuoteRequest.objects.count() == 1


@pytest.mark.parametrize(("status", "code"), [("suspended", 410), ("pending", 404)])
def test_unlisted_company_takes_no_request(client, cast, status, code):
    cast.company_a.status = status
    cast.company_a.save()
    assert client.get(url(cast.company_a)).status_code == code
    assert client.post(url(cast.company_a), form_data()).status_code == code
    assert not QuoteRequest.objects.exists()


def test_inbox_read_answer_close(client, cast, django_capture_on_commit_callbacks):
    client.login(username=cast.consumer.username, password=PASSWORD)
    client.post(url(cast.company_a), form_data(email="", email_confirmation=""))
    quote = QuoteRequest.objects.get()
    client.logout()
    client.login(username=cast.member_a.username, password=PASSWORD)
    inbox = client.get(reverse("directory:pro-quotes", args=[cast.company_a.pk]))
    assert "Claire Client" in inbox.content.decode()
    detail_url = reverse("directory:pro-quote", args=[cast.company_a.pk, quote.pk])
    detail = client.get(detail_url).content.decode()
    assert NEED.replace("'", "&#x27;") in detail
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.READ
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail_url, {"body": "Bonjour, je peux passer jeudi à 9 h."})
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ANSWERED
    assert mail.outbox[0].to == ["consumer@example.fr"]
    assert mail.outbox[0].reply_to == ["member-a@example.fr"]
    assert "jeudi à 9 h" in mail.outbox[0].body
    status_url = reverse("directory:pro-quote-status", args=[cast.company_a.pk, quote.pk])
    client.post(status_url, {"status": "closed"})
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.CLOSED
    # The consumer follows it from their account.
    client.logout()
    client.login(username=cast.consumer.username, password=PASSWORD)
    account = client.get(reverse("directory:account")).content.decode()
    assert "Alpha Électricité" in account
    assert "Fermée" in account


def test_unconfirmed_requests_are_not_in_the_inbox(client, cast):
    client.post(url(cast.company_a), form_data())
    client.login(username=cast.owner_a.username, password=PASSWORD)
    inbox = client.get(reverse("directory:pro-quotes", args=[cast.company_a.pk]))
    assert "Claire Client" not in inbox.content.decode()


def test_empty_reply_is_refused(client, cast):
    client.login(username=cast.consumer.username, password=PASSWORD)
    client.post(url(cast.company_a), form_data(email="", email_confirmation=""))
    quote = QuoteRequest.objects.get()
    client.login(username=cast.owner_a.username, password=PASSWORD)
    response = client.post(
        reverse("directory:pro-quote", args=[cast.company_a.pk, quote.pk]), {"body": ""}
    )
    assert response.status_code == 200
    assert quote.replies.count() == 0


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("claire.dupont@gmail.com", "ClaireDupont+devis@googlemail.com"),
        ("claire@orange.fr", "Claire+Travaux@orange.fr"),
        ("claire@exämple.fr", "claire@xn--exmple-cua.fr"),
    ],
)
def test_duplicate_check_knows_one_mailbox_in_every_spelling(client, cast, first, second):
    client.post(url(cast.company_a), form_data(email=first, email_confirmation=first))
    response = client.post(url(cast.company_a), form_data(email=second, email_confirmation=second))
    assert "24 heures" in response.content.decode()
    assert QuoteRequest.objects.count() == 1
    assert QuoteRequest.objects.get().email == first.lower()  # kept for sending


def test_dots_make_another_mailbox_outside_gmail(client, cast):
    client.post(
        url(cast.company_a), form_data(email="c.d@orange.fr", email_confirmation="c.d@orange.fr")
    )
    response = client.post(
        url(cast.company_a), form_data(email="cd@orange.fr", email_confirmation="cd@orange.fr")
    )
    assert response.status_code == 302
    assert QuoteRequest.objects.count() == 2
