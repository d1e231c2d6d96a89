"""Spreadsheets we hand out (CSV and .xlsx): every export writes through
:func:`csv_bytes` or :func:`xlsx_bytes`, which neutralise each text cell.

A value that came from a client or a pro (``=HYPERLINK("http://…")``,
``=1+1``, ``@SUM(…)``, ``-2+3``) would otherwise be *run* when the file
is opened in Excel or LibreOffice (OWASP, "CSV injection"). It is kept,
shown as typed, behind a leading apostrophe; numbers and dates are real
values and are left alone. The invoice templates use these writers, and
so must the exports to come (prospects, sessions, import reports).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

# What spreadsheets read as the start of a formula (OWASP): "=", "+", "-",
# "@", tab and carriage return; line feed, which LibreOffice skips before
# a formula; and the full-width forms that Excel's East Asian input turns
# into their ASCII twins.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made plain
    text by a leading apostrophe; other values unchanged:
    ``"=1+1"`` → ``"'=1+1"``, ``Decimal("-3")`` → ``Decimal("-3")``."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """``rows`` as a CSV that French Excel opens without asking: UTF-8
    with BOM, ``;`` between cells, CRLF; every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_workbook(rows: Iterable[Sequence[object]], *, title: str) -> Any:
    """An openpyxl workbook of one sheet holding ``rows``, every text cell
    neutralised and typed as a string (openpyxl would otherwise store a
    text starting with "=" as a formula). The caller may style it."""
    from openpyxl import Workbook  # type: ignore[import-untyped]  # slow to import

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append([neutralise(cell) for cell in row])
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    return workbook


def xlsx_bytes(workbook: Any) -> bytes:
    """The workbook saved as .xlsx bytes."""
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
