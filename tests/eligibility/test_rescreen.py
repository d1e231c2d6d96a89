"""Ongoing eligibility: the nightly re-screening flags, never suspends."""

from __future__ import annotations

import pytest

from common.nightly import StepResult
from directory.models import CompanyStatus
from eligibility import services
from eligibility.models import CompanyScreening, EligibilityFlag
from eligibility.tasks import nightly_rescreen
from tests.factories import UserFactory, checks_pass

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(complete_application, applicant):
    vetter = UserFactory(email="v@plusquepro.fr")
    services.application_submit(application=complete_application, actor=applicant)
    checks_pass(complete_application, vetter)
    return services.application_approve(application=complete_application, actor=vetter)


def test_unchanged_companies_are_not_rescreened(listed):
    assert nightly_rescreen() == StepResult(read=0, changed=0, detail={"flagged": 0})


def test_a_company_whose_trades_changed_is_rescreened_and_flagged(listed, taxonomy):
    from directory.companies.services import company_trades_set

    # The pro adds an excluded trade to its profile.
    company_trades_set(company=listed, professions=[taxonomy["boulangerie"]])
    listed.save()
    report = services.companies_rescreen()
    assert (report.screened, report.flagged) == (1, 1)
    flag = EligibilityFlag.objects.get()
    assert flag.evidence["rules"] == ["sector"]
    listed.refresh_from_db()
    assert listed.status == CompanyStatus.LISTED  # flagged, never suspended
    assert CompanyScreening.objects.get(company=listed).verdict == "needs_review"
    # Idempotent: nothing changed since.
    assert services.companies_rescreen().screened == 0
    assert EligibilityFlag.objects.count() == 1


def test_nothing_is_measured_without_sessions(listed):
    assert services.measured_volumes_above(5) == {}
    assert services.companies_rescreen().flagged == 0


def test_companies_listed_before_vetting_existed_are_never_read(listed, taxonomy, settings):
    """They have no answers to screen again. They used to be read every
    night, 20,000 at a time, to be skipped one by one; now the number of
    queries does not grow with them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CompanyFactory

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            report = services.companies_rescreen()
        assert (report.screened, report.flagged) == (0, 0)
        return len(captured)

    CompanyFactory(primary_profession=taxonomy["plombier"], status=CompanyStatus.LISTED)
    one = queries()
    CompanyFactory.create_batch(
        12, primary_profession=taxonomy["plombier"], status=CompanyStatus.LISTED
    )
    services.RESCREEN_BATCH, batch = 5, services.RESCREEN_BATCH
    try:
        assert queries() == one
    finally:
        services.RESCREEN_BATCH = batch
    assert not CompanyScreening.objects.exclude(company=listed).exists()


def test_a_company_approved_twice_is_screened_on_its_latest_answers(
    listed, complete_application, taxonomy
):
    from datetime import timedelta

    from django.utils import timezone

    from eligibility.models import Application, ApplicationStatus

    later = Application.objects.create(
        applicant=complete_application.applicant,
        company=listed,
        legal_name=complete_application.legal_name,
        siren=complete_application.siren,
        status=ApplicationStatus.APPROVED,
        decided_at=timezone.now() + timedelta(days=1),
        new_clients_per_day=99,
        average_amount_eur=complete_application.average_amount_eur,
    )
    later.professions.set(complete_application.professions.all())
    listed.save()  # its facts changed: screened again tonight
    report = services.companies_rescreen()
    assert report.screened == 1
    screening = CompanyScreening.objects.get(company=listed)
    assert screening.verdict != "eligible", screening.screening
