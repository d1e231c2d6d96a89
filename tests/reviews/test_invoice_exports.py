"""The French invoice templates, and formulas neutralised in what we export."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from reviews import invoice_columns
from reviews.invoice_exports import neutralise, template_csv, template_xlsx
from reviews.services import invoices
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example";"Luc")', '\'=HYPERLINK("http://evil.example";"Luc")'),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Luc Petit", "Luc Petit"),
        ("", ""),
        ("a=b", "a=b"),
        (12, 12),
        (Decimal("-5"), Decimal("-5")),  # numbers are not formulas
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(value, expected):
    assert neutralise(value) == expected


def test_a_neutralised_cell_is_text_in_a_workbook():
    workbook = Workbook()
    workbook.active.append([neutralise("=1+1"), neutralise("Luc")])
    out = io.BytesIO()
    workbook.save(out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert (sheet["A1"].data_type, sheet["A1"].value) == ("s", "'=1+1")


def sheet_of(content: bytes) -> invoices.InvoiceSheet:
    return invoices.invoice_sheet_read(content=content)


@pytest.mark.parametrize("template", [template_csv, template_xlsx])
def test_the_templates_have_french_headers_that_we_recognise(template):
    sheet = sheet_of(template())
    assert sheet.header == (
        "N° facture",
        "Date de facture",
        "Montant TTC",
        "Nom du client",
        "Société",
        "E-mail",
        "Téléphone",
    )
    assert invoice_columns.recognise(sheet.header) == {
        field: index for index, field in enumerate(invoice_columns.FIELDS)
    }


def test_the_csv_template_is_what_french_excel_opens():
    content = template_csv()
    assert content.startswith(b"\xef\xbb\xbfN\xc2\xb0 facture;Date de facture;")
    assert b"\r\nF-2025-001;14/03/2025;1234,56;Marie Dupont;;" in content


def test_the_xlsx_template_holds_a_real_date_and_amount():
    sheet = load_workbook(io.BytesIO(template_xlsx())).active
    assert sheet["B2"].value == datetime(2025, 3, 14)  # noqa: DTZ001 (openpyxl's naive cells)
    assert sheet["C2"].value == pytest.approx(1234.56)
    assert sheet["A1"].font.bold


@pytest.mark.django_db
@pytest.mark.parametrize("template", [template_csv, template_xlsx])
def test_the_example_invoice_of_each_template_imports(cast, template):
    sheet = sheet_of(template())
    columns = invoice_columns.recognise(sheet.header)
    report = invoices.invoices_check(company=cast.company_a, sheet=sheet, columns=columns)
    assert report.errors == []
    [row] = report.rows
    assert (row["number"], row["issued_on"], row["amount"]) == (
        "F-2025-001",
        date(2025, 3, 14),
        Decimal("1234.56"),
    )
    assert (row["client_email"], row["client_phone"]) == (
        "marie.dupont@example.org",
        "+33612345678",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "content_type", "start"),
    [
        ("csv", "text/csv; charset=utf-8", b"\xef\xbb\xbf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ],
)
def test_pros_download_the_templates_from_the_import_page(client, cast, kind, content_type, start):
    client.login(username=cast.member_a.username, password=PASSWORD)
    page = client.get(reverse("reviews:invoice-import", args=[cast.company_a.pk])).content.decode()
    link = reverse("reviews:invoice-template", args=[cast.company_a.pk, kind])
    assert f'href="{link}"' in page
    response = client.get(link)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="modele-factures.{kind}"'
    assert response.content.startswith(start)
    # Sent back as it is, it goes straight to the preview.
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    preview = client.post(url, {"file": SimpleUploadedFile(f"f.{kind}", response.content)})
    assert "1 facture prête" in preview.content.decode()


@pytest.mark.django_db
def test_templates_are_for_members_only(client, cast):
    link = reverse("reviews:invoice-template", args=[cast.company_a.pk, "csv"])
    assert client.get(link).status_code == 302  # to the log-in page
    client.login(username=cast.owner_b.username, password=PASSWORD)
    assert client.get(link).status_code == 404
    client.login(username=cast.member_a.username, password=PASSWORD)
    other = reverse("reviews:invoice-template", args=[cast.company_a.pk, "exe"])
    assert client.get(other).status_code == 404
