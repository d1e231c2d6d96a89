"""Completed sessions: every registered invoice is one, recorded once,
naming no one (issue 13, § 1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from loyalty.identity import client_key
from loyalty.models import ServiceSession, SessionSource, SessionStatus
from loyalty.services import session_record, sessions_for_invoices
from reviews.models import Invoice
from reviews.services import invoices
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def register(company, number: str, **fields) -> Invoice:
    return invoices.invoice_create(
        company=company,
        fields={
            "number": number,
            "issued_on": timezone.localdate(),
            "client_name": "Luc Petit",
            "client_email": "luc.petit@gmail.com",
            **fields,
        },
        actor=None,
    )


def test_a_registered_invoice_is_a_completed_session_on_its_date(cast):
    invoice = register(cast.company_a, "F-1", issued_on=date(2026, 3, 4), amount=Decimal("80"))
    session = ServiceSession.objects.get()
    assert session.invoice == invoice
    assert (session.company, session.performed_on, session.amount) == (
        cast.company_a,
        date(2026, 3, 4),
        Decimal("80"),
    )
    assert (session.status, session.source, session.reference) == (
        SessionStatus.COMPLETED,
        SessionSource.INVOICE,
        "F-1",
    )
    assert session.client_key == client_key(
        company_id=cast.company_a.pk, email="luc.petit@gmail.com"
    )


def test_one_client_s_invoices_under_two_spellings_share_a_key(cast):
    register(cast.company_a, "F-1", client_email="Luc.Petit@Gmail.com")
    register(cast.company_a, "F-2", client_email="lucpetit@gmail.com")
    register(cast.company_a, "F-3", client_email="autre@example.org")
    assert ServiceSession.objects.values("client_key").distinct().count() == 2


def test_a_session_row_holds_no_personal_data(cast):
    register(cast.company_a, "F-1", client_phone="0612345678", client_company="SARL Petit")
    row = ServiceSession.objects.values().get()
    text = " ".join(str(value) for value in row.values()).lower()
    for personal in ("luc", "petit", "gmail", "0612345678", "+33612345678"):
        assert personal not in text


def test_an_invoice_refused_records_no_session(cast):
    with pytest.raises(ValidationError):
        register(cast.company_a, "F-1", client_email="pas une adresse")
    assert not ServiceSession.objects.exists()


def test_deleting_an_invoice_deletes_its_session(cast):
    register(cast.company_a, "F-1").delete()
    assert not ServiceSession.objects.exists()


def test_the_form_and_the_file_import_record_sessions(
    client, cast, django_capture_on_commit_callbacks
):
    client.login(username=cast.member_a.username, password=PASSWORD)
    today = timezone.localdate().isoformat()
    client.post(
        reverse("reviews:invoices", args=[cast.company_a.pk]),
        {
            "number": "F-1",
            "issued_on": today,
            "client_name": "Luc",
            "client_email": "l@example.org",
        },
    )
    text = (
        "N° facture;Date;Montant TTC;Nom du client;Société;Courriel;Téléphone\n"
        f"F-10;{today};120;Paul Roux;;paul@example.org;\n"
        f"F-11;{today};90;Rose Blanc;;rose@example.org;\n"
    )
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    client.post(url, {"file": SimpleUploadedFile("factures.csv", text.encode())})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"step": "confirm"})
    sessions = ServiceSession.objects.order_by("reference")
    assert list(sessions.values_list("reference", "source")) == [
        ("F-1", "invoice"),
        ("F-10", "invoice"),
        ("F-11", "invoice"),
    ]
    assert [s.invoice.source for s in sessions] == ["form", "csv", "csv"]


def test_a_reference_is_recorded_once_per_company_and_source(cast):
    first, created = session_record(
        company=cast.company_a,
        performed_on=date(2026, 5, 1),
        source=SessionSource.CSV,
        reference=" L-7 ",
        email="rose@example.org",
    )
    assert created
    again, created = session_record(
        company=cast.company_a,
        performed_on=date(2026, 6, 1),
        source=SessionSource.CSV,
        reference="L-7",
        email="other@example.org",
    )
    assert (again, created) == (first, False)
    assert again.performed_on == date(2026, 5, 1)  # the first record stands
    # Another source, another company: other sessions.
    session_record(
        company=cast.company_a,
        performed_on=date(2026, 5, 1),
        source=SessionSource.API,
        reference="L-7",
        email="rose@example.org",
    )
    session_record(
        company=cast.company_b,
        performed_on=date(2026, 5, 1),
        source=SessionSource.CSV,
        reference="L-7",
        email="rose@example.org",
    )
    assert ServiceSession.objects.count() == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reference": "  "}, "reference"),
        ({"email": "", "phone": "", "name": ""}, "__all__"),
        ({"amount": Decimal("-1")}, "amount"),
        ({"status": "maybe"}, "status"),
    ],
)
def test_invalid_sessions_are_refused_and_nothing_is_recorded(cast, fields, field):
    values = {
        "company": cast.company_a,
        "performed_on": date(2026, 5, 1),
        "source": SessionSource.FORM,
        "reference": "S-1",
        "email": "rose@example.org",
        **fields,
    }
    with pytest.raises(ValidationError) as raised:
        session_record(**values)
    error = raised.value
    errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    assert field in errors
    assert not ServiceSession.objects.exists()


def test_invoices_written_in_bulk_get_the_sessions_a_registration_records(cast):
    registered = register(cast.company_a, "F-1", client_email="Luc.Petit@Gmail.com")
    recorded = ServiceSession.objects.get()
    bulk = Invoice.objects.bulk_create(
        [
            Invoice(
                company=cast.company_a,
                number="B-1",
                issued_on=date(2026, 2, 3),
                amount=Decimal("120"),
                client_name="Luc Petit",
                client_email="lucpetit@gmail.com",
            ),
            # Its client data erased: no one to count.
            Invoice(company=cast.company_a, number="B-2", issued_on=date(2026, 2, 4)),
        ]
    )
    created_at = timezone.now() - timezone.timedelta(days=3)
    Invoice.objects.filter(number="B-1").update(created_at=created_at)
    assert sessions_for_invoices(Invoice.objects.order_by("pk")) == 2
    # The registered invoice's session is left as it was; the erased one has none.
    assert ServiceSession.objects.get(invoice=registered) == recorded
    assert not ServiceSession.objects.filter(invoice=bulk[1]).exists()
    session = ServiceSession.objects.get(invoice=bulk[0])
    assert (session.performed_on, session.amount, session.reference, session.source) == (
        date(2026, 2, 3),
        Decimal("120"),
        "B-1",
        SessionSource.INVOICE,
    )
    assert session.created_at == created_at
    # The same client as the registered invoice's, under another spelling.
    assert session.client_key == recorded.client_key
    assert ServiceSession.objects.count() == 2
