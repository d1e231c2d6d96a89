from __future__ import annotations

import re

import pytest
from django.core import mail

from reviews.services import invoices
from tests.factories import recent_date


@pytest.fixture
def invoice_fields():
    return {
        "number": "F-2026-001",
        "issued_on": recent_date(59).isoformat(),
        "amount": "4200.00",
        "client_name": "Mme Sophie Martin",
        "client_email": "sophie.martin@example.org",
    }


@pytest.fixture
def invited(cast, invoice_fields, django_capture_on_commit_callbacks):
    """An invoice of company A whose client got the invitation e-mail."""
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoices.invoice_create(
            company=cast.company_a, fields=dict(invoice_fields), actor=cast.owner_a
        )
    return invoice


def review_path() -> str:
    return re.search(r"/avis/[^/\s]+/", mail.outbox[-1].body).group(0)


REVIEW = {
    "rating": "5",
    "rating_reliability": "5",
    "rating_quality": "4",
    "rating_value": "4",
    "rating_communication": "5",
    "title": "Un tableau refait proprement",
    "text": (
        "Travail soigné, chantier propre, délais tenus. "
        "Je recommande sans hésiter cette entreprise."
    ),
    "author_name": "Sophie Martin",
    "declaration": "on",
}
