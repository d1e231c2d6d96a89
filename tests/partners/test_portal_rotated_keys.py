"""A key already rotated (it has a successor, working until the end of
its overlap) is not offered "Renouveler" on /partenaires/, and a POST
(or a GET of the confirmation) that rotates it anyway is refused with a
message naming its successor: one rotation, one successor."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from partners.models import PartnerKey, Scope
from partners.services import partner_key_create, partner_key_rotate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(client, partner):
    user = UserFactory(email="dev@comp.test")
    partner.members.add(user)
    client.force_login(user)
    return client


def rotate_url(partner, key) -> str:
    return f"/partenaires/{partner.pk}/cles/{key.prefix}/renouveler/"


def test_a_rotated_key_is_not_offered_rotate_its_successor_is(member_client, partner):
    old, _secret = partner_key_create(partner=partner, name="Prod", scopes=[Scope.DIRECTORY_READ])
    assert rotate_url(partner, old) in member_client.get(f"/partenaires/{partner.pk}/cles/").text
    assert member_client.post(rotate_url(partner, old)).status_code == 302
    new = PartnerKey.objects.exclude(pk=old.pk).get()
    old.refresh_from_db()
    assert old.successor == new
    assert old.rotated
    assert not new.rotated
    page = member_client.get(f"/partenaires/{partner.pk}/cles/").text
    assert rotate_url(partner, old) not in page
    assert rotate_url(partner, new) in page
    assert f"remplacée par <code>{new.prefix}</code>" in page
    # Still revocable during its overlap.
    assert f"/partenaires/{partner.pk}/cles/{old.prefix}/revoquer/" in page


@pytest.mark.parametrize("method", ["post", "get"])
def test_rotating_a_rotated_key_again_is_refused_with_why(member_client, partner, method):
    old, _secret = partner_key_create(partner=partner, name="Prod", scopes=[Scope.DIRECTORY_READ])
    new, _secret = partner_key_rotate(key=old)
    response = getattr(member_client, method)(rotate_url(partner, old), follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [
        f"La clé « Prod » a déjà été renouvelée : renouvelez plutôt celle qui la remplace "
        f"(préfixe {new.prefix})."
    ]
    assert PartnerKey.objects.count() == 2


def test_the_service_rotates_a_key_once(partner):
    old, _secret = partner_key_create(partner=partner, name="k", scopes=[Scope.DIRECTORY_READ])
    new, _secret = partner_key_rotate(key=old)
    with pytest.raises(ValidationError):
        partner_key_rotate(key=old)
    # A stale copy of the key (a rotation racing another) is refused too.
    stale = PartnerKey.objects.get(pk=old.pk)
    stale.successor = None
    with pytest.raises(ValidationError):
        partner_key_rotate(key=stale)
    assert PartnerKey.objects.count() == 2
    newer, _secret = partner_key_rotate(key=new)
    assert PartnerKey.objects.get(pk=new.pk).successor == newer
