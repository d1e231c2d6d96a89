"""The demo of the vetting checks (``manage.py seed_demo_checks``, run by
``make run`` after the other seeds): a listed company with its checks and
dates on its page, an application with documents waiting for the vetter,
an insurance ending soon in the demo pro's space; a second run adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from directory.models import Membership
from eligibility.models import Application, ApplicationStatus, CheckDecision, Evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(taxonomy, places):
    call_command("seed_demo", companies=5, verbosity=0, stdout=StringIO())
    call_command("seed_demo_checks", stdout=StringIO())


def test_the_demo_shows_checks_a_waiting_application_and_an_expiring_insurance(seeded, client):
    company = Membership.objects.get(user__username="pro@demo.plusquepro.test").company
    today = timezone.localdate().strftime("%d/%m/%Y")
    page = client.get(company.get_absolute_url()).content.decode()
    assert f"Identité du dirigeant vérifiée le {today}" in page
    assert "Assurance responsabilité civile professionnelle vérifiée le" in page

    client.login(username="pro@demo.plusquepro.test", password="demo-plusquepro")
    space = client.get(reverse("eligibility:pro-checks", args=[company.pk])).content.decode()
    assert "se termine dans 20 jours" in space
    # The dashboard the pro lands on says it too, with the date.
    home = client.get(reverse("directory:pro-dashboard", args=[company.pk])).content.decode()
    assert "Un document de vérification (une assurance, une attestation) arrive à" in home

    application = Application.objects.get(applicant__username="candidat@demo.plusquepro.test")
    assert application.status == ApplicationStatus.SUBMITTED
    assert Evidence.objects.filter(application=application).count() == 4
    client.login(username="vetting@demo.plusquepro.test", password="demo-plusquepro")
    detail = client.get(reverse("eligibility:detail", args=[application.pk])).content.decode()
    assert "Assurance décennale" in detail
    assert "Reste à régler" in detail


def test_a_second_run_adds_nothing(seeded):
    counts = (CheckDecision.objects.count(), Evidence.objects.count(), Application.objects.count())
    call_command("seed_demo_checks", stdout=StringIO())
    assert counts == (
        CheckDecision.objects.count(),
        Evidence.objects.count(),
        Application.objects.count(),
    )
