"""Two invoice numbers, or two session references, that read the same are
one (``common.text.identifier_text``: NFKC, every dash "-", every space
one space). Found by a fresh-user trial: the API registered "NÉ-1" with
its É composed and again decomposed (É), "X Y" with a space and
again with a no-break space, "ＮＥ-2" beside "NE-2", "N‐E-3" beside
"N-E-3" — each a second invoice, a second session and a second review
invitation for what any reader sees as one invoice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from common.text import identifier_text
from loyalty.models import ServiceSession
from reviews.models import Invoice, ReviewInvitation
from tests.partners.writes import post

pytestmark = pytest.mark.django_db

INVOICES = "/api/v1/companies/alpha-electricite/invoices"
SESSIONS = "/api/v1/companies/alpha-electricite/sessions"

# (as first sent, as sent again, as stored)
SAME = [
    ("N\u00c9-1", "NE\u0301-1", "N\u00c9-1"),
    ("X Y", "X\u00a0Y", "X Y"),
    ("X Y", "X\u202f\u2009 Y", "X Y"),
    ("NE-2", "\uff2e\uff25\uff0d\uff12", "NE-2"),
    ("N-E-3", "N\u2010E\u20133", "N-E-3"),
    ("F-4", "F\u22124", "F-4"),
    ("fi-5", "\ufb01-5", "fi-5"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NE\u0301\u00a0\u2013\u00a01", "N\u00c9 - 1"),
        ("  A \t\n B  ", "A B"),
        ("\uff26\uff0d\uff11", "F-1"),
        ("Ab-12", "Ab-12"),
        ("", ""),
    ],
)
def test_identifier_text(text, expected):
    assert identifier_text(text) == expected


def invoice(number: str) -> dict:
    return {
        "number": number,
        "issued_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "client_name": "Jean Dupont",
        "client_email": "jean@example.org",
    }


@pytest.mark.parametrize(("first", "again", "stored"), SAME)
def test_an_invoice_number_written_another_way_is_the_same_invoice(connected, first, again, stored):
    assert post(connected.client, INVOICES, invoice(first)).status_code == 201
    response = post(connected.client, INVOICES, invoice(again))
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "number"
    assert list(Invoice.objects.values_list("number", flat=True)) == [stored]
    assert ReviewInvitation.objects.count() <= 1
    assert ServiceSession.objects.count() == 1


def session(reference: str) -> dict:
    return {
        "reference": reference,
        "performed_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "status": "completed",
        "client_email": "sophie.martin@example.org",
    }


@pytest.mark.parametrize(("first", "again", "stored"), SAME)
def test_a_session_reference_written_another_way_is_the_same_session(
    connected, first, again, stored
):
    created = post(connected.client, SESSIONS, session(first))
    assert created.status_code == 201
    retry = post(connected.client, SESSIONS, session(again))
    assert retry.status_code == 200, retry.content
    assert retry.json()["id"] == created.json()["id"]
    assert list(ServiceSession.objects.values_list("reference", flat=True)) == [stored]


def test_an_invoice_file_repeating_a_number_written_another_way_says_so(connected):
    from django.utils import translation

    from reviews import invoice_columns
    from reviews.services import invoices

    content = (
        "N° facture;Date;Nom du client;Courriel\n"
        "N\u00c9-1;14/03/2025;Jean Dupont;jean@example.org\n"
        "NE\u0301-1;15/03/2025;Paul Durand;paul@example.org\n"
    ).encode()
    sheet = invoices.invoice_sheet_read(content=content)
    columns = invoice_columns.recognise(sheet.header)
    with translation.override("fr"):
        report = invoices.invoices_check(company=connected.company, sheet=sheet, columns=columns)
    assert len(report.rows) == 1
    assert any("ligne 3" in error and "ligne 2" in error for error in report.errors), report.errors
