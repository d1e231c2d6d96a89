"""Reading invoice files: CSV of any common encoding, delimiter and line
ending, and .xlsx; refusing, with a message, what cannot be read."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.tabular.files import MAX_BYTES, Table, TableFileError
from reviews.invoice_files import MAX_ROWS, read_invoice_file
from tests.reviews.invoice_files_helpers import xlsx

FRENCH = "N° facture;Date;Montant TTC;Nom du client;Courriel\n"
ROW = "F-1;14/03/2025;1 234,56 €;Hélène Dupré;helene@example.org\n"
EXPECTED = (
    ("N° facture", "Date", "Montant TTC", "Nom du client", "Courriel"),
    ("F-1", "14/03/2025", "1 234,56 €", "Hélène Dupré", "helene@example.org"),
)


def read_or_messages(content: bytes) -> tuple[Table | None, list[str]]:
    """The table, or the messages of the validation error; any other
    exception fails the test."""
    try:
        return read_invoice_file(content), []
    except TableFileError as error:
        return None, error.messages


def cells(table: Table) -> tuple[tuple[str, ...], ...]:
    return tuple(row.cells for row in table.rows)


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "cp1252", "mac_roman", "utf-16", "utf-16-le", "utf-16-be"],
)
def test_encodings_of_french_tools_are_read(encoding):
    table = read_invoice_file((FRENCH + ROW).encode(encoding))
    assert cells(table) == EXPECTED


def test_windows_1252_with_the_euro_sign_and_accents_is_read():
    content = "Numéro;Société;Montant\nF-1;Café Élysée;1 234,56 €\n".encode("cp1252")
    assert b"\x80" in content  # the euro sign as Windows writes it
    assert cells(read_invoice_file(content))[1] == ("F-1", "Café Élysée", "1 234,56 €")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_any_line_ending_is_read_with_the_file_s_line_numbers(newline):
    text = (FRENCH + ROW + ";;;;\n" + ROW.replace("F-1", "F-2")).replace("\n", newline)
    table = read_invoice_file(text.encode())
    assert [row.line for row in table.rows] == [1, 2, 4]
    assert table.blank == 1


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_the_delimiter_is_found(delimiter):
    text = (
        f"number{delimiter}date{delimiter}amount\n"
        f'F-1{delimiter}2025-03-14{delimiter}"1 234,56"\n'
        f'F-2{delimiter}2025-03-15{delimiter}"12,50"\n'
    )
    assert cells(read_invoice_file(text.encode()))[1:] == (
        ("F-1", "2025-03-14", "1 234,56"),
        ("F-2", "2025-03-15", "12,50"),
    )


def test_semicolon_files_with_decimal_commas_are_not_split_on_commas():
    text = "Numéro;Montant;Date\nF-1;1 234,56;14/03/2025\nF-2;99,90;15/03/2025\n"
    assert cells(read_invoice_file(text.encode()))[2] == ("F-2", "99,90", "15/03/2025")


def test_quoted_fields_keep_semicolons_quotes_and_line_breaks():
    text = (
        'Numéro;Client;Montant\nF-1;"Dupont; fils ""et cie""";10\n'
        '"F-2";"Ligne 1\nLigne 2";20\nF-3;X;30\n'
    )
    table = read_invoice_file(text.encode())
    assert cells(table)[1:] == (
        ("F-1", 'Dupont; fils "et cie"', "10"),
        ("F-2", "Ligne 1\nLigne 2", "20"),
        ("F-3", "X", "30"),
    )
    assert [row.line for row in table.rows] == [1, 2, 3, 5]


def test_rows_of_bare_separators_and_trailing_empty_columns_are_dropped():
    text = "Numéro;Montant;;;\n;;;;;;\nF-1;10;;;\n  ;\u00a0; ;\n\n;;;;;;\nF-2;20\n"
    table = read_invoice_file(text.encode())
    assert cells(table) == (("Numéro", "Montant"), ("F-1", "10"), ("F-2", "20"))
    assert table.blank == 4


def test_cells_are_trimmed_of_every_kind_of_space():
    table = read_invoice_file("a;b\n\u00a0F-1\u202f; x \n".encode())
    assert cells(table)[1] == ("F-1", "x")


def test_formulas_in_a_csv_stay_plain_text():
    text = 'Numéro;Client\nF-1;"=HYPERLINK(""http://evil.example"";""Luc"")"\n'
    assert (
        cells(read_invoice_file(text.encode()))[1][1] == '=HYPERLINK("http://evil.example";"Luc")'
    )


def test_xlsx_is_read_with_dates_numbers_and_blank_rows():
    content = xlsx(
        [
            ["N° facture", "Date de facture", "Montant TTC", "Client", "E-mail", None],
            ["F-1", date(2025, 3, 14), 1234.56, "Hélène Dupré", "h@example.org"],
            [None, None, None],
            [1001, "14/03/2025", 99, " Luc Petit ", "l@example.org"],
        ]
    )
    table = read_invoice_file(content)
    assert cells(table) == (
        ("N° facture", "Date de facture", "Montant TTC", "Client", "E-mail"),
        ("F-1", "2025-03-14", "1234.56", "Hélène Dupré", "h@example.org"),
        ("1001", "14/03/2025", "99", "Luc Petit", "l@example.org"),
    )
    assert [row.line for row in table.rows] == [1, 2, 4]
    assert table.blank == 1


def test_xlsx_is_recognised_by_its_content_not_its_name():
    # read_invoice_file takes no name at all: a workbook saved as ".csv" is still one.
    assert cells(read_invoice_file(xlsx([["a", "b"], ["1", "2"]])))[1] == ("1", "2")


def test_xlsx_formulas_give_their_cached_value_never_evaluated():
    content = xlsx(
        [["Numéro", "Montant", "Total"], ['=HYPERLINK("http://x","F-9")', "=1+1", "=A2"]],
        cached={"A2": "F-9", "B2": "2"},
    )
    # No value stored by Excel for C2: the file is refused naming the cell
    # (not read as empty, nor computed), as in every import.
    with pytest.raises(TableFileError) as refused:
        read_invoice_file(content)
    assert "ligne 2, colonne C" in refused.value.messages[0]
    assert "formule" in refused.value.messages[0]
    stored = xlsx(
        [["Numéro", "Montant", "Total"], ['=HYPERLINK("http://x","F-9")', "=1+1", "=A2"]],
        cached={"A2": "F-9", "B2": "2", "C2": "F-9"},
    )
    assert cells(read_invoice_file(stored))[1] == ("F-9", "2", "F-9")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "vide"),
        (b"  \n\r\n ", "vide"),
        (b";;;;\n;;;\n", "vide"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "ni un CSV ni un fichier Excel"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "ni un CSV ni un fichier Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "ancien fichier Excel"),
        (bytes(range(256)) * 20, "ni un CSV ni un fichier Excel"),
        (b"a;b\n1;\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f", "ni un CSV"),
        (b"PK\x03\x04 not really a zip", "endommagé"),
        (b'a;b\n1;"unclosed\n' + b"x" * 200_000, "ligne 2"),
        (("a;b\n1;" + "x" * 1001 + "\n").encode(), "ligne 2, colonne B : la cellule contient 1"),
        (("a;" * 60 + "\n").encode(), "50 colonnes"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(content, message):
    with pytest.raises(TableFileError, match=message):
        read_invoice_file(content)


def test_a_truncated_xlsx_is_refused():
    content = xlsx([["a", "b"], *[[f"F-{n}", n] for n in range(200)]])
    for cut in (len(content) // 3, len(content) // 2, len(content) - 30):
        with pytest.raises(TableFileError, match="endommagé"):
            read_invoice_file(content[:cut])


def test_a_zip_that_is_no_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "bonjour")
    with pytest.raises(TableFileError, match="endommagé"):
        read_invoice_file(buffer.getvalue())


def test_a_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"a" * (50 * 1024 * 1024))
    assert len(buffer.getvalue()) < MAX_BYTES
    with pytest.raises(TableFileError, match="trop volumineux une fois décompressé"):
        read_invoice_file(buffer.getvalue())


def test_files_over_the_size_limit_are_refused():
    with pytest.raises(TableFileError, match="2 Mo"):
        read_invoice_file(b"a;b\n" + b"1;2\n" * (MAX_BYTES // 4))


def test_a_100000_row_file_is_refused_as_too_many_invoices():
    lines = "".join(f"{n};1\n" for n in range(100_000))
    content = ("n;m\n" + lines).encode()
    assert len(content) < MAX_BYTES  # the row limit, not the size, refuses it
    with pytest.raises(TableFileError, match=rf"plus de {MAX_ROWS // 1000}\S{{0,4}}000 factures"):
        read_invoice_file(content)


def test_a_workbook_over_the_row_limit_is_refused():
    content = xlsx([["n", "m"], *[[n, 1] for n in range(MAX_ROWS + 20)]])
    with pytest.raises(TableFileError, match=rf"plus de {MAX_ROWS // 1000}\S{{0,4}}000 factures"):
        read_invoice_file(content)


def test_a_file_of_blank_lines_is_refused_past_the_line_limit():
    with pytest.raises(TableFileError, match="lignes"):
        read_invoice_file(b"a;b\n" + b";\n" * 60_000)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_give_rows_or_a_validation_error(content):
    table, messages = read_or_messages(content)
    assert messages or all(any(row.cells) for row in table.rows)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), max_size=8),
        max_size=12,
    ),
    st.sampled_from([";", ",", "\t"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_random_csv_text_gives_rows_or_a_validation_error(rows, delimiter, newline, encoding):
    text = newline.join(delimiter.join(cells) for cells in rows)
    table, messages = read_or_messages(text.encode(encoding))
    assert messages or all(any(row.cells) for row in table.rows)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(min_size=1, max_size=400), st.integers(min_value=0))
def test_damaged_workbooks_give_a_validation_error(noise, position):
    content = bytearray(xlsx([["Numéro", "Montant"], ["F-1", 10]]))
    start = position % len(content)
    content[start : start + len(noise)] = noise
    table, messages = read_or_messages(bytes(content))
    assert messages or table.rows


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_excel_s_sep_hint_gives_the_delimiter_and_is_not_a_row(newline):
    text = f"sep=,{newline}Numéro,Client{newline}F-1,Dupont; fils{newline}"
    table = read_invoice_file(text.encode())
    assert cells(table) == (("Numéro", "Client"), ("F-1", "Dupont; fils"))
    assert [row.line for row in table.rows] == [2, 3]
