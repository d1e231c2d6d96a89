from __future__ import annotations

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from partners.models import Partner, PartnerKind, Scope
from partners.services import partner_key_create


def make_key(partner: Partner, *scopes: str, **kwargs):
    key, secret = partner_key_create(
        partner=partner, name="test key", scopes=scopes or Scope.values, **kwargs
    )
    return key, secret


@pytest.fixture
def partner(db) -> Partner:
    return Partner.objects.create(
        name="Comparateur Test", kind=PartnerKind.COMPARISON_SITE, contact_email="api@comp.test"
    )


@pytest.fixture
def api(partner) -> SimpleNamespace:
    """A client sending a key that holds every scope."""
    key, secret = make_key(partner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return SimpleNamespace(client=client, key=key, secret=secret, partner=partner)
