"""The demo partner (``manage.py seed_demo_partner``, run by ``make run``):
from a fresh database, the key it prints reads the API, the demo pro
connects the partner with the code it prints, then the partner pushes an
invoice for the demo pro's company; a second run prints a new key (the
old one stops working) and changes nothing else."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from directory.companies.models import Company
from directory.demo.partner import CONNECTED_COMPANIES, DEMO_PRO_EMAIL, PARTNER_EMAIL
from directory.team.models import Membership
from partners.models import Connection, ConnectionCode, Partner, PartnerKey

from ..factories import recent_date

pytestmark = pytest.mark.django_db


def seed() -> tuple[str, str, str]:
    out = StringIO()
    call_command("seed_demo_partner", stdout=out)
    text = out.getvalue()
    key = re.search(r"Demo API key \(.*\): (\S+)", text).group(1)
    code = re.search(r"'Applications connectées'\): (\S+)", text).group(1)
    return text, key, code


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def demo(taxonomy, places):
    call_command("seed_demo", companies=12, verbosity=0, stdout=StringIO())


def test_the_printed_key_reads_the_api_and_the_demo_pro_connects_with_the_code(demo, client):
    text, key, code = seed()
    assert PARTNER_EMAIL in text
    assert "/partenaires/" in text
    partner = Partner.objects.get()
    assert partner.members.filter(username=PARTNER_EMAIL).exists()
    connected = Connection.objects.active().filter(partner=partner)
    assert connected.count() == CONNECTED_COMPANIES
    own = Membership.objects.get(user__username=DEMO_PRO_EMAIL).company
    assert not connected.filter(company=own).exists()

    # The curl example names a connected company, which the key reads.
    slug = re.search(r"/api/v1/companies/([\w-]+)", text).group(1)
    assert connected.filter(company__slug=slug).exists()
    response = api(key).get(f"/api/v1/companies/{slug}")
    assert response.status_code == 200, response.content

    # The demo pro connects the partner from its pro space, with the printed code.
    client.login(username=DEMO_PRO_EMAIL, password="demo-plusquepro")
    page = reverse("directory:pro-connections", args=[own.pk])
    response = client.post(page, {"code": code.lower().replace("-", " ")}, follow=True)
    assert response.status_code == 200
    assert connected.filter(company=own).exists()

    body = {
        "number": "DEMO-0001",
        "issued_on": recent_date(3).isoformat(),
        "amount": "180.00",
        "client_name": "Mme Claire Dupont",
        "client_email": "claire.dupont@example.org",
    }
    headers = {"Idempotency-Key": "demo-invoice-1"}
    first = api(key).post(
        f"/api/v1/companies/{own.slug}/invoices", body, format="json", headers=headers
    )
    again = api(key).post(
        f"/api/v1/companies/{own.slug}/invoices", body, format="json", headers=headers
    )
    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert again.json() == first.json()
    assert own.invoices.count() == 1


def test_a_second_run_prints_a_new_key_and_changes_nothing_else(demo):
    _text, first_key, first_code = seed()
    connections = set(Connection.objects.values_list("pk", flat=True))
    _text, second_key, second_code = seed()

    assert second_key != first_key
    assert api(first_key).get("/api/v1/professions").status_code == 401
    assert api(second_key).get("/api/v1/professions").status_code == 200
    assert PartnerKey.objects.filter(revoked=False).count() == 1
    assert second_code == first_code  # still usable: not replaced
    assert ConnectionCode.objects.count() == 1
    assert set(Connection.objects.values_list("pk", flat=True)) == connections
    assert Partner.objects.count() == 1


def test_a_disconnection_made_in_the_demo_stays(demo):
    seed()
    connection = Connection.objects.active().first()
    Connection.objects.filter(pk=connection.pk).update(disconnected_at=connection.connected_at)
    seed()
    assert not Connection.objects.active().filter(company=connection.company).exists()
    assert Company.objects.filter(pk=connection.company_id).exists()
