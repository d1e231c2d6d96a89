"""Staff issue keys in the admin (the secret shown once, then only the
prefix) and revoke them; a company's consent is one active connection
per partner."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from partners.models import Connection, PartnerKey, Scope
from partners.selectors import connection_active
from partners.services import connection_create, connection_end, partner_key_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_new_key_is_shown_once_then_only_its_prefix(admin_client, partner):
    response = admin_client.post(
        "/admin/partners/partnerkey/add/",
        {"partner": partner.pk, "name": "Production", "scopes": [Scope.DIRECTORY_READ]},
    )
    assert response.status_code == 302
    key = PartnerKey.objects.get()
    assert key.scopes == [Scope.DIRECTORY_READ]
    (message,) = [str(m) for m in get_messages(response.wsgi_request) if "copiez" in str(m)]
    secret = message.split(" est ")[1].split(" ")[0]
    assert secret.startswith(key.prefix + ".")
    assert PartnerKey.objects.is_valid(secret)
    # The page the admin goes to next shows it (the message), then never again.
    assert secret in admin_client.get(response["Location"]).content.decode()
    page = admin_client.get(f"/admin/partners/partnerkey/{key.pk}/change/").content.decode()
    assert key.prefix in page
    assert secret not in page
    listing = admin_client.get("/admin/partners/partnerkey/").content.decode()
    assert secret not in listing


def test_staff_revoke_keys_with_an_action(admin_client, partner):
    key, _secret = partner_key_create(partner=partner, name="k", scopes=[Scope.REVIEWS_READ])
    admin_client.post(
        "/admin/partners/partnerkey/",
        {"action": "revoke_keys", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked


def test_an_unknown_scope_is_refused(partner):
    with pytest.raises(ValidationError):
        partner_key_create(partner=partner, name="k", scopes=["everything"])
    assert not PartnerKey.objects.exists()


def test_consent_is_one_active_connection_per_partner_and_company(partner, cast):
    company = cast.company_a
    assert not connection_active(partner, company.pk)
    connection_create(partner=partner, company_id=company.pk, connected_by=cast.owner_a)
    assert connection_active(partner, company.pk)
    assert not connection_active(partner, cast.company_b.pk)
    with pytest.raises(ValidationError):
        connection_create(partner=partner, company_id=company.pk, connected_by=cast.owner_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(partner=partner, company=company)
    assert connection_end(partner=partner, company_id=company.pk)
    assert not connection_active(partner, company.pk)
    assert not connection_end(partner=partner, company_id=company.pk)
    # Connected again: a new row, the history stays.
    connection_create(partner=partner, company_id=company.pk, connected_by=cast.owner_a)
    assert Connection.objects.filter(partner=partner, company=company).count() == 2
