"""Spreadsheets we hand to pros: the invoice templates (CSV and .xlsx).

Every text cell we write goes through :func:`neutralise`, so a value that
came from a client or a pro (``=HYPERLINK(…)``) is shown, never run, when
the file is opened in Excel or LibreOffice. Any future CSV or XLSX export
must do the same.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from .invoice_columns import ALIASES, FIELDS

# What spreadsheets read as the start of a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

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


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made plain
    text by a leading apostrophe; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def template_csv() -> bytes:
    """UTF-8 with BOM and ``;``: what French Excel opens without asking."""
    example = {
        **TEMPLATE_EXAMPLE,
        "date": TEMPLATE_EXAMPLE["date"].strftime("%d/%m/%Y"),
        "amount": f"{TEMPLATE_EXAMPLE['amount']:.2f}".replace(".", ","),
    }
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in TEMPLATE_HEADER])
    writer.writerow([neutralise(example[field]) for field in FIELDS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook  # only for workbooks: it is slow to import
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Factures"
    sheet.append([neutralise(name) for name in TEMPLATE_HEADER])
    sheet.append([neutralise(TEMPLATE_EXAMPLE[field]) for field in FIELDS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet["B2"].number_format = "DD/MM/YYYY"
    sheet["C2"].number_format = "#,##0.00 €"
    for column, width in zip("ABCDEFG", (14, 16, 14, 24, 22, 30, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
