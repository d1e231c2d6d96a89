"""The pro dashboard tells of the vetting checks (issue 17, "Watched over
time"): a document ending soon, a check expired or still to settle, with a
link to the checks page — under frozen time, in French."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from directory.models import CompanyStatus
from eligibility import services
from eligibility.models import CompanyChecksDue
from tests.eligibility.timeline import INSURANCE_ENDS, at
from tests.factories import (
    CompanyFactory,
    MembershipFactory,
    QuoteRequestFactory,
)

pytestmark = pytest.mark.django_db


def next_step(client, company) -> str:
    html = client.get(f"/espace-pro/{company.pk}/").content.decode()
    return html.split('id="next-step-title"')[1].split("</section>")[0]


def test_a_document_ending_within_30_days_is_the_next_step_with_its_date(
    insured, applicant, client
):
    client.force_login(applicant)
    checks_url = f"/espace-pro/{insured.pk}/verifications/"
    with at(INSURANCE_ENDS - timedelta(days=31)):
        assert checks_url not in next_step(client, insured)
    with at(INSURANCE_ENDS - timedelta(days=20)):
        step = next_step(client, insured)
    assert "2 documents de vérification (assurances, attestations)" in step
    assert "le premier le 30 juin 2026" in step
    assert f'href="{checks_url}"' in step


def test_new_quotes_come_first_until_the_last_7_days(insured, applicant, client):
    client.force_login(applicant)
    QuoteRequestFactory(company=insured)
    with at(INSURANCE_ENDS - timedelta(days=8)):
        assert "Envoyer le nouveau document" not in next_step(client, insured)
    with at(INSURANCE_ENDS - timedelta(days=7)):
        assert "Envoyer le nouveau document" in next_step(client, insured)


def test_an_expired_insurance_says_the_page_shows_it_expired(insured, applicant, client):
    client.force_login(applicant)
    with at(INSURANCE_ENDS):
        assert "a expiré" not in next_step(client, insured)
    with at(INSURANCE_ENDS + timedelta(days=1)):
        step = next_step(client, insured)
    assert "2 contrôles de vérification ont expiré" in step
    assert "2 contrôles de vérification obligatoires restent à régler" in step
    assert "notre équipe réexamine votre référencement" in step
    assert f'href="/espace-pro/{insured.pk}/verifications/"' in step


@override_settings(VETTING_CHECKS_GRACE_DAYS=60)
def test_a_company_listed_before_the_checks_is_told_the_days_left(taxonomy, client):
    company = CompanyFactory(primary_profession=taxonomy["plombier"], status=CompanyStatus.LISTED)
    owner = MembershipFactory(company=company).user
    client.force_login(owner)
    with at(date(2026, 1, 10)):
        services.checks_watch()
    assert CompanyChecksDue.objects.get(company=company).due_on == date(2026, 3, 11)
    with at(date(2026, 3, 1)):
        step = next_step(client, company)
    # Registration, identity, RC Pro, décennale: the call is the team's.
    assert "4 contrôles de vérification obligatoires restent à régler" in step
    assert "Envoyez les documents sous 10 jours" in step
    assert "a expiré" not in step


def test_a_company_not_listed_reads_no_checks(taxonomy, client):
    """Its checks are its application's: the dashboard reads none of them."""
    company = CompanyFactory(primary_profession=taxonomy["plombier"], status=CompanyStatus.PENDING)
    owner = MembershipFactory(company=company).user
    client.force_login(owner)
    with CaptureQueriesContext(connection) as captured:
        step = next_step(client, company)
    assert "verifications" not in step
    tables = ("eligibility_checkdecision", "eligibility_evidence", "eligibility_companychecksdue")
    assert not [q for q in captured if any(table in q["sql"] for table in tables)]
