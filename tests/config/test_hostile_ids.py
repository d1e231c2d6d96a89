"""Every view that reads an id from a form or a query string answers a
tampered one with a 404 (or a page) and changes nothing, never a 500
(common.ids). The views found by reading every ``request.POST`` and
``request.GET`` of the project; page numbers go through Paginator.get_page,
which reads any text as the nearest page."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from loyalty.models import SessionAudit, SessionAuditStatus, SessionSource
from loyalty.services import session_record
from loyalty.services.audits import session_audit_submit_scan, session_audits_open
from reviews.models import Audit, AuditStatus
from reviews.services import audits as review_audits
from tests.factories import UserFactory
from tests.pdfs import minimal_pdf
from tests.reviews.test_audit_outcomes import publish

pytestmark = pytest.mark.django_db

HOSTILE = [
    "abc",
    "1.5",
    "",
    "1e3",
    "-1",
    "0",
    "9" * 30,
    "9223372036854775808",
    "9" * 5000,
    " 1",
    "²",
    "１",
    "1;DROP TABLE",
]


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("facture.pdf", minimal_pdf(), "application/pdf")


@pytest.fixture
def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


@pytest.fixture
def session_audit(cast, settings) -> SessionAudit:
    settings.LOYALTY_AUDIT_RATE = 1.0
    with time_machine.travel("2026-04-09 15:00 +0200", tick=False):
        session, _ = session_record(
            company=cast.company_a,
            performed_on=date(2026, 4, 9),
            source=SessionSource.FORM,
            reference="S-1",
            name="Luc Petit",
        )
    with time_machine.travel("2026-04-10 01:55 +0200", tick=False):
        session_audits_open()
    return SessionAudit.objects.get(session=session)


@pytest.fixture
def review_audit(cast, settings) -> Audit:
    settings.REVIEW_AUDIT_RATE = 1.0
    with time_machine.travel("2026-11-22 15:00 +0100", tick=False):
        review = publish(cast.company_a, 1, name="Sophie Martin")
    with time_machine.travel("2026-11-23 02:00 +0100", tick=False):
        review_audits.audits_open(seed=1)
    return Audit.objects.get(review=review)


@pytest.mark.parametrize("raw", [*HOSTILE, None])
def test_a_pro_sending_a_session_scan_with_a_tampered_audit_id_gets_404(
    client, cast, session_audit, raw
):
    client.force_login(cast.owner_a)
    data = {"scan": pdf(), "client_name": "Luc Petit"}
    if raw is not None:
        data["audit"] = raw
    url = reverse("loyalty:session-audits", args=[cast.company_a.pk])
    assert client.post(url, data).status_code == 404
    session_audit.refresh_from_db()
    assert session_audit.status == SessionAuditStatus.OPEN
    assert not session_audit.scans.exists()


@pytest.mark.parametrize("raw", [*HOSTILE, None])
def test_a_pro_sending_a_review_scan_with_a_tampered_audit_id_gets_404(
    client, cast, review_audit, raw
):
    client.force_login(cast.owner_a)
    data = {"scan": pdf()}
    if raw is not None:
        data["audit"] = raw
    url = reverse("reviews:pro-audits", args=[cast.company_a.pk])
    assert client.post(url, data).status_code == 404
    review_audit.refresh_from_db()
    assert review_audit.status == AuditStatus.OPEN
    assert not review_audit.scans.exists()


@pytest.mark.parametrize("raw", [*HOSTILE, None])
def test_staff_deciding_a_session_audit_with_a_tampered_id_gets_404(
    client, cast, session_audit, moderator, raw
):
    session_audit_submit_scan(audit=session_audit, upload=pdf(), actor=cast.owner_a)
    client.force_login(moderator)
    data = {"passed": "1"}
    if raw is not None:
        data["audit"] = raw
    assert client.post(reverse("loyalty:staff-session-audits"), data).status_code == 404
    session_audit.refresh_from_db()
    assert session_audit.status == SessionAuditStatus.SUBMITTED


@pytest.mark.parametrize("raw", [*HOSTILE, None])
def test_staff_deciding_a_review_audit_with_a_tampered_id_gets_404(
    client, cast, review_audit, moderator, raw
):
    review_audits.audit_submit_scan(audit=review_audit, upload=pdf())
    client.force_login(moderator)
    data = {"passed": "1"}
    if raw is not None:
        data["audit"] = raw
    assert client.post(reverse("reviews:staff-audits"), data).status_code == 404
    review_audit.refresh_from_db()
    assert review_audit.status == AuditStatus.SUBMITTED


@pytest.mark.parametrize("raw", HOSTILE)
def test_a_sanction_with_a_tampered_review_id_goes_back_to_the_queue(client, cast, moderator, raw):
    # The review id only chooses where to go back to: the sanction is made.
    client.force_login(moderator)
    url = reverse("reviews:sanction", args=[cast.company_a.pk])
    response = client.post(url, {"review": raw, "reason": "Trop d'avis douteux."})
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:moderation")


@pytest.mark.parametrize("raw", HOSTILE)
@pytest.mark.parametrize(
    "name",
    ["loyalty:session-audits", "reviews:pro-audits", "loyalty:sessions", "directory:pro-quotes"],
)
def test_a_tampered_page_number_gives_a_page(client, cast, session_audit, review_audit, name, raw):
    client.force_login(cast.owner_a)
    url = reverse(name, args=[cast.company_a.pk])
    assert client.get(url, {"page": raw, "statut": raw}).status_code == 200


@pytest.mark.parametrize("raw", HOSTILE)
@pytest.mark.parametrize(
    "name", ["loyalty:staff-session-audits", "reviews:staff-audits", "reviews:moderation"]
)
def test_a_tampered_page_number_gives_a_staff_page(client, moderator, name, raw):
    client.force_login(moderator)
    assert client.get(reverse(name), {"page": raw}).status_code == 200


@pytest.mark.parametrize("raw", HOSTILE)
def test_a_tampered_page_number_on_the_vetting_queue_and_the_search(client, cast, raw):
    client.force_login(cast.staff)
    assert client.get(reverse("eligibility:queue"), {"page": raw}).status_code == 200
    search = {"q": "électricien", "ou": "Lyon", "page": raw}
    assert client.get(reverse("directory:search"), search).status_code == 200
    company_page = cast.company_a.get_absolute_url()
    assert client.get(company_page, {"page_avis": raw, "tri_avis": raw}).status_code in (200, 404)
