"""Where a quote request goes, and what the requester is told: never that
the company received it when nobody could be written to. Confirmation
links: used, expired, garbled."""

from __future__ import annotations

import html as htmllib
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from common.mail import render_templated
from directory.models import CompanyStatus, QuoteDelivery, QuoteRequest, QuoteStatus
from directory.quotes.links import quote_confirmation_token
from tests.conftest import PASSWORD
from tests.factories import CompanyFactory, MembershipFactory, QuoteRequestFactory

pytestmark = pytest.mark.django_db

NEED = "Mise aux normes du tableau électrique d'un appartement de 70 m² à Lyon."
FALSE_PROMISE = "a bien reçu votre demande"
UNREACHABLE = "ne peut pas être jointe"


def text(response) -> str:
    return htmllib.unescape(response.content.decode())


def form_data(**overrides) -> dict:
    data = {
        "need": NEED,
        "postal_code": "69003",
        "city": "Lyon",
        "timeframe": "month",
        "budget": "1000-5000",
        "contact_preference": "phone",
        "name": "Claire Client",
        "email": "claire@example.fr",
        "email_confirmation": "claire@example.fr",
        "phone": "06 99 05 60 90",
        "website": "",
    }
    return {**data, **overrides}


def send(client, company, capture, **overrides) -> str:
    """An anonymous request to ``company``; returns its confirmation path."""
    with capture(execute=True):
        response = client.post(
            reverse("directory:quote-request", args=[company.slug]), form_data(**overrides)
        )
    assert response.status_code == 302, text(response)[:2000]
    return re.search(r"/devis/confirmer/\S+/", mail.outbox[-1].body).group(0)


def confirm(client, path, capture):
    before = len(mail.outbox)
    with capture(execute=True):
        response = client.post(path)
    return response, mail.outbox[before:]


@pytest.fixture
def lonely(taxonomy, places):
    """A listed company nobody has joined, with a phone but no e-mail."""
    return CompanyFactory(
        trade_name="Gamma Plâtrerie",
        slug="gamma-platrerie",
        primary_profession=taxonomy["electricien"],
        phone="+33478123456",
    )


def test_company_with_members_notifies_its_active_members_only(
    client, cast, django_capture_on_commit_callbacks
):
    cast.member_a.is_active = False
    cast.member_a.save()
    path = send(client, cast.company_a, django_capture_on_commit_callbacks)
    response, sent = confirm(client, path, django_capture_on_commit_callbacks)
    assert [message.to for message in sent] == [["owner-a@example.fr"]]
    html = text(response)
    assert "Votre demande est confirmée" in html
    assert "Nous avons prévenu l'équipe de Alpha Électricité" in html
    assert QuoteRequest.objects.get().delivery == QuoteDelivery.MEMBERS


def test_member_less_company_gets_the_request_at_its_contact_email(
    client, lonely, django_capture_on_commit_callbacks
):
    lonely.email = "contact@gamma.fr"
    lonely.save()
    path = send(client, lonely, django_capture_on_commit_callbacks)
    response, sent = confirm(client, path, django_capture_on_commit_callbacks)
    assert len(sent) == 1
    message = sent[0]
    assert message.to == ["contact@gamma.fr"]
    assert message.reply_to == ["claire@example.fr"]
    # The whole request: nobody there can open a pro space link.
    for part in (NEED, "Claire Client", "claire@example.fr", "06 99 05 60 90", "Téléphone"):
        assert part in message.body
    assert "/espace-pro/" not in message.body
    html = text(response)
    assert "adresse e-mail de contact de Gamma Plâtrerie" in html
    assert FALSE_PROMISE not in html
    quote = QuoteRequest.objects.get()
    assert (quote.status, quote.delivery) == (QuoteStatus.NEW, QuoteDelivery.COMPANY_EMAIL)


def test_inactive_members_only_fall_back_to_the_contact_email(
    client, lonely, django_capture_on_commit_callbacks
):
    MembershipFactory(company=lonely, user__email="gone@gamma.fr", user__is_active=False)
    lonely.email = "contact@gamma.fr"
    lonely.save()
    path = send(client, lonely, django_capture_on_commit_callbacks)
    _response, sent = confirm(client, path, django_capture_on_commit_callbacks)
    assert [message.to for message in sent] == [["contact@gamma.fr"]]


@pytest.mark.parametrize("inactive_member", [False, True])
def test_nobody_to_write_to_says_so_and_keeps_the_request(
    client, lonely, inactive_member, django_capture_on_commit_callbacks
):
    if inactive_member:
        MembershipFactory(company=lonely, user__email="gone@gamma.fr", user__is_active=False)
    # Warned before typing anything.
    form = text(client.get(reverse("directory:quote-request", args=[lonely.slug])))
    assert UNREACHABLE in form
    assert 'href="tel:+33478123456"' in form
    path = send(client, lonely, django_capture_on_commit_callbacks)
    response, sent = confirm(client, path, django_capture_on_commit_callbacks)
    assert sent == []  # nobody was written to
    html = text(response)
    assert response.status_code == 200
    assert UNREACHABLE in html
    assert "personne n'a donc été prévenu" in html
    assert FALSE_PROMISE not in html
    assert "Nous avons prévenu" not in html
    assert 'href="tel:+33478123456"' in html  # another way to reach it
    assert lonely.primary_profession.get_absolute_url() in html  # or others
    quote = QuoteRequest.objects.get()
    # Kept for the company's inbox, and recorded as delivered to nobody.
    assert (quote.status, quote.delivery) == (QuoteStatus.NEW, QuoteDelivery.NOBODY)


def test_logged_in_requester_is_told_the_truth_too(
    client, cast, lonely, django_capture_on_commit_callbacks
):
    client.login(username=cast.consumer.username, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directory:quote-request", args=[lonely.slug]),
            form_data(email="", email_confirmation=""),
            follow=True,
        )
    html = text(response)
    assert "Votre demande est enregistrée" in html
    assert UNREACHABLE in html
    assert "Votre demande est envoyée" not in html
    assert mail.outbox == []
    assert QuoteRequest.objects.get().delivery == QuoteDelivery.NOBODY


def test_logged_in_requester_to_a_company_with_members(
    client, cast, django_capture_on_commit_callbacks
):
    client.login(username=cast.consumer.username, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directory:quote-request", args=[cast.company_a.slug]),
            form_data(email="", email_confirmation=""),
            follow=True,
        )
    html = text(response)
    assert "Votre demande est envoyée" in html
    assert "consumer@example.fr" in html
    assert QuoteRequest.objects.get().delivery == QuoteDelivery.MEMBERS


# --- Confirmation links ------------------------------------------------------


def test_used_link_says_already_confirmed_on_get_and_post(
    client, cast, django_capture_on_commit_callbacks
):
    path = send(client, cast.company_a, django_capture_on_commit_callbacks)
    confirm(client, path, django_capture_on_commit_callbacks)
    response = client.get(path)
    assert response.status_code == 200
    html = text(response)
    assert "Cette demande est déjà confirmée" in html
    assert "Confirmer et envoyer" not in html
    response, sent = confirm(client, path, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "Cette demande est déjà confirmée" in text(response)
    assert sent == []  # notified once


def test_used_link_opened_after_it_expired_still_says_confirmed(
    client, cast, django_capture_on_commit_callbacks
):
    with time_machine.travel("2026-11-01 10:00 +0100", tick=False):
        path = send(client, cast.company_a, django_capture_on_commit_callbacks)
        confirm(client, path, django_capture_on_commit_callbacks)
    with time_machine.travel("2026-11-20 10:00 +0100", tick=False):
        for response in (client.get(path), client.post(path)):
            assert response.status_code == 200
            assert "Cette demande est déjà confirmée" in text(response)


def test_unused_link_shows_the_button_and_changes_nothing(
    client, cast, django_capture_on_commit_callbacks
):
    path = send(client, cast.company_a, django_capture_on_commit_callbacks)
    for _ in range(2):
        html = text(client.get(path))
        assert "Confirmer et envoyer ma demande" in html
        assert "Alpha Électricité" in html
    assert QuoteRequest.objects.get().status == QuoteStatus.UNCONFIRMED


def test_expired_link_explains_on_get_and_post(client, cast, django_capture_on_commit_callbacks):
    with time_machine.travel("2026-11-01 10:00 +0100", tick=False):
        path = send(client, cast.company_a, django_capture_on_commit_callbacks)
    with time_machine.travel("2026-11-03 11:00 +0100", tick=False):
        for response in (client.get(path), client.post(path)):
            assert response.status_code == 400
            html = text(response)
            assert "Ce lien a expiré" in html
            assert "48 heures" in html
    assert QuoteRequest.objects.get().status == QuoteStatus.UNCONFIRMED


def garbled(token: str) -> list[str]:
    return [
        token[:-3],  # cut short when copied
        token[:20],
        token + "x",
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character changed
        token.replace(":", "-"),
        "forged:token",
        "a",
        "é" * 40,
        "%20",
        "x" * 2000,
    ]


def test_garbled_links_get_a_clear_message_never_a_500(client, cast):
    quote = QuoteRequestFactory(company=cast.company_a, status=QuoteStatus.UNCONFIRMED)
    for token in garbled(quote_confirmation_token(quote)):
        path = reverse("directory:quote-confirm", args=[token])
        for response in (client.get(path), client.post(path)):
            assert response.status_code == 400, token
            assert "Ce lien de confirmation n'est pas valide" in text(response)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.UNCONFIRMED
    assert mail.outbox == []


def test_link_of_a_deleted_request_says_it_no_longer_exists(client, cast):
    quote = QuoteRequestFactory(company=cast.company_a, status=QuoteStatus.UNCONFIRMED)
    path = reverse("directory:quote-confirm", args=[quote_confirmation_token(quote)])
    quote.delete()
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert "Cette demande n'existe plus" in text(response)


def test_company_suspended_before_confirmation_gets_nothing(
    client, cast, django_capture_on_commit_callbacks
):
    path = send(client, cast.company_a, django_capture_on_commit_callbacks)
    cast.company_a.status = CompanyStatus.SUSPENDED
    cast.company_a.save()
    response, sent = confirm(client, path, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "n'est plus référencée" in text(response)
    assert sent == []
    assert QuoteRequest.objects.get().status == QuoteStatus.UNCONFIRMED


@pytest.mark.parametrize("language", ["fr", "en"])
def test_direct_request_email_has_no_empty_placeholder(settings, lonely, language):
    settings.LANGUAGE_CODE = language
    quote = QuoteRequestFactory(
        company=lonely, phone="+33699056090", contact_preference="phone", profession=None
    )
    subject, body = render_templated(
        "quote_new_direct", {"quote": quote, "url": "http://127.0.0.1:8000/entreprises/x/"}
    )
    for text_ in (subject, body):
        assert "None" not in text_
        assert "  " not in text_
        assert "()" not in text_
        assert not re.search(r":\s*$", text_.split("\n")[-1])
        assert not re.search(r"^\s*\S+\s?:\s*$", text_, re.MULTILINE), text_
    assert "Claire Client" in subject
    assert "06 99 05 60 90" in body
    assert ("Répondez à cet e-mail" if language == "fr" else "Reply to this e-mail") in body
    assert "Plus que pro" in body
