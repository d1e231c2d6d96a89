"""Spreadsheet files as pros have them (invoices, completed sessions), read
into rows of text cells.

CSV in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text"),
Windows-1252 or Mac Roman; ``;``, ``,`` or tab; any line ending. Or an
Excel workbook (.xlsx), recognised by its content, not its name. Rows whose
cells are all blank are skipped (Excel writes ``;;;;;;`` for emptied rows).

Pure: bytes in, a :class:`Table` out, or :class:`TableFileError`
with a message for the pro. Cells come out stripped of control characters
(a NUL, often written ``_x0000_`` in a workbook, cannot be stored by
PostgreSQL) and of invisible formatting (bidirectional overrides,
zero-width characters: ``common.control_characters.clean_text``).
Nothing is evaluated: an Excel formula gives the value Excel last
computed, a CSV cell ``=HYPERLINK(…)`` stays text. A formula no program
ever computed (a workbook written by a script, never opened in Excel)
has no value to give: the file is refused, naming the cell, rather than
the cell read as empty ("no name") — the same for every import.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from charset_normalizer import from_bytes
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from common.control_characters import clean_text

from .values import cell_text

MAX_BYTES = 2 * 1024 * 1024
# Lines read, blank ones included, and title rows allowed above the header.
MAX_LINES = 50_000
HEADER_SEARCH = 10
MAX_COLUMNS = 50
MAX_CELL = 1000
# An .xlsx is a zip: its unpacked size is bounded so a small file cannot
# unpack into gigabytes.
MAX_UNZIPPED = 40 * 1024 * 1024

# Encodings a French pro's file may be in when it is not UTF-8.
ENCODINGS = ["cp1252", "mac_roman", "utf_16", "utf_16_le", "utf_16_be", "latin_1"]
DELIMITERS = (";", "\t", ",")  # in order of preference on a tie
_BINARY_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"BM",
)
_OLD_EXCEL = b"\xd0\xcf\x11\xe0"
_ZIP = b"PK\x03\x04"


class TableFileError(ValidationError):
    """The file cannot be read; the message says why, for the pro."""


@dataclass(frozen=True)
class Row:
    line: int  # in the original file: CSV line, or spreadsheet row
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    rows: tuple[Row, ...]  # non-blank rows, the header among them
    blank: int  # blank rows skipped


def read_table(content: bytes, *, max_rows: int, too_many: str | Promise) -> Table:
    """The non-blank rows of a CSV or .xlsx file. ``max_rows``: data rows
    allowed (title and header rows come on top); past it, ``too_many``
    (a message with ``%(max)s``) is raised as :class:`TableFileError`."""
    if len(content) > MAX_BYTES:
        raise TableFileError(_("The file is too large (2 MB maximum)."))
    if not content.strip():
        raise TableFileError(_("The file is empty."))
    if content.startswith(_ZIP):
        return _collect(_xlsx_rows(content), max_rows=max_rows, too_many=too_many)
    if content.startswith(_OLD_EXCEL):
        raise TableFileError(
            _("This is an old Excel file (.xls): save it as .xlsx or CSV, then upload it again.")
        )
    if content.startswith(_BINARY_MAGIC):
        raise TableFileError(_("This is not a CSV or Excel (.xlsx) file."))
    return _collect(_csv_rows(_decode(content)), max_rows=max_rows, too_many=too_many)


def _decode(content: bytes) -> str:
    text = None
    try:
        if content.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = content.decode("utf_16")
        elif content.startswith(b"\xef\xbb\xbf"):
            text = content.decode("utf_8_sig")
        elif b"\x00" not in content:  # else UTF-16 without its mark, perhaps
            text = content.decode("utf_8")
    except UnicodeDecodeError:
        if content.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
            raise _unknown_encoding() from None
    if text is None:
        best = from_bytes(content, cp_isolation=ENCODINGS).best()
        if best is None:
            raise _unknown_encoding() if _is_text(content.decode("latin_1")) else _not_text()
        text = str(best)
    return _text_or_error(text)


def _unknown_encoding() -> TableFileError:
    return TableFileError(
        _("The file's encoding is not recognised: save it as CSV UTF-8 or as .xlsx.")
    )


def _text_or_error(text: str) -> str:
    """Refuse what decodes but is no text: images, archives, executables."""
    text = text.removeprefix("\ufeff")
    if not _is_text(text):
        raise _not_text()
    return text


def _is_text(text: str) -> bool:
    sample = text[:20_000]
    control = sum(1 for c in sample if c < " " and c not in "\t\r\n")
    return "\x00" not in text and control * 100 <= len(sample)


def _not_text() -> TableFileError:
    return TableFileError(_("This is not a CSV or Excel (.xlsx) file."))


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    line = 1
    # Excel's own hint, "sep=;" on the first line, says the delimiter.
    hint = re.match(r"sep=([;,\t|])\n", text)
    if hint:
        text, line = text[hint.end() :], 2
    delimiter = hint.group(1) if hint else _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    first = line - 1
    # Each row is given once the next one is read: the last one is checked
    # first. csv reads a quote never closed as one cell running to the end
    # of the file (the last row's last cell), and the lines after the
    # quote would be lost in it.
    held: tuple[int, list[str]] | None = None
    try:
        for cells in reader:
            if held is not None:
                yield held
            held = (line, cells)
            line = first + reader.line_num + 1
        if held is not None:
            line, cells = held
            if cells and "\n" in cells[-1] and _ends_in_open_quote(text, delimiter):
                raise TableFileError(
                    _(
                        "line %(line)s: a quote opens a cell and is never closed, so every "
                        "line after it would be read into that cell. Close the quote or "
                        "remove it, then upload the file again."
                    )
                    % {"line": line}
                )
            yield held
    except csv.Error:
        # An unclosed quote or a field over csv's limit (far over MAX_CELL).
        raise TableFileError(
            _("line %(line)s: the file cannot be read as CSV (a quote is not closed?).")
            % {"line": line}
        ) from None


def _ends_in_open_quote(text: str, delimiter: str) -> bool:
    """Whether ``text`` ends inside a quoted field, read as ``csv`` reads
    it (not strict): a quote opens a field only at its start, ``""``
    inside one is a quote, a quote followed by anything else closes it.
    Run once, when the file's last row holds a line break in its last
    cell: a closed multi-line cell, or a quote never closed."""
    quoted = False
    at_start = True
    index, end = 0, len(text)
    while index < end:
        if quoted:
            close = text.find('"', index)
            if close < 0:
                return True
            if text.startswith('""', close):
                index = close + 2
                continue
            quoted, at_start, index = False, False, close + 1
            continue
        char = text[index]
        if char == '"' and at_start:
            quoted = True
        at_start = char in (delimiter, "\n")
        index += 1
    return quoted


def _delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most columns, the
    same number on most lines (``csv.Sniffer`` is fooled by ``1 234,56``)."""
    sample = [line for line in text[:20_000].split("\n")[:30] if line.strip(" ;,\t")]
    best, best_score = DELIMITERS[0], (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(cells) for cells in csv.reader(sample, delimiter=delimiter)]
        except csv.Error:
            continue
        if not widths or max(widths) < 2:
            continue
        header = widths[0]
        score = (sum(1 for width in widths if width == header), header)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    # Only for workbooks: it is slow to import.
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED:
                raise TableFileError(_("The workbook is too large once unpacked."))
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        # The formulas, to tell an empty cell from a formula without a value.
        formulas = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except TableFileError:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise TableFileError(_("The Excel file is damaged or is not an .xlsx workbook.")) from None
    try:
        sheet = workbook.active if workbook.active in workbook.worksheets else None
        sheet = sheet or (workbook.worksheets[0] if workbook.worksheets else None)
        if sheet is None:
            raise TableFileError(_("The workbook has no sheet of cells."))
        sheet.reset_dimensions()  # the declared size may be wrong: read every row
        twin = formulas[sheet.title]
        twin.reset_dimensions()
        pairs = zip(
            sheet.iter_rows(values_only=True), twin.iter_rows(values_only=True), strict=False
        )
        filled = False
        for line, (values, written) in enumerate(pairs, start=1):
            values = values[: MAX_COLUMNS + 1]
            for column, (value, formula) in enumerate(zip(values, written, strict=False)):
                if value is None and formula is not None:
                    raise _formula_without_value(line, column, formula)
            cells = [cell_text(value) for value in values]
            filled = filled or any(cell.strip() for cell in cells)
            yield line, cells
        if not filled:
            _other_sheet_check(workbook, sheet)
    except TableFileError:
        raise
    except Exception:  # a damaged sheet shows only while it is read
        raise TableFileError(_("The Excel file is damaged or is not an .xlsx workbook.")) from None
    finally:
        workbook.close()
        formulas.close()


def _other_sheet_check(workbook: Any, read: Any) -> None:
    """The sheet read is empty: if another sheet holds cells, say which,
    rather than "the file is empty" (a workbook saved with an empty
    sheet in front, or open on it)."""
    for other in workbook.worksheets:
        if other is read:
            continue
        rows = other.iter_rows(max_row=HEADER_SEARCH + 1, values_only=True)
        if any(cell_text(value).strip() for row in rows for value in row):
            raise TableFileError(
                _(
                    "The sheet “%(sheet)s” is empty; the data seem to be on the sheet "
                    "“%(other)s”. Put that sheet first (or leave it open when you save), "
                    "or save it on its own, then upload the file again."
                )
                % {"sheet": read.title, "other": other.title}
            )


def _formula_without_value(line: int, column: int, formula: object) -> TableFileError:
    from .columns import column_letter  # columns imports this module

    text = str(getattr(formula, "text", formula))
    return TableFileError(
        _(
            "line %(line)s, column %(column)s: the cell holds a formula with no computed "
            "value (%(formula)s), not imported. Open the file in Excel or LibreOffice and "
            "save it again, or paste the values only."
        )
        % {"line": line, "column": column_letter(column), "formula": text[:40]}
    )


def _collect(
    rows: Iterable[tuple[int, list[str]]], *, max_rows: int, too_many: str | Promise
) -> Table:
    kept: list[Row] = []
    blank = 0
    for line, raw in rows:
        if line > MAX_LINES:
            raise TableFileError(
                _("The file has more than %(max)s lines.")
                % {"max": number_format(MAX_LINES, force_grouping=True)}
            )
        cells = [clean_text(cell).strip() for cell in raw]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            blank += 1
            continue
        if len(cells) > MAX_COLUMNS:
            raise TableFileError(
                _("line %(line)s: more than %(max)s columns.") % {"line": line, "max": MAX_COLUMNS}
            )
        long = next((index for index, cell in enumerate(cells) if len(cell) > MAX_CELL), None)
        if long is not None:
            from .columns import column_letter  # columns imports this module

            raise TableFileError(
                _(
                    "line %(line)s, column %(column)s: the cell holds %(length)s characters, "
                    "more than %(max)s."
                )
                % {
                    "line": line,
                    "column": column_letter(long),
                    "length": number_format(len(cells[long]), force_grouping=True),
                    "max": number_format(MAX_CELL, force_grouping=True),
                }
            )
        kept.append(Row(line=line, cells=tuple(cells)))
        if len(kept) > max_rows + HEADER_SEARCH:
            raise too_many_rows(max_rows, too_many)
    if not kept:
        raise TableFileError(_("The file is empty."))
    return Table(rows=tuple(kept), blank=blank)


def too_many_rows(max_rows: int, message: str | Promise) -> TableFileError:
    """``message`` (with ``%(max)s``) as the error of a file too long."""
    return TableFileError(str(message) % {"max": number_format(max_rows, force_grouping=True)})
