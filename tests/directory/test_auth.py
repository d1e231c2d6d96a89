"""Accounts through django-allauth: e-mail only, verified before use."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_up_requires_email_verification(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "nouveau@example.fr", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    user = User.objects.get(email="nouveau@example.fr")
    # Not logged in, not usable until the link in the e-mail is followed.
    assert client.get(reverse("directory:account")).status_code == 302
    assert mail.outbox[0].to == ["nouveau@example.fr"]
    link = re.search(r"http://\S+/compte/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[-1]
    response = client.post(path)
    assert response.status_code == 302
    assert user.emailaddress_set.get().verified
    assert client.get(reverse("directory:account")).status_code == 200


def test_unverified_account_cannot_log_in(client, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    user = UserFactory(email="pending@example.fr", verified=False)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "verification" in response["Location"] or "confirm" in response["Location"]
    assert client.get(reverse("directory:account")).status_code == 302


def test_log_in_with_email(client, cast):
    response = client.post(
        reverse("account_login"), {"login": "consumer@example.fr", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("directory:account")).status_code == 200


def test_allauth_pages_use_the_site_layout_in_french(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert "Plus <span>que</span> pro" in html
    assert 'lang="fr"' in html
    assert "<h1>Se connecter</h1>" in html


def test_repeated_failed_log_ins_are_rate_limited(client, cast):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "consumer@example.fr", "password": "x"})
    response = client.post(
        reverse("account_login"), {"login": "consumer@example.fr", "password": PASSWORD}
    )
    assert response.status_code in (200, 429)
    assert client.get(reverse("directory:account")).status_code == 302


def test_password_reset_sends_a_link(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "consumer@example.fr"})
    assert response.status_code == 302
    assert mail.outbox[0].to == ["consumer@example.fr"]
    assert "/compte/password/reset/key/" in mail.outbox[0].body


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "account_logout"])
def test_account_management_pages_render_in_the_site_layout(client, cast, name):
    client.login(username=cast.consumer.username, password=PASSWORD)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "Plus <span>que</span> pro" in response.content.decode()


def test_staff_groups_exist_with_their_permissions(db):
    from django.contrib.auth.models import Group

    vetting = Group.objects.get(name="vetting")
    assert vetting.permissions.filter(codename="change_company").exists()
    moderation = Group.objects.get(name="moderation")
    assert moderation.permissions.filter(codename="view_quoterequest").exists()
    assert Group.objects.filter(name="sales").exists()


def test_wrong_passwords_from_elsewhere_do_not_lock_the_user_out(cast):
    """allauth's 5-per-5-minutes limit is per account *and* client: a
    stranger's wrong passwords lock out the stranger, not the user."""
    url = reverse("account_login")
    attacker = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(5):
        attacker.post(url, {"login": "consumer@example.fr", "password": "wrong"})
    # The attacker is held back, even with the right password now.
    attacker.post(url, {"login": "consumer@example.fr", "password": PASSWORD})
    assert attacker.get(reverse("directory:account")).status_code == 302
    # The user, from their own address, logs in.
    user = Client(REMOTE_ADDR="203.0.113.7")
    response = user.post(url, {"login": "consumer@example.fr", "password": PASSWORD})
    assert response.status_code == 302
    assert user.get(reverse("directory:account")).status_code == 200


def test_behind_a_proxy_the_lock_out_is_per_forwarded_client(cast, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("account_login")
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")
    for _ in range(5):
        attacker.post(url, {"login": "consumer@example.fr", "password": "wrong"})
    attacker.post(url, {"login": "consumer@example.fr", "password": PASSWORD})
    assert attacker.get(reverse("directory:account")).status_code == 302
    user = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    response = user.post(url, {"login": "consumer@example.fr", "password": PASSWORD})
    assert response.status_code == 302
    assert user.get(reverse("directory:account")).status_code == 200
