"""Importing invoice files as French tools export them, through the pro
space: preview, then the import in the worker."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.tabular.files import Row
from reviews.models import Invoice, InvoiceImport
from tests.conftest import PASSWORD
from tests.reviews.invoice_files_helpers import xlsx

pytestmark = pytest.mark.django_db

FRENCH = "N° facture;Date;Montant TTC;Nom du client;Société;Courriel;Téléphone\n"


@pytest.fixture
def pro(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    return client


@pytest.fixture
def upload(pro, cast):
    def send(content: bytes | str, name: str = "factures.csv", company=None):
        if isinstance(content, str):
            content = content.encode()
        url = reverse("reviews:invoice-import", args=[(company or cast.company_a).pk])
        return pro.post(url, {"file": SimpleUploadedFile(name, content)})

    return send


@pytest.fixture
def confirm(pro, cast, django_capture_on_commit_callbacks):
    def send(company=None):
        url = reverse("reviews:invoice-import", args=[(company or cast.company_a).pk])
        with django_capture_on_commit_callbacks(execute=True):
            return pro.post(url, {"step": "confirm"})

    return send


def amounts() -> dict[str, Decimal]:
    return dict(Invoice.objects.values_list("number", "amount"))


@pytest.mark.parametrize(
    "amount",
    [
        "1 234,56",
        "1\u00a0234,56",
        "1\u202f234,56",
        "1 234,56 €",
        "1\u00a0234,56\u00a0€",
        "1.234,56",
        "1,234.56",
        "€1,234.56",
        "1234,56 EUR",
        '"1 234,56"',
    ],
)
def test_french_amounts_are_imported(upload, confirm, amount):
    text = FRENCH + f"F-1;14/03/2025;{amount};Luc Petit;;luc@example.org;\n"
    preview = upload(text).content.decode()
    assert "1 facture prête" in preview, preview
    assert "1\u202f234,56\u00a0€" in preview  # shown as it will be imported, the French way
    confirm()
    assert amounts() == {"F-1": Decimal("1234.56")}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("14/03/2025", date(2025, 3, 14)),
        ("14/03/25", date(2025, 3, 14)),
        ("2025-03-14", date(2025, 3, 14)),
        ("14.03.2025", date(2025, 3, 14)),
        ("4/3/2025", date(2025, 3, 4)),
    ],
)
def test_french_dates_are_imported(upload, confirm, cell, expected):
    upload(FRENCH + f"F-1;{cell};100;Luc Petit;;luc@example.org;\n")
    confirm()
    assert Invoice.objects.get().issued_on == expected


def test_a_row_of_bare_separators_is_skipped_not_an_error(upload, confirm):
    text = FRENCH + "F-1;14/03/2025;100;Luc Petit;;luc@example.org;\n;;;;;;\n;;;;;;\n"
    preview = upload(text).content.decode()
    assert "1 facture prête" in preview
    assert "2 lignes vides ignorées" in preview
    confirm()
    assert list(amounts()) == ["F-1"]


def test_mac_line_endings_import_instead_of_a_500(upload, confirm):
    text = (FRENCH + "F-1;14/03/2025;100;Luc Petit;;luc@example.org;\n").replace("\n", "\r")
    response = upload(text)
    assert response.status_code == 200
    assert "1 facture prête" in response.content.decode()
    confirm()
    assert list(amounts()) == ["F-1"]


def test_a_windows_1252_file_is_imported_with_its_accents(upload, confirm):
    text = FRENCH + "F-1;14/03/2025;1 234,56 €;Hélène Dupré;Café Élysée;h@example.org;\n"
    upload(text.encode("cp1252"))
    confirm()
    invoice = Invoice.objects.get()
    assert (invoice.client_name, invoice.client_company) == ("Hélène Dupré", "Café Élysée")
    assert invoice.amount == Decimal("1234.56")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "mac_roman"])
def test_other_encodings_are_imported(upload, confirm, encoding):
    text = FRENCH.replace(";", "\t") + "F-1\t14/03/2025\t99,90\tÉloïse Gaël\t\te@example.org\t\n"
    upload(text.encode(encoding), name="factures.txt")
    confirm()
    assert Invoice.objects.get().client_name == "Éloïse Gaël"


@pytest.mark.parametrize(
    "header",
    [
        "Numéro;Date de facture;Total TTC;Client;Entreprise;E-mail;Tél",
        "Numéro de facture;Date facture;Montant;Nom;Raison sociale;Adresse e-mail;Portable",
        "FACTURE;DATE;TOTAL;NOM DU CLIENT;SOCIETE;EMAIL;TELEPHONE",
        "Invoice number;Invoice date;Amount;Customer name;Company;Email;Phone",
        "number;date;amount;client_name;client_company;client_email;client_phone",
        "  N°  Facture ;  Date ; Montant TTC (€) ; Nom du client ;;Courriel;",
    ],
)
def test_french_and_english_headers_are_recognised(upload, confirm, header):
    upload(f"{header}\nF-1;14/03/2025;100;Luc Petit;SARL Petit;luc@example.org;0612345678\n")
    confirm()
    invoice = Invoice.objects.get()
    assert (invoice.number, invoice.client_email) == ("F-1", "luc@example.org")


def test_columns_in_any_order_with_extra_ones(upload, confirm):
    text = "Courriel;Statut;Nom du client;Montant TTC;Date;N° facture;Montant HT\n"
    text += "luc@example.org;payée;Luc Petit;1 200,00;14/03/2025;F-1;1 000,00\n"
    upload(text)
    confirm()
    assert amounts() == {"F-1": Decimal("1200.00")}


def test_a_title_row_above_the_header_is_ignored(upload, confirm):
    text = "Export des factures — mars 2025;;;\n;;;\n" + FRENCH
    text += "F-1;14/03/2025;100;Luc Petit;;luc@example.org;\n"
    upload(text)
    confirm()
    assert list(amounts()) == ["F-1"]


def test_an_xlsx_with_french_headers_is_imported(upload, confirm):
    content = xlsx(
        [
            ["N° facture", "Date de facture", "Montant TTC", "Nom du client", "E-mail"],
            ["F-1", date(2025, 3, 14), 1234.56, "Hélène Dupré", "h@example.org"],
            [None],
            [1002, "15/03/2025", "1 500,00 €", "Luc Petit", "l@example.org"],
        ]
    )
    preview = upload(content, name="factures.xlsx").content.decode()
    assert "2 factures prêtes" in preview
    assert "14/03/2025" in preview
    confirm()
    assert amounts() == {"F-1": Decimal("1234.56"), "1002": Decimal("1500.00")}


def test_errors_carry_the_line_numbers_of_the_original_file(upload):
    text = FRENCH + ";;;;;;\r\n" + "F-1;14/03/2025;100;Luc Petit;;luc@example.org;\r\n"
    text += "F-2;31/02/2025;-5;;;pas-un-email;\r\n"
    preview = upload(text).content.decode()
    assert "ligne 4 : cette date n&#x27;existe pas (31/02/2025)" in preview
    assert "ligne 4 : le montant doit être positif (-5)" in preview
    assert "ligne 4 : le nom du client manque" in preview
    assert "ligne 4 : l&#x27;e-mail du client n&#x27;est pas valide (pas-un-email)" in preview
    assert "Rien n'a été importé" in preview
    assert not Invoice.objects.exists()


def test_an_unquoted_decimal_comma_in_a_comma_separated_file_is_refused_not_misread(upload):
    text = "N° facture,Date,Nom du client,Courriel,Montant TTC\n"
    text += "F-1,14/03/2025,Luc Petit,luc@example.org,1 234,56 €\n"
    preview = upload(text).content.decode()
    assert "ligne 2 : plus de cellules que de noms de colonnes" in preview
    assert not Invoice.objects.exists()
    text = text.replace("1 234,56 €", '"1 234,56 €"')
    assert "1 facture prête" in upload(text).content.decode()


def test_a_preview_with_errors_cannot_be_confirmed(upload, confirm):
    upload(FRENCH + "F-1;14/03/2099;100;Luc Petit;;luc@example.org;\n")
    response = confirm()
    assert response.status_code == 200
    assert "la date est dans le futur" in response.content.decode()
    # Only the preview's draft: no job queued.
    assert list(InvoiceImport.objects.values_list("status", flat=True)) == ["draft"]
    assert not Invoice.objects.exists()


def test_a_formula_is_stored_as_plain_text_or_refused_where_a_number_is_due(upload, confirm):
    formula = '"=HYPERLINK(""http://evil.example"";""Luc"")"'
    preview = upload(FRENCH + f"F-1;14/03/2025;=1+1;{formula};;luc@example.org;\n")
    assert "ligne 2 : le montant n&#x27;est pas un nombre valide (=1+1)" in preview.content.decode()
    upload(FRENCH + f"F-1;14/03/2025;100;{formula};;luc@example.org;\n")
    confirm()
    assert Invoice.objects.get().client_name == '=HYPERLINK("http://evil.example";"Luc")'


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("factures.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "ni un CSV ni un fichier"),
        ("factures.csv", b"", "Le fichier soumis est vide"),
        ("factures.xlsx", b"PK\x03\x04\x14\x00\x00\x00", "endommagé"),
        (
            "factures.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
            "ancien fichier Excel",
        ),
        ("factures.csv", "Montant;Date\n100;14/03/2025\n", "Colonnes non reconnues"),
        ("factures.csv", FRENCH + ";;;;;;\n", "aucune facture sous la ligne d&#x27;en-têtes"),
        ("factures.csv", b"a;b\n" + b"1;2\n" * 600_000, "2 Mo"),
    ],
)
def test_bad_files_are_refused_with_a_message(upload, name, content, message):
    response = upload(content, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invoice.objects.exists()


def test_a_truncated_xlsx_is_refused(upload):
    content = xlsx([["N° facture", "Montant"], *[[f"F-{n}", n] for n in range(300)]])
    response = upload(content[: len(content) // 2], name="factures.xlsx")
    assert "endommagé" in response.content.decode()


def test_100000_rows_are_refused_clearly_and_nothing_is_imported(upload):
    rows = "".join(f"{n};14/03/2025;1;L;l@e.fr\n" for n in range(100_000))
    response = upload("N° facture;Date;Montant;Client;E-mail\n" + rows)
    assert response.status_code == 200
    content = response.content.decode()
    assert "2 Mo" in content or "plus de 5\xa0000 factures" in content
    assert not Invoice.objects.exists()


def test_the_row_limit_is_reported_under_the_size_limit(upload):
    rows = "".join(f"{n};1;1;L;l@e.fr\n" for n in range(5001))
    response = upload("N° facture;Date;Montant;Client;E-mail\n" + rows)
    assert "plus de 5\xa0000 factures" in response.content.decode()


def test_the_worker_imports_the_preview_all_at_once_and_reports_duplicates(
    pro, cast, upload, confirm
):
    Invoice.objects.create(
        company=cast.company_a,
        number="N-0",
        issued_on="2025-03-01",
        amount=1,
        client_name="X",
        client_email="x@example.org",
    )
    rows = "".join(
        f"N-{n};14/03/2025;{n + 1},50;Client {n};;c{n}@example.org;\n" for n in range(61)
    )
    assert "60 factures prêtes" in upload(FRENCH + rows).content.decode()
    response = confirm()
    job = InvoiceImport.objects.get()
    assert (job.status, job.created_count, job.skipped, job.content) == ("done", 60, [2], "")
    assert Invoice.objects.get(number="N-60").amount == Decimal("61.50")
    page = pro.get(response["Location"]).content.decode()
    assert "Factures importées : 60. Déjà enregistrées, ignorées : 1." in page


def test_a_file_of_duplicates_only_has_nothing_to_import(pro, cast, upload, confirm):
    Invoice.objects.create(
        company=cast.company_a,
        number="F-1",
        issued_on="2025-03-01",
        amount=1,
        client_name="X",
        client_email="x@example.org",
    )
    preview = upload(FRENCH + "F-1;14/03/2025;100;Luc Petit;;luc@example.org;\n").content.decode()
    assert "0 facture prête" in preview
    assert "1 déjà enregistrée, ignorée : ligne 2" in preview
    assert 'value="confirm"' not in preview
    assert confirm().status_code == 200
    assert not InvoiceImport.objects.exclude(status="draft").exists()  # the draft only


def test_a_preview_is_confirmed_only_for_its_own_company(client, cast, upload, confirm):
    """A member of two companies previews for A, then confirms on B's page:
    nothing is imported into B."""
    from directory.models import MembershipRole
    from tests.factories import MembershipFactory

    MembershipFactory(company=cast.company_b, user=cast.member_a, role=MembershipRole.MEMBER)
    upload(FRENCH + "F-1;14/03/2025;100;Luc Petit;;luc@example.org;\n")
    response = confirm(company=cast.company_b)
    assert response.status_code == 302
    assert not Invoice.objects.exists()
    confirm()
    assert Invoice.objects.get().company == cast.company_a


def test_another_company_s_pro_cannot_import(client, cast):
    client.login(username=cast.owner_b.username, password=PASSWORD)
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    content = (FRENCH + "F-1;14/03/2025;100;Luc Petit;;luc@example.org;\n").encode()
    assert client.post(url, {"file": SimpleUploadedFile("f.csv", content)}).status_code == 404
    assert client.post(url, {"step": "confirm"}).status_code == 404
    assert not Invoice.objects.exists()


CELL = st.text(alphabet="0123456789 ,.-/€=@+abcéÉ;\"'\t\u00a0\u202f", max_size=14)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.lists(CELL, min_size=0, max_size=9), max_size=8))
def test_random_rows_give_invoices_or_line_numbered_errors(cast, rows):
    from reviews import invoice_columns
    from reviews.services import invoices

    header = ("N° facture", "Date", "Montant TTC", "Nom du client", "Société", "E-mail", "Tél")
    sheet = invoices.InvoiceSheet(
        header=header,
        rows=tuple(Row(line=n + 2, cells=tuple(cells)) for n, cells in enumerate(rows)),
        blank=0,
    )
    report = invoices.invoices_check(
        company=cast.company_a, sheet=sheet, columns=invoice_columns.recognise(header)
    )
    assert all(error.startswith("ligne ") for error in report.errors) or not rows
    for data in report.rows:
        assert data["amount"] > 0
        assert data["issued_on"] <= date.today()  # noqa: DTZ011 (a date, no time zone)


@pytest.mark.parametrize("control", ["\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"])
def test_control_characters_in_cells_are_stripped_before_the_database(upload, confirm, control):
    """Issue 10: a control character in a cell passed the preview and was
    stored (a NUL was a 500 on PostgreSQL). Enough rows that the file
    still reads as text."""
    company = "Société de rénovation et de maintenance des bâtiments du Rhône"
    rows = "".join(
        f"F-{n};14/03/2025;100;Du{control}pont {n};{company};c{n}@example.org;06 12 34 56 78\n"
        for n in range(1, 60)
    ).replace("c1@example.org", f"c1@exa{control}mple.org")
    preview = upload(FRENCH + rows).content.decode()
    assert "59 factures prêtes" in preview
    confirm()
    names = list(Invoice.objects.values_list("client_name", "client_email"))
    assert len(names) == 59
    assert not [row for row in names if any(control in value for value in row)]
    assert ("Dupont 1", "c1@example.org") in names


def test_a_nul_in_a_csv_is_refused_clearly(upload, confirm):
    preview = upload(FRENCH + "F-1;14/03/2025;100;Du\x00pont;;a@example.org;\n")
    assert "ni un CSV" in html_text(preview)
    confirm()
    assert not Invoice.objects.exists()


def html_text(response) -> str:
    import html

    return html.unescape(response.content.decode())
