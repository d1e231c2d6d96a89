"""The e-mail address typed at sign-up, log-in, "add an address" and
password reset (trial, findings 1, 2 and 11): an address longer than the
254-character column, with accents before the @, without a dotted domain
or with a control character is refused with a French message, and
nothing is created nor sent. allauth used to cut a long address to 254
characters (an account "…@exe" left behind and a 500 from the outbox),
and the site's middleware removed a NUL, so that "jean\\x00@exemple.fr"
became "jean@exemple.fr"."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import translation
from post_office.models import Email

from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOO_LONG = "a" * 250 + "@exemple.fr"  # 261 characters
LONGEST = "a" * 243 + "@exemple.fr"  # 254 characters
TOO_LONG_MESSAGE = "Une adresse e-mail comporte au plus 254 caractères"
ACCENTS_MESSAGE = "Les accents et autres lettres spéciales ne sont pas acceptés avant le @"
DOMAIN_MESSAGE = "La partie après le @ doit être un domaine complet, comme exemple.fr."
CONTROL_MESSAGE = "Retirez les caractères de contrôle invisibles de l&#x27;adresse e-mail."

REFUSED_AT_SIGN_UP = [
    (TOO_LONG, TOO_LONG_MESSAGE),
    ("b" * 300 + "@exemple.fr", TOO_LONG_MESSAGE),
    ("x@" + "d" * 250 + ".fr", TOO_LONG_MESSAGE),
    ("josé@exemple.fr", ACCENTS_MESSAGE),
    ("élodie.müller@exemple.fr", ACCENTS_MESSAGE),
    ("ÉLODIE@exemple.fr", ACCENTS_MESSAGE),
    ("user@localhost", DOMAIN_MESSAGE),
    ("user@intranet", DOMAIN_MESSAGE),
    ("jean\x00@exemple.fr", CONTROL_MESSAGE),
    ("jean@exemple.fr\x00", CONTROL_MESSAGE),
    ("je\x1ban@exemple.fr", CONTROL_MESSAGE),
    ("jean@exem\x7fple.fr", CONTROL_MESSAGE),
]


def sign_up(client, django_capture_on_commit_callbacks, email: str):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("account_signup"),
            {"email": email, "password1": PASSWORD, "password2": PASSWORD},
        )


@pytest.mark.parametrize(("email", "message"), REFUSED_AT_SIGN_UP)
def test_sign_up_refuses_the_address_with_a_french_message_and_creates_nothing(
    client, django_capture_on_commit_callbacks, email, message
):
    response = sign_up(client, django_capture_on_commit_callbacks, email)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()
    assert not Email.objects.exists()
    assert mail.outbox == []


def test_the_page_does_not_cut_a_pasted_address_at_a_maxlength(client):
    html = client.get(reverse("account_signup")).content.decode()
    field = html[html.index('name="email"') - 200 : html.index('name="email"') + 200]
    assert "maxlength" not in field


@pytest.mark.parametrize("email", [LONGEST, "jose@exemple.fr", "jean@xn--exmple-cua.fr"])
def test_sign_up_takes_the_longest_and_plain_addresses_whole(
    client, django_capture_on_commit_callbacks, email
):
    response = sign_up(client, django_capture_on_commit_callbacks, email)
    assert response.status_code == 302
    assert User.objects.get().email == email
    assert mail.outbox[0].to == [email]


def test_an_address_with_an_accented_domain_is_still_taken(
    client, django_capture_on_commit_callbacks
):
    response = sign_up(client, django_capture_on_commit_callbacks, "jean@exämple.fr")
    assert response.status_code == 302
    assert User.objects.get().email == "jean@exämple.fr"


def test_sign_up_in_english_says_it_in_english(client, django_capture_on_commit_callbacks):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": TOO_LONG, "password1": PASSWORD, "password2": PASSWORD},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "An e-mail address has at most 254 characters (this one has 261)." in (
        response.content.decode()
    )
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "login",
    ["consumer@example.fr\x00", "\x00consumer@example.fr", "consumer\x1f@example.fr"],
)
def test_log_in_refuses_an_address_holding_a_control_character(client, cast, login):
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
    assert response.status_code == 200
    assert CONTROL_MESSAGE in response.content.decode()
    assert client.get(reverse("directory:account")).status_code == 302


def test_log_in_with_the_plain_address_still_works(client, cast):
    response = client.post(
        reverse("account_login"), {"login": "consumer@example.fr", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("directory:account")).status_code == 200


@pytest.mark.parametrize(
    ("email", "message"),
    [
        (TOO_LONG, TOO_LONG_MESSAGE),
        ("c" * 400 + "@exemple.fr", TOO_LONG_MESSAGE),
        ("josé@exemple.fr", ACCENTS_MESSAGE),
        ("autre@localhost", DOMAIN_MESSAGE),
        ("autre\x00@exemple.fr", CONTROL_MESSAGE),
    ],
)
def test_adding_an_address_refuses_it_and_stores_nothing(
    client, django_capture_on_commit_callbacks, email, message
):
    user = UserFactory(email="moi@example.fr")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_email"), {"email": email, "action_add": ""})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(EmailAddress.objects.values_list("email", flat=True)) == ["moi@example.fr"]
    assert mail.outbox == []


def test_adding_a_plain_address_still_sends_its_confirmation(
    client, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(email="moi@example.fr"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_email"), {"email": "autre@example.fr", "action_add": ""}
        )
    assert response.status_code == 302
    assert EmailAddress.objects.filter(email="autre@example.fr", verified=False).exists()
    assert mail.outbox[0].to == ["autre@example.fr"]


@pytest.mark.parametrize(
    ("email", "message"), [(TOO_LONG, TOO_LONG_MESSAGE), ("jean\x00@example.fr", CONTROL_MESSAGE)]
)
def test_password_reset_refuses_a_malformed_address(
    client, django_capture_on_commit_callbacks, email, message
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert mail.outbox == []
