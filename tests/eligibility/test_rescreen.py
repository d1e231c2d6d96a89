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
