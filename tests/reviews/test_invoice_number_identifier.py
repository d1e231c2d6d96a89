"""An invoice number is an identifier: "F-001", "f-001" and " F-001 " are
one invoice of a company, by one rule of the service
(``invoice_number_registered``) that the API, the pro space's form and
the file import share, and a case-insensitive unique constraint in the
database; the number is kept as first typed. The migration that brings
the constraint renames the clashing numbers of an existing database
rather than failing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from reviews.forms import InvoiceForm
from reviews.models import Invoice
from reviews.services.invoices import (
    invoice_create,
    invoice_number_registered,
    invoices_import_file,
)
from tests.factories import CompanyFactory
from tests.partners.writes import assert_problem, post

pytestmark = pytest.mark.django_db

BASE = "/api/v1/companies/alpha-electricite/"
ALREADY = {
    "fr": "Ce numéro de facture est déjà enregistré.",
    "en": "This invoice number is already registered.",
}
SAME = ["f-001", "F-001", " F-001 ", "f-001\t", "F-001 "]


def invoice(number: str) -> dict:
    return {
        "number": number,
        "issued_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "client_name": "Sophie Martin",
        "client_email": "sophie.martin@example.org",
    }


def fields(number: str) -> dict:
    return {**invoice(number), "issued_on": timezone.localdate() - timedelta(days=3)}


@pytest.mark.parametrize("again", SAME)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_api_refuses_a_number_differing_only_by_case_or_spaces(connected, again, language):
    assert post(connected.client, BASE + "invoices", invoice("F-001")).status_code == 201
    response = post(
        connected.client, BASE + "invoices", invoice(again), **{"Accept-Language": language}
    )
    body = assert_problem(response, 422, "unprocessable")
    assert body["errors"] == [{"field": "number", "detail": ALREADY[language]}]
    assert list(Invoice.objects.values_list("number", flat=True)) == ["F-001"]


def test_in_a_batch_the_second_spelling_is_refused(connected):
    items = [invoice("A-1"), invoice("a-1"), invoice(" A-1"), invoice("A-2")]
    results = post(connected.client, BASE + "invoices/batch", {"items": items}).json()["results"]
    assert [r["status"] for r in results] == [201, 422, 422, 201]
    assert results[1]["errors"] == [{"field": "number", "detail": ALREADY["fr"]}]


def test_the_number_is_kept_as_typed_without_surrounding_spaces(connected):
    assert post(connected.client, BASE + "invoices", invoice("  Fa-Ct/001  ")).status_code == 201
    assert Invoice.objects.get().number == "Fa-Ct/001"


def test_another_company_may_use_the_number(connected):
    other = CompanyFactory()
    invoice_create(company=connected.company, fields=fields("F-001"), actor=None)
    invoice_create(company=other, fields=fields("f-001"), actor=None)
    assert Invoice.objects.count() == 2


def test_the_form_and_the_service_share_the_rule(connected):
    invoice_create(company=connected.company, fields=fields("F-001"), actor=None)
    for again in SAME:
        assert invoice_number_registered(company=connected.company, number=again)
        form = InvoiceForm(fields(again), company=connected.company)
        assert not form.is_valid()
        assert form.errors["number"] == [ALREADY["fr"]]
    assert not invoice_number_registered(company=connected.company, number="F-0011")


def test_the_file_import_skips_and_refuses_the_same_numbers(connected):
    invoice_create(company=connected.company, fields=fields("F-001"), actor=None)
    day = (timezone.localdate() - timedelta(days=3)).strftime("%d/%m/%Y")
    header = "number;date;amount;client_name;client_company;client_email;client_phone\n"
    rows = (
        f"f-001;{day};10;Luc Petit;;luc@example.org;\n"
        f"B-7;{day};10;Luc Petit;;luc@example.org;\n"
        f"b-7;{day};10;Luc Petit;;luc@example.org;\n"
    )
    report = invoices_import_file(
        company=connected.company, content=(header + rows).encode(), actor=None, commit=False
    )
    assert report.duplicates == [2]
    assert len(report.errors) == 1
    assert "ligne 4" in report.errors[0]
    assert [row["number"] for row in report.rows] == ["B-7"]


def test_the_database_refuses_the_second_spelling(connected):
    invoice_create(company=connected.company, fields=fields("F-001"), actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            company=connected.company,
            number="f-001",
            issued_on=timezone.localdate(),
            client_name="Luc Petit",
            client_email="l@example.org",
        )


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_existing_clashes_instead_of_failing():
    before = [("reviews", "0019_review_updated_at_feed")]
    after = [("reviews", "0021_invoice_number_unique_case_insensitive")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Company = old_apps.get_model("directory", "Company")
    OldInvoice = old_apps.get_model("reviews", "Invoice")
    company = Company.objects.get(pk=CompanyFactory().pk)
    other = Company.objects.get(pk=CompanyFactory().pk)
    day = timezone.localdate()
    for owner, number in [
        (company, "F-001"),
        (company, "f-001"),
        (company, " F-001"),
        (company, "f-001 (2)"),
        (company, "G" * 50),
        (company, "g" * 50),
        (other, "f-001"),
    ]:
        OldInvoice.objects.create(
            company=owner,
            number=number,
            issued_on=day,
            client_name="Luc Petit",
            client_email="l@example.org",
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new_apps = executor.loader.project_state(after).apps
    NewInvoice = new_apps.get_model("reviews", "Invoice")
    numbers = list(NewInvoice.objects.filter(company_id=company.pk).order_by("pk"))
    assert [i.number for i in numbers] == [
        "F-001",
        "f-001 (3)",
        "F-001 (4)",
        "f-001 (2)",
        "G" * 50,
        "g" * 46 + " (2)",
    ]
    assert NewInvoice.objects.get(company_id=other.pk).number == "f-001"
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
