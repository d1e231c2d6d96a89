"""Every look-up of an invoice number or a session reference uses the
written form the services store (``common.text.identifier_text``), not
only a strip: a partner's retry of session "S–1" (en dash) whose date is
now out of range found nothing before the date check and was refused
(422) instead of returning "S-1"; the pro's form sent "R–1" beside
"R-1" was accepted silently (tests/loyalty/test_session_form.py); a
client's review request for invoice "F–77" never matched invoice "F-77"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from loyalty.models import ServiceSession
from reviews.models import ReviewRequest, ReviewRequestStatus
from reviews.services import invoices
from tests.factories import recent_date
from tests.partners.writes import post

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/companies/alpha-electricite/sessions"


def session(reference: str, days_ago: int = 3) -> dict:
    return {
        "reference": reference,
        "performed_on": (timezone.localdate() - timedelta(days=days_ago)).isoformat(),
        "client_email": "luc@example.org",
    }


@pytest.mark.parametrize("again", ["S\u20131", "\uff33-1", " S\u22121 "])
def test_a_partners_retry_in_another_spelling_returns_the_session(connected, again):
    first = post(connected.client, SESSIONS, session("S-1"))
    assert first.status_code == 201, first.content
    # The retry's date is in the future: refused if it were a new session.
    retry = post(connected.client, SESSIONS, session(again, days_ago=-5))
    assert retry.status_code == 200, retry.content
    assert retry.json()["id"] == first.json()["id"]
    assert ServiceSession.objects.count() == 1


@pytest.mark.parametrize("typed", ["F\u201377", "\uff26-77", " f-77 "])
def test_a_review_request_finds_its_invoice_in_another_spelling(
    client, cast, django_capture_on_commit_callbacks, typed
):
    with django_capture_on_commit_callbacks(execute=True):
        invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "F-77",
                "issued_on": recent_date(20),
                "amount": "900",
                "client_name": "Jean Dupont",
                "client_email": "jean@example.org",
            },
            actor=cast.owner_a,
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reviews:request", args=[cast.company_a.slug]),
            {"invoice_number": typed, "name": "Jean Dupont", "email": "jean@example.org"},
        )
    path = re.search(r"/avis/demande/\S+/", mail.outbox[-1].body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    request = ReviewRequest.objects.get()
    assert request.status == ReviewRequestStatus.MATCHED
    assert request.invoice.number == "F-77"
