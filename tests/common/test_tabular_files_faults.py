"""What a spreadsheet file does wrong, said where it is wrong, for every
import that reads files (prospects, invoices, sessions:
``common.tabular.files``) — found by a fresh-user trial:

- a quote that opens a CSV cell and is never closed swallowed every line
  after it into one cell (a file of two prospects previewed as one named
  "unterminated,Lyon B,Paris"): refused, naming the line of the quote;
- a workbook whose first sheet is empty and whose data are on another
  was "empty": the message names both sheets;
- a boolean cell read as Python's "True": it reads as Excel shows it,
  VRAI / FAUX;
- a cell over the length limit named its line only: its column and
  length too."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from common.tabular.files import TableFileError, read_table


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


def read(content: bytes):
    return read_table(content, max_rows=1000, too_many="plus de %(max)s")


def cells(content: bytes) -> list[tuple[str, ...]]:
    return [row.cells for row in read(content).rows]


def refusal(content: bytes) -> str:
    with pytest.raises(TableFileError) as error:
        read(content)
    return " ".join(error.value.messages).replace("\xa0", " ")


UNCLOSED = (
    "ligne {line} : un guillemet ouvre une cellule et n'est jamais fermé : toutes les lignes "
    "suivantes seraient lues dans cette cellule. Fermez le guillemet ou retirez-le, puis "
    "envoyez à nouveau le fichier."
)


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('Nom,Ville\n"unterminated,Lyon\nB,Paris\n', 2),
        ('Nom;Ville\nA;Lyon\nB;"Paris\nC;Nice\nD;Rennes\n', 3),
        # After a closed multi-line cell and an escaped quote.
        ('Nom;Note\nA;"deux\nlignes"\nB;"un ""mot"" puis\nC;D\n', 4),
        ('Nom\tVille\nA\t"Lyon\n', 2),
    ],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_quote_never_closed_is_refused_at_its_line(content, line, newline):
    assert refusal(content.replace("\n", newline).encode()) == UNCLOSED.format(line=line)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # Closed multi-line cells, last or not.
        ('Nom;Note\nA;"deux\nlignes"\n', [("Nom", "Note"), ("A", "deux\nlignes")]),
        ('Nom;Note\nA;"x\ny"\nB;z\n', [("Nom", "Note"), ("A", "x\ny"), ("B", "z")]),
        # A quote inside an unquoted cell is text, as csv reads it.
        ('Nom;Ville\nJean "Jo" Dupont;Lyon\n', [("Nom", "Ville"), ('Jean "Jo" Dupont', "Lyon")]),
        # An escaped quote at the end of a closed cell.
        ('Nom;Note\nA;"fin ""\nici"""\n', [("Nom", "Note"), ("A", 'fin "\nici"')]),
    ],
)
def test_closed_and_inner_quotes_are_read_as_before(content, expected):
    assert cells(content.encode()) == expected


def _workbook(sheets: list[tuple[str, list[list[object]]]], active: int = 0) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.active = active
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_empty_sheet_in_front_of_the_data_names_both_sheets():
    content = _workbook([("Feuil1", []), ("Prospects", [["Nom", "Ville"], ["Alpha", "Lyon"]])])
    assert refusal(content) == (
        "La feuille « Feuil1 » est vide ; les données semblent être sur la feuille "
        "« Prospects ». Placez cette feuille en premier (ou laissez-la ouverte à "
        "l'enregistrement), ou enregistrez-la seule, puis envoyez à nouveau le fichier."
    )


def test_a_workbook_empty_everywhere_is_still_empty():
    assert refusal(_workbook([("Feuil1", []), ("Feuil2", [[None, ""]])])) == (
        "Le fichier est vide."
    )


def test_the_open_sheet_is_read_when_it_holds_the_data():
    content = _workbook([("Notes", [["lisez-moi"]]), ("Data", [["Nom"], ["Alpha"]])], active=1)
    assert [row.cells for row in read(content).rows] == [("Nom",), ("Alpha",)]


def test_boolean_cells_read_as_excel_shows_them():
    content = _workbook([("Feuil1", [["Nom", "Actif", "Ancien"], ["Alpha", True, False]])])
    assert cells(content)[1] == ("Alpha", "VRAI", "FAUX")


def test_a_cell_too_long_is_named_by_line_and_column():
    content = ("Nom;Ville;Note\nA;Lyon;court\nB;Paris;" + "x" * 1500 + "\n").encode()
    assert refusal(content) == (
        "ligne 3, colonne C : la cellule contient 1 500 caractères, plus que 1 000."
    )
