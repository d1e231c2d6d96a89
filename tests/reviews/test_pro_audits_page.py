"""The pro's review audits page (/espace-pro/<id>/controles/): every audit
on some page, those waiting first by deadline; a refused scan shown on its
own audit."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews.models import Audit, AuditStatus
from reviews.services import audits
from reviews.views.pro import AUDITS_PER_PAGE
from tests.pdfs import minimal_pdf
from tests.reviews.test_audit_outcomes import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(cast, settings) -> list[Audit]:
    settings.REVIEW_AUDIT_RATE = 1.0
    with time_machine.travel("2026-11-22 15:00 +0100", tick=False):
        for n in range(AUDITS_PER_PAGE + 2):
            publish(cast.company_a, n)
    with time_machine.travel("2026-11-23 02:00 +0100", tick=False):
        audits.audits_open(seed=1)
    found = list(Audit.objects.filter(review__company=cast.company_a).order_by("pk"))
    # Deadlines spread, the latest audit due first.
    for n, audit in enumerate(found):
        Audit.objects.filter(pk=audit.pk).update(due_at=audit.due_at - timedelta(hours=n))
    return found


def ids_on(page: str) -> list[int]:
    return [int(part.split('"', 1)[0]) for part in page.split('name="audit" value="')[1:]]


def test_every_review_audit_is_on_a_page_nearest_deadline_first(client, cast, many):
    client.force_login(cast.owner_a)
    url = reverse("reviews:pro-audits", args=[cast.company_a.pk])
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    seen = ids_on(first) + ids_on(second)
    assert len(ids_on(first)) == AUDITS_PER_PAGE
    assert sorted(seen) == sorted(audit.pk for audit in many)
    assert seen == sorted(seen, reverse=True)  # the latest opened is due first here


def test_a_refused_review_scan_is_shown_on_its_audit(client, cast, many):
    target = many[0]  # due last: on page 2
    client.force_login(cast.owner_a)
    url = reverse("reviews:pro-audits", args=[cast.company_a.pk])
    fake = SimpleUploadedFile("facture.pdf", b"%PDF-1.4 pas un pdf", "application/pdf")
    response = client.post(url, {"audit": target.pk, "scan": fake})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert target.pk in ids_on(page)
    article = page.split(f'name="audit" value="{target.pk}"')[1].split("</article>")[0]
    assert 'role="alert"' in article
    assert f'aria-describedby="scan-{target.pk}_error"' in article
    assert page.count('role="alert"') == 1
    target.refresh_from_db()
    assert target.status == AuditStatus.OPEN


def test_a_review_scan_sent_from_page_two_comes_back_to_page_two(client, cast, many):
    client.force_login(cast.owner_a)
    url = reverse("reviews:pro-audits", args=[cast.company_a.pk])
    scan = SimpleUploadedFile("facture.pdf", minimal_pdf(), "application/pdf")
    response = client.post(url + "?page=2", {"audit": many[0].pk, "scan": scan})
    assert response.status_code == 302
    assert response["Location"].endswith("?page=2")
    many[0].refresh_from_db()
    assert many[0].status == AuditStatus.SUBMITTED
