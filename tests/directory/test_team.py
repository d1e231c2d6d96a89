"""Invitations and the team: signed, expiring, single-use links; a company
always keeps an owner."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from directory.models import Invitation, Membership, MembershipRole
from directory.team.links import invitation_token
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def invite(client, cast, email="newcomer@example.fr", role="member", capture=None):
    client.login(username=cast.owner_a.username, password=PASSWORD)
    url = reverse("directory:pro-team", args=[cast.company_a.pk])
    if capture is None:
        return client.post(url, {"email": email, "role": role})
    with capture(execute=True):
        return client.post(url, {"email": email, "role": role})


def invitation_path() -> str:
    return re.search(r"/invitation/\S+/", mail.outbox[-1].body).group(0)


def test_owner_invites_and_the_invited_account_joins(
    client, cast, django_capture_on_commit_callbacks
):
    response = invite(client, cast, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["newcomer@example.fr"]
    path = invitation_path()
    newcomer = UserFactory(email="newcomer@example.fr")
    client.logout()
    client.login(username=newcomer.username, password=PASSWORD)
    assert "Alpha Électricité" in client.get(path).content.decode()
    response = client.post(path)
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert membership.company == cast.company_a
    assert membership.role == MembershipRole.MEMBER
    # The link worked once.
    assert client.post(path).status_code == 400


def test_anonymous_visitor_is_sent_to_log_in_first(
    client, cast, django_capture_on_commit_callbacks
):
    invite(client, cast, capture=django_capture_on_commit_callbacks)
    client.logout()
    path = invitation_path()
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Invitation.objects.get().accepted_at


def test_another_account_cannot_use_the_link(client, cast, django_capture_on_commit_callbacks):
    invite(client, cast, capture=django_capture_on_commit_callbacks)
    path = invitation_path()
    client.logout()
    client.login(username=cast.consumer.username, password=PASSWORD)
    response = client.post(path)
    assert response.status_code == 400
    assert "newcomer@example.fr" in response.content.decode()
    assert not Membership.objects.filter(user=cast.consumer).exists()


def test_expired_invitation_is_refused(client, cast):
    with time_machine.travel("2026-11-01 10:00 +0100", tick=False):
        invitation = Invitation.objects.create(company=cast.company_a, email="late@example.fr")
        token = invitation_token(invitation)
    late = UserFactory(email="late@example.fr")
    client.login(username=late.username, password=PASSWORD)
    with time_machine.travel("2026-11-09 10:00 +0100", tick=False):
        response = client.post(reverse("directory:invitation", args=[token]))
    assert response.status_code == 400
    assert "expiré" in response.content.decode()
    assert not Membership.objects.filter(user=late).exists()


@pytest.mark.parametrize("token", ["forged", "eyJpIjoxfQ:1tWrong:signature"])
def test_forged_invitation_is_refused(client, cast, token):
    response = client.get(reverse("directory:invitation", args=[token]))
    assert response.status_code == 400
    assert "pas valide" in response.content.decode()


def test_a_new_invitation_replaces_the_pending_one(
    client, cast, django_capture_on_commit_callbacks
):
    invite(client, cast, capture=django_capture_on_commit_callbacks)
    first = invitation_path()
    invite(client, cast, capture=django_capture_on_commit_callbacks)
    assert Invitation.objects.count() == 1
    assert client.get(first).status_code == 400


def test_inviting_a_member_again_is_refused(client, cast):
    response = invite(client, cast, email="member-a@example.fr")
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_owner_removes_a_member(client, cast):
    client.login(username=cast.owner_a.username, password=PASSWORD)
    member = cast.company_a.memberships.get(user=cast.member_a)
    client.post(reverse("directory:pro-member-remove", args=[cast.company_a.pk, member.pk]))
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_the_last_owner_cannot_be_removed(client, cast):
    client.login(username=cast.owner_a.username, password=PASSWORD)
    owner = cast.company_a.memberships.get(user=cast.owner_a)
    response = client.post(
        reverse("directory:pro-member-remove", args=[cast.company_a.pk, owner.pk]), follow=True
    )
    assert "au moins un propriétaire" in response.content.decode()
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_a_member_cannot_invite(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    response = client.post(
        reverse("directory:pro-team", args=[cast.company_a.pk]),
        {"email": "x@example.fr", "role": "owner"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("email", ["Member-A+pro@Example.fr", " member-a@EXAMPLE.FR "])
def test_a_member_in_another_spelling_is_already_a_member(client, cast, email):
    response = invite(client, cast, email=email)
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_a_new_invitation_to_the_same_mailbox_replaces_the_pending_one(
    client, cast, django_capture_on_commit_callbacks
):
    invite(client, cast, email="paul.durand@gmail.com", capture=django_capture_on_commit_callbacks)
    first = invitation_path()
    invite(
        client, cast, email="PaulDurand@googlemail.com", capture=django_capture_on_commit_callbacks
    )
    assert list(Invitation.objects.values_list("email", flat=True)) == ["pauldurand@googlemail.com"]
    assert client.get(first).status_code == 400


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("a" * 250 + "@example.fr", "Une adresse e-mail comporte au plus 254 caractères"),
        ("andré@example.fr", "Les accents et autres lettres spéciales ne sont pas acceptés"),
        ("newcomer@localhost", "La partie après le @ doit être un domaine complet"),
    ],
)
def test_an_invitation_to_an_address_the_column_cannot_hold_is_refused(
    client, cast, django_capture_on_commit_callbacks, email, message
):
    mail.outbox.clear()
    response = invite(client, cast, email=email, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Invitation.objects.exists()
    assert mail.outbox == []
