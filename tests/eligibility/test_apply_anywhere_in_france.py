"""Issue 8, done when: a company of Saint-Denis (974), Cherbourg-en-Cotentin
or Paris 15e applies at /rejoindre/ and, once approved, is found by search
(the whole path through the web pages, without a browser)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from directory.models import Company
from eligibility.models import Application, ApplicationStatus
from tests.conftest import PASSWORD
from tests.factories import UserFactory, checks_pass

pytestmark = pytest.mark.django_db

QUESTIONNAIRE = {
    "new_clients_per_day": "2",
    "average_amount_eur": "8000",
    "decision_time": "days_or_more",
    "invoices_name_client": "yes",
    "exceptional_event": "unknown",
}


def step(number: int) -> str:
    return reverse("eligibility:step", args=[number])


@pytest.mark.parametrize(
    ("siren", "postal_code", "city", "insee_code", "searched_place"),
    [
        ("732829320", "97400", "Saint-Denis (974)", "97411", "97400"),
        ("552032534", "50100", "Cherbourg-Octeville", "50129", "Cherbourg-en-Cotentin"),
        ("542107651", "75015", "Paris 15e", "75115", "Paris 15e"),
    ],
)
def test_a_company_anywhere_in_france_applies_and_is_found(
    client, taxonomy, places, siren, postal_code, city, insee_code, searched_place
):
    applicant = UserFactory(email=f"gerant-{siren}@example.fr")
    client.login(username=applicant.username, password=PASSWORD)
    identity = {
        "legal_name": f"Cuisines {city}",
        "siren": siren,
        "address": "1 rue du Port",
        "postal_code": postal_code,
        "city": city,
        "phone": "",
        "year_founded": "2012",
    }
    assert client.post(step(1), identity).status_code == 302
    activity = {
        "professions": [taxonomy["cuisiniste"].pk],
        "serves_consumers": "on",
        "services_description": "Cuisines sur mesure, de la conception à la pose.",
    }
    assert client.post(step(2), activity).status_code == 302
    assert client.post(step(3), QUESTIONNAIRE).status_code == 302
    assert client.post(step(5), {"message": ""}).status_code == 302
    application = Application.objects.get(siren=siren)
    assert application.status == ApplicationStatus.SUBMITTED

    vetter = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    vetter.groups.add(Group.objects.get(name="vetting"))
    client.logout()
    client.login(username=vetter.username, password=PASSWORD)
    checks_pass(application, vetter)
    decide = reverse("eligibility:decide", args=[application.pk])
    assert client.post(decide, {"action": "approve", "note": ""}).status_code == 302
    company = Company.objects.get(siren=siren)
    assert company.place.insee_code == insee_code
    assert (company.latitude, company.longitude) == (
        company.place.latitude,
        company.place.longitude,
    )

    client.logout()
    page = client.get(reverse("directory:search"), {"q": "cuisiniste", "ou": searched_place})
    assert page.status_code == 200
    assert company in page.context["result"].page.object_list
    assert page.context["result"].position.place.insee_code == insee_code
    assert company.trade_name in page.content.decode()
