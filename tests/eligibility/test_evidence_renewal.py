"""A listed company's renewed document is seen (found by a fresh-user
trial: the demo pro sent the new RC Pro from 'Contrôles de vérification'
and the page still said "se termine dans 20 jours : envoyez le nouveau
document", the nightly reminders would still ask for it, and nothing told
the vetting team a document waited: the page would turn "expiré" on the
day, with the new certificate sent weeks before and never looked at).

Now the pro space says the new document is sent and waits for the team,
no reminder asks for it again, and the vetting queue lists it
(``evidence_sent:<code>``) until a decision on the check closes it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from post_office.models import Email

from directory.models import Membership
from eligibility import services
from eligibility.models import Application, EligibilityFlag, Evidence
from tests.factories import UserFactory, checks_pass, pdf_upload

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 3, 12, 10, 0, tzinfo=PARIS)
INSURANCE_ENDS = date(2026, 6, 30)
RENEWED_UNTIL = date(2027, 6, 30)


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 9, 0, tzinfo=PARIS))


@pytest.fixture
def vetter(db):
    user = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="vetting"))
    return user


@pytest.fixture
def listed(complete_application, applicant, vetter):
    """A kitchen installer listed on 12 March 2026, its insurances valid
    until 30 June 2026; its applicant is its owner."""
    with time_machine.travel(START):
        services.application_submit(application=complete_application, actor=applicant)
        application = Application.objects.get(pk=complete_application.pk)
        checks_pass(application, vetter, valid_until=INSURANCE_ENDS)
        return services.application_approve(application=application, actor=vetter)


def pro_page(client, company) -> str:
    page = client.get(reverse("eligibility:pro-checks", args=[company.pk])).content.decode()
    return " ".join(page.split())


def send_renewal(client, company, code="rc_pro"):
    return client.post(
        reverse("eligibility:pro-checks", args=[company.pk]),
        {"check": code, f"{code}-file": pdf_upload(), f"{code}-expires_on": "2027-06-30"},
    )


def open_flags(company) -> list[str]:
    return sorted(
        EligibilityFlag.objects.filter(company=company, resolved_at__isnull=True).values_list(
            "rule", flat=True
        )
    )


def reminder_subjects() -> list[str]:
    return sorted(e.subject for e in Email.objects.filter(subject__contains="valable jusqu"))


def test_a_renewal_sent_is_shown_waiting_not_asked_again(client, listed, applicant):
    assert Membership.objects.filter(company=listed, user=applicant).exists()
    client.force_login(applicant)
    with at(INSURANCE_ENDS - timedelta(days=20)):
        before = pro_page(client, listed)
        assert "se termine dans 20 jours : envoyez le nouveau document" in before
        response = send_renewal(client, listed)
        assert response.status_code == 302
        after = pro_page(client, listed)
    assert "nouveau document envoyé le 10/06/2026 : notre équipe va le vérifier" in after
    # The décennale, not renewed, is still asked for; the RC Pro is not.
    assert after.count("envoyez le nouveau document") == 1
    assert open_flags(listed) == ["evidence_sent:rc_pro"]


def test_no_reminder_asks_for_a_document_already_sent(client, listed, applicant):
    client.force_login(applicant)
    with at(INSURANCE_ENDS - timedelta(days=31)):
        send_renewal(client, listed)
    with at(INSURANCE_ENDS - timedelta(days=30)):
        assert services.checks_watch().reminders == 1  # the décennale only
    with at(INSURANCE_ENDS - timedelta(days=7)):
        assert services.checks_watch().reminders == 1
    assert (
        reminder_subjects()
        == [
            "[Plus que pro] Assurance décennale : valable jusqu'au 30/06/2026, envoyez le nouveau "
            "document"
        ]
        * 2
    )


def test_the_vetting_queue_lists_the_renewal_until_the_check_is_decided(
    client, listed, applicant, vetter
):
    client.force_login(applicant)
    with at(INSURANCE_ENDS - timedelta(days=20)):
        send_renewal(client, listed)
        client.force_login(vetter)
        queue = client.get(reverse("eligibility:queue")).content.decode()
        checks_url = reverse("eligibility:company-checks", args=[listed.pk])
        assert "evidence_sent:rc_pro" in queue
        assert checks_url in queue
        # A second document for the same check: still one line.
        services.evidence_add(
            check_code="rc_pro", upload=pdf_upload(), actor=applicant, company=listed,
            expires_on=RENEWED_UNTIL,
        )  # fmt: skip
        assert open_flags(listed) == ["evidence_sent:rc_pro"]
        newest = Evidence.objects.filter(company=listed).latest("uploaded_at", "pk")
        services.check_decide(
            check_code="rc_pro", state="passed", actor=vetter, company=listed, evidence=newest
        )
        assert open_flags(listed) == []
        flag = EligibilityFlag.objects.get(company=listed, rule="evidence_sent:rc_pro")
        assert flag.resolved_by == vetter
        client.force_login(applicant)
        page = pro_page(client, listed)
    assert "notre équipe va le vérifier" not in page
    assert "valable jusqu'au 30/06/2027" in page


def test_a_decision_on_another_check_leaves_the_flag_open(client, listed, applicant, vetter):
    client.force_login(applicant)
    with at(INSURANCE_ENDS - timedelta(days=20)):
        send_renewal(client, listed)
        services.check_decide(
            check_code="manager_call", state="passed", actor=vetter, company=listed
        )
    assert open_flags(listed) == ["evidence_sent:rc_pro"]


def test_a_refused_document_raises_no_flag(client, listed, applicant):
    client.force_login(applicant)
    with at(INSURANCE_ENDS - timedelta(days=20)):
        response = client.post(
            reverse("eligibility:pro-checks", args=[listed.pk]),
            {"check": "rc_pro", "rc_pro-file": pdf_upload(), "rc_pro-expires_on": "2020-01-01"},
        )
        assert response.status_code == 400
        with pytest.raises(ValidationError):
            services.evidence_add(
                check_code="decennale", upload=pdf_upload(), actor=applicant, company=listed
            )
    assert open_flags(listed) == []


def test_an_applicants_documents_raise_no_flag(complete_application, applicant):
    services.evidence_add(
        check_code="identity", upload=pdf_upload(), actor=applicant,
        application=complete_application,
    )  # fmt: skip
    assert not EligibilityFlag.objects.exists()
