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

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from post_office.models import Email

from directory.models import Membership
from eligibility import services
from eligibility.models import EligibilityFlag, Evidence
from tests.eligibility.timeline import INSURANCE_ENDS, at
from tests.factories import pdf_upload

pytestmark = pytest.mark.django_db

RENEWED_UNTIL = date(2027, 6, 30)


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


def test_a_renewal_sent_is_shown_waiting_not_asked_again(client, insured, applicant):
    assert Membership.objects.filter(company=insured, user=applicant).exists()
    client.force_login(applicant)
    with at(INSURANCE_ENDS - timedelta(days=20)):
        before = pro_page(client, insured)
        assert "se termine dans 20 jours : envoyez le nouveau document" in before
        response = send_renewal(client, insured)
        assert response.status_code == 302
        after = pro_page(client, insured)
    assert "nouveau document envoyé le 10/06/2026 : notre équipe va le vérifier" in after
    # The décennale, not renewed, is still asked for; the RC Pro is not.
    assert after.count("envoyez le nouveau document") == 1
    assert open_flags(insured) == ["evidence_sent:rc_pro"]


def test_no_reminder_asks_for_a_document_already_sent(client, insured, applicant):
    client.force_login(applicant)
    with at(INSURANCE_ENDS - timedelta(days=31)):
        send_renewal(client, insured)
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
    client, insured, applicant, checks_vetter
):
    client.force_login(applicant)
    with at(INSURANCE_ENDS - timedelta(days=20)):
        send_renewal(client, insured)
        client.force_login(checks_vetter)
        queue = client.get(reverse("eligibility:queue")).content.decode()
        checks_url = reverse("eligibility:company-checks", args=[insured.pk])
        assert "evidence_sent:rc_pro" in queue
        assert checks_url in queue
        # A second document for the same check: still one line.
        services.evidence_add(
            check_code="rc_pro", upload=pdf_upload(), actor=applicant, company=insured,
            expires_on=RENEWED_UNTIL,
        )  # fmt: skip
        assert open_flags(insured) == ["evidence_sent:rc_pro"]
        newest = Evidence.objects.filter(company=insured).latest("uploaded_at", "pk")
        services.check_decide(
            check_code="rc_pro",
            state="passed",
            actor=checks_vetter,
            company=insured,
            evidence=newest,
        )
        assert open_flags(insured) == []
        flag = EligibilityFlag.objects.get(company=insured, rule="evidence_sent:rc_pro")
        assert flag.resolved_by == checks_vetter
        client.force_login(applicant)
        page = pro_page(client, insured)
    assert "notre équipe va le vérifier" not in page
    assert "valable jusqu'au 30/06/2027" in page


def test_a_decision_on_another_check_leaves_the_flag_open(
    client, insured, applicant, checks_vetter
):
    client.force_login(applicant)
    with at(INSURANCE_ENDS - timedelta(days=20)):
        send_renewal(client, insured)
        services.check_decide(
            check_code="manager_call", state="passed", actor=checks_vetter, company=insured
        )
    assert open_flags(insured) == ["evidence_sent:rc_pro"]


def test_a_refused_document_raises_no_flag(client, insured, applicant):
    client.force_login(applicant)
    with at(INSURANCE_ENDS - timedelta(days=20)):
        response = client.post(
            reverse("eligibility:pro-checks", args=[insured.pk]),
            {"check": "rc_pro", "rc_pro-file": pdf_upload(), "rc_pro-expires_on": "2020-01-01"},
        )
        assert response.status_code == 400
        with pytest.raises(ValidationError):
            services.evidence_add(
                check_code="decennale", upload=pdf_upload(), actor=applicant, company=insured
            )
    assert open_flags(insured) == []


def test_an_applicants_documents_raise_no_flag(complete_application, applicant):
    services.evidence_add(
        check_code="identity", upload=pdf_upload(), actor=applicant,
        application=complete_application,
    )  # fmt: skip
    assert not EligibilityFlag.objects.exists()


def dashboard_step(client, company) -> str:
    html = client.get(reverse("directory:pro-dashboard", args=[company.pk])).content.decode()
    return " ".join(html.split('id="next-step-title"')[1].split("</section>")[0].split())


def test_the_dashboard_asks_for_the_document_until_it_is_sent(client, insured, applicant):
    """The dashboard the pro lands on says a document ends (the RC Pro and
    the décennale here, the same day), then no longer once both are sent,
    nor once they would have expired: the team has them."""
    client.force_login(applicant)
    checks_url = reverse("eligibility:pro-checks", args=[insured.pk])
    with at(INSURANCE_ENDS - timedelta(days=40)):
        assert checks_url not in dashboard_step(client, insured)
    with at(INSURANCE_ENDS - timedelta(days=20)):
        step = dashboard_step(client, insured)
        assert "2 documents de vérification" in step
        assert f'href="{checks_url}"' in step
        send_renewal(client, insured, "rc_pro")
        step = dashboard_step(client, insured)
        assert "Un document de vérification" in step  # the décennale still
        assert "le 30 juin 2026" in step
        send_renewal(client, insured, "decennale")
        assert checks_url not in dashboard_step(client, insured)
    with at(INSURANCE_ENDS + timedelta(days=1)):
        assert checks_url not in dashboard_step(client, insured)


def test_the_dashboard_says_a_check_expired_until_its_document_is_sent(client, insured, applicant):
    client.force_login(applicant)
    with at(INSURANCE_ENDS + timedelta(days=1)):
        step = dashboard_step(client, insured)
        assert "2 contrôles de vérification ont expiré" in step
        send_renewal(client, insured, "rc_pro")
        step = dashboard_step(client, insured)
    assert "Un contrôle de vérification a expiré" in step
    assert "1 contrôle de vérification obligatoire reste à régler" in step
