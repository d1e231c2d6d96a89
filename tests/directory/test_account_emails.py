"""django-allauth's e-mails name the platform and its address, in French
and in English: no empty placeholder ("Bonjour, c'est  !")."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# What an empty {{ variable }} leaves: "c'est  !" (French puts one space
# before ! ? : ;, never two), "sur ." or "at ," (no space ever goes before
# . or ,), "None", or empty quotes.
EMPTY_PLACEHOLDER = re.compile(r"\s{2}[!?:;]|\s[.,](?:\s|$)|\bNone\b|''|\"\"|«\s*»")


def sent(client, django_capture_on_commit_callbacks, name, data, language):
    mail.outbox.clear()
    # The override also restores the thread's language after the request
    # (LocaleMiddleware leaves the request's one active).
    with translation.override(language), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(name), data, HTTP_ACCEPT_LANGUAGE=language)
    assert len(mail.outbox) == 1, name
    return mail.outbox[0]


def assert_complete(message, *, site_name="Plus que pro") -> None:
    for text in (message.subject, message.body):
        lines = [line for line in text.splitlines() if line.strip()]
        for line in lines:
            assert not EMPTY_PLACEHOLDER.search(line), line
    assert site_name in message.body


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_verification_email_names_the_site(
    client, language, django_capture_on_commit_callbacks
):
    message = sent(
        client,
        django_capture_on_commit_callbacks,
        "account_signup",
        {
            "email": f"new-{language}@example.org",
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
        },
        language,
    )
    assert_complete(message)
    assert "127.0.0.1:8000" in message.body  # the domain of SITE_URL


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_password_reset_email_names_the_site(
    client, cast, language, django_capture_on_commit_callbacks
):
    message = sent(
        client,
        django_capture_on_commit_callbacks,
        "account_reset_password",
        {"email": "consumer@example.fr"},
        language,
    )
    assert_complete(message)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_signing_up_again_with_a_known_address_names_the_site(
    client, cast, language, django_capture_on_commit_callbacks
):
    message = sent(
        client,
        django_capture_on_commit_callbacks,
        "account_signup",
        {
            "email": "consumer@example.fr",
            "password1": PASSWORD + "x",
            "password2": PASSWORD + "x",
        },
        language,
    )
    assert_complete(message)
