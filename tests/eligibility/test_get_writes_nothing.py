"""Every page of eligibility opened with GET reads only: no INSERT, UPDATE
or DELETE. Writes happen on the POST that asks for them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from eligibility import services
from eligibility.models import Application
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def writes_of(client, url: str) -> list[str]:
    """The SQL writes a GET of ``url`` runs (the session table aside: the
    test client's log-in is done before)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code in (200, 302), url
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(WRITES) and "django_session" not in q["sql"]
    ]


def step(number: int) -> str:
    return reverse("eligibility:step", args=[number])


def test_the_review_step_screens_without_writing(client, complete_application, applicant):
    complete_application.refresh_from_db()
    assert complete_application.verdict == ""  # never screened yet
    before = complete_application.updated_at
    client.force_login(applicant)

    assert writes_of(client, step(5)) == []
    page = client.get(step(5)).content.decode()

    assert "Vos réponses correspondent à nos règles" in page  # screened for display
    complete_application.refresh_from_db()
    assert (complete_application.verdict, complete_application.screening) == ("", {})
    assert complete_application.updated_at == before


def test_the_submission_keeps_the_screening(client, complete_application, applicant):
    client.force_login(applicant)
    client.post(step(5), {"message": ""})
    complete_application.refresh_from_db()
    assert complete_application.verdict == "eligible"
    assert complete_application.screening["verdict"] == "eligible"


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_a_first_visit_to_a_step_creates_no_application(client, applicant, number):
    client.force_login(applicant)
    assert writes_of(client, step(number)) == []
    assert not Application.objects.exists()


def test_the_review_step_without_any_answer_sends_back_to_the_first(client, applicant):
    client.force_login(applicant)
    response = client.get(step(5))
    assert response.status_code == 302
    assert response["Location"] == step(1)


def test_the_first_step_saved_creates_the_draft(client, applicant, places):
    client.force_login(applicant)
    identity = {
        "legal_name": "Cuisines du Rhône",
        "siren": "732829320",
        "postal_code": "69002",
        "city": "Lyon",
    }
    assert client.post(step(1), identity).status_code == 302
    assert Application.objects.get().applicant == applicant


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_the_steps_of_a_draft_write_nothing(client, complete_application, applicant, number):
    client.force_login(applicant)
    assert writes_of(client, step(number)) == []


def test_the_applicant_pages_write_nothing(client, complete_application, applicant):
    client.force_login(applicant)
    assert writes_of(client, reverse("eligibility:apply")) == []
    services.application_submit(application=complete_application, actor=applicant)
    assert writes_of(client, reverse("eligibility:follow")) == []
    assert writes_of(client, step(1)) == []  # no longer editable: sent to follow


def test_the_vetting_pages_write_nothing(client, complete_application, applicant):
    services.application_submit(application=complete_application, actor=applicant)
    company = CompanyFactory(siren="552100554")
    vetter = UserFactory(is_staff=True)
    vetter.groups.add(Group.objects.get(name="vetting"))
    client.force_login(vetter)
    for url in (
        reverse("eligibility:queue"),
        reverse("eligibility:queue") + "?q=Rh%C3%B4ne&mine=on",
        reverse("eligibility:detail", args=[complete_application.pk]),
        reverse("eligibility:companies") + f"?q={company.siren}",
    ):
        assert writes_of(client, url) == [], url
