"""The night's watch over the vetting checks (issue 17, "Watched over
time"), under frozen time: reminders 30 and 7 days before a pass ends,
each once; an ended required check shown as expired and flagged, never a
suspension; listed companies that predate the checks given a grace period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import override_settings
from post_office.models import Email

from directory.models import CompanyStatus
from eligibility import services
from eligibility.models import CompanyChecksDue, EligibilityFlag
from eligibility.tasks import nightly_checks
from tests.eligibility.timeline import INSURANCE_ENDS, START, at
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db


def reminders() -> list[str]:
    return sorted(e.subject for e in Email.objects.filter(subject__contains="valable jusqu"))


def test_a_pass_ending_is_told_30_then_7_days_before_each_once(insured):
    with at(INSURANCE_ENDS - timedelta(days=31)):
        services.checks_watch()
    assert reminders() == []
    with at(INSURANCE_ENDS - timedelta(days=30)):
        report = services.checks_watch()
        services.checks_watch()  # the same night again: nothing more
    assert report.reminders == 2  # RC Pro and décennale
    assert len(reminders()) == 2
    assert all("30/06/2026" in subject for subject in reminders())
    with at(INSURANCE_ENDS - timedelta(days=20)):
        assert services.checks_watch().reminders == 0
    with at(INSURANCE_ENDS - timedelta(days=7)):
        assert services.checks_watch().reminders == 2
    with at(INSURANCE_ENDS - timedelta(days=3)):
        assert services.checks_watch().reminders == 0
    assert len(reminders()) == 4
    email = Email.objects.filter(subject__contains="décennale").first()
    assert email.to == ["gerant@cuisines-rhone.fr"]
    assert f"/espace-pro/{insured.pk}/verifications/" in email.message


def test_a_missed_night_sends_the_nearer_reminder_only(insured):
    with at(INSURANCE_ENDS - timedelta(days=5)):
        assert services.checks_watch().reminders == 2
        assert services.checks_watch().reminders == 0
    assert len(reminders()) == 2


def test_a_required_check_that_ends_is_shown_expired_and_flagged_never_suspended(insured, client):
    with at(INSURANCE_ENDS):
        page = client.get(insured.get_absolute_url()).content.decode()
        expected = "Assurance décennale vérifiée le 12/03/2026, valable jusqu'au 30/06/2026"
        assert expected in page
        assert services.checks_watch().expired_flags == 0
    with at(INSURANCE_ENDS + timedelta(days=1)):
        report = services.checks_watch()
        page = client.get(insured.get_absolute_url()).content.decode()
    assert report.expired_flags == 2
    assert "Assurance décennale : expirée le 30/06/2026" in page
    flags = EligibilityFlag.objects.filter(company=insured).order_by("rule")
    assert [f.rule for f in flags] == ["check_expired:decennale", "check_expired:rc_pro"]
    assert flags[0].evidence == {"check": "decennale", "valid_until": "2026-06-30"}
    insured.refresh_from_db()
    assert insured.status == CompanyStatus.LISTED
    # A person closes the flags: the same expiry is not raised again.
    vetter = UserFactory()
    for flag in flags:
        services.flag_resolve(flag=flag, actor=vetter)
    with at(INSURANCE_ENDS + timedelta(days=2)):
        assert services.checks_watch().expired_flags == 0
    assert EligibilityFlag.objects.filter(resolved_at__isnull=True).count() == 0


@override_settings(VETTING_CHECKS_GRACE_DAYS=60)
def test_a_company_listed_before_the_checks_gets_a_grace_period_then_a_flag(taxonomy):
    old = CompanyFactory(primary_profession=taxonomy["plombier"], status=CompanyStatus.LISTED)
    with at(date(2026, 1, 10)):
        report = services.checks_watch()
    assert report.due_added == 1
    assert CompanyChecksDue.objects.get(company=old).due_on == date(2026, 3, 11)
    with at(date(2026, 3, 11)):
        assert services.checks_watch().overdue_flags == 0
    with at(date(2026, 3, 12)):
        result = nightly_checks()
        services.checks_watch()
    assert result.detail["overdue_flags"] == 1
    flag = EligibilityFlag.objects.get(company=old)
    assert flag.rule == "checks_missing"
    assert flag.evidence == {
        "checks": ["registration", "identity", "rc_pro", "decennale", "manager_call"],
        "due_on": "2026-03-11",
    }
    old.refresh_from_db()
    assert old.status == CompanyStatus.LISTED


def test_a_company_listed_through_its_checks_is_not_flagged(insured):
    with at(date(2026, 4, 1)):
        report = services.checks_watch()
    assert (report.due_added, report.overdue_flags, report.expired_flags) == (0, 0, 0)
    assert CompanyChecksDue.objects.get(company=insured).due_on == START.date()
