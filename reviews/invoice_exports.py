"""Spreadsheets we hand to pros: the invoice templates (CSV and .xlsx).

Written through ``common.spreadsheets``, which neutralises every text
cell (``=HYPERLINK(…)`` is shown, never run, in Excel or LibreOffice):
every CSV or XLSX export must use it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from common.spreadsheets import FORMULA_STARTS, csv_bytes, neutralise, xlsx_bytes, xlsx_workbook

from .invoice_columns import ALIASES, FIELDS

__all__ = ["FORMULA_STARTS", "neutralise", "template_csv", "template_xlsx"]

TEMPLATE_NAME = "modele-factures"
# The French headers (each field's first alias) and one example invoice.
TEMPLATE_HEADER = [ALIASES[field][0] for field in FIELDS]
TEMPLATE_EXAMPLE = {
    "number": "F-2025-001",
    "date": date(2025, 3, 14),
    "amount": Decimal("1234.56"),
    "client_name": "Marie Dupont",
    "client_company": "",
    "client_email": "marie.dupont@example.org",
    "client_phone": "06 12 34 56 78",
}


def template_csv() -> bytes:
    """UTF-8 with BOM and ``;``: what French Excel opens without asking."""
    example = {
        **TEMPLATE_EXAMPLE,
        "date": TEMPLATE_EXAMPLE["date"].strftime("%d/%m/%Y"),
        "amount": f"{TEMPLATE_EXAMPLE['amount']:.2f}".replace(".", ","),
    }
    return csv_bytes([TEMPLATE_HEADER, [example[field] for field in FIELDS]])


def template_xlsx() -> bytes:
    from openpyxl.styles import Font  # only for workbooks: it is slow to import

    workbook = xlsx_workbook(
        [TEMPLATE_HEADER, [TEMPLATE_EXAMPLE[field] for field in FIELDS]], title="Factures"
    )
    sheet = workbook.active
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet["B2"].number_format = "DD/MM/YYYY"
    sheet["C2"].number_format = "#,##0.00 €"
    for column, width in zip("ABCDEFG", (14, 16, 14, 24, 22, 30, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    return xlsx_bytes(workbook)
