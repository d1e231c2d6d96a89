"""Which column is which: header aliases, and the column-mapping step the
pro goes through when the header is not recognised (remembered per company)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from common.tabular.files import Row
from common.text import normalize
from reviews import invoice_columns
from reviews.models import InvitationPolicy, Invoice, InvoiceColumnMapping, ReviewSettings
from reviews.selectors import invoice_columns_for
from tests.conftest import PASSWORD
from tests.reviews.invoice_files_helpers import xlsx

UNKNOWN = "Code;Jour;Prix;Qui;Où écrire;Divers\n"
ROWS = (
    "F-1;14/03/2025;1 234,56 €;Luc Petit;luc@example.org;x\n"
    "F-2;15/03/2025;90;Ana Roux;ana@example.org;y\n"
)
CHOICE = {"number": "0", "date": "1", "amount": "2", "client_name": "3", "client_email": "4"}


def test_every_alias_names_one_field_only():
    seen: dict[str, str] = {}
    for field, aliases in invoice_columns.ALIASES.items():
        for alias in aliases:
            assert seen.setdefault(normalize(alias), field) == field, alias


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            ("N° facture", "Date", "Montant TTC", "Client", "E-mail"),
            {"number": 0, "date": 1, "amount": 2, "client_name": 3, "client_email": 4},
        ),
        (
            ("Numéro", "Date de facture", "Total TTC", "Nom du client", "Courriel", "Téléphone"),
            {
                "number": 0,
                "date": 1,
                "amount": 2,
                "client_name": 3,
                "client_email": 4,
                "client_phone": 5,
            },
        ),
        (
            ("NUMERO DE FACTURE", "TEL", "SOCIETE"),
            {"number": 0, "client_phone": 1, "client_company": 2},
        ),
        (("Nº facture", "Montant HT", "Entreprise"), {"number": 0, "client_company": 2}),
        # Two columns for one field: neither is taken, the pro chooses.
        (("Montant", "Total TTC", "Numéro"), {"number": 2}),
        (("", "Statut", "Commentaire"), {}),
        # What invoicing tools also write (Réf., Émise le, N°, Tél.).
        (
            ("Réf.", "Émise le", "Montant", "Client", "Mail"),
            {"number": 0, "date": 1, "amount": 2, "client_name": 3, "client_email": 4},
        ),
        (
            (
                "N°",
                "Date de la facture",
                "Montant total TTC",
                "Destinataire",
                "Adresse électronique",
            ),
            {"number": 0, "date": 1, "amount": 2, "client_name": 3, "client_email": 4},
        ),
        (("Numéro de pièce", "Tél.", "TTC"), {"number": 0, "client_phone": 1, "amount": 2}),
    ],
)
def test_headers_are_recognised_by_their_normal_form(header, expected):
    assert invoice_columns.recognise(header) == expected


def test_the_header_is_found_below_title_rows():
    rows = (
        Row(1, ("Factures de mars",)),
        Row(2, ("Exporté le 01/04/2025", "par Compta+")),
        Row(4, ("N° facture", "Date", "Montant")),
        Row(5, ("F-1", "14/03/2025", "100")),
    )
    assert invoice_columns.header_index(rows) == 2
    assert invoice_columns.header_index((Row(1, ("a", "b")), Row(2, ("1", "2")))) == 0


def test_column_letters_are_the_spreadsheet_s():
    assert [invoice_columns.column_letter(n) for n in (0, 1, 25, 26, 27, 51, 52)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
    ]


def test_the_signature_ignores_case_accents_and_punctuation():
    assert invoice_columns.signature(("Réf", "Prix")) == invoice_columns.signature(("REF.", "prix"))
    assert invoice_columns.signature(("Réf", "Prix")) != invoice_columns.signature(("Prix", "Réf"))


@pytest.fixture
def pro(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    return client


@pytest.fixture
def amount_rule(cast):
    """Company A invites the clients of invoices above €500: its files
    must give the amount (the amount is optional otherwise)."""
    ReviewSettings.objects.create(
        company=cast.company_a, policy=InvitationPolicy.MIN_AMOUNT, min_amount=500
    )


def url(company) -> str:
    return reverse("reviews:invoice-import", args=[company.pk])


def send_file(client, company, content: bytes | str, name: str = "factures.csv"):
    if isinstance(content, str):
        content = content.encode()
    return client.post(url(company), {"file": SimpleUploadedFile(name, content)})


def choose(client, company, choice: dict[str, str]):
    return client.post(url(company), {"step": "columns", **choice})


def confirm(client, company, capture):
    with capture(execute=True):
        return client.post(url(company), {"step": "confirm"})


@pytest.mark.django_db
def test_unrecognised_headers_go_through_the_mapping_step_then_import(
    pro, cast, amount_rule, django_capture_on_commit_callbacks
):
    page = send_file(pro, cast.company_a, UNKNOWN + ROWS).content.decode()
    assert "Quelle colonne contient quoi ?" in page
    assert "Colonnes non reconnues : N° facture, Date de facture, Montant TTC" in page
    assert "C « Prix » — 1 234,56 €, 90" in page  # samples help recognise the column
    assert not Invoice.objects.exists()
    preview = choose(pro, cast.company_a, CHOICE).content.decode()
    assert "2 factures prêtes" in preview
    assert "C « Prix »" in preview  # the columns used, shown with the preview
    confirm(pro, cast.company_a, django_capture_on_commit_callbacks)
    assert dict(Invoice.objects.values_list("number", "amount")) == {
        "F-1": Decimal("1234.56"),
        "F-2": Decimal("90.00"),
    }
    assert InvoiceColumnMapping.objects.get(company=cast.company_a).columns == {
        key: int(value) for key, value in CHOICE.items()
    }


@pytest.mark.django_db
def test_the_choice_is_remembered_for_the_next_file_with_the_same_header(
    pro, cast, django_capture_on_commit_callbacks
):
    send_file(pro, cast.company_a, UNKNOWN + ROWS)
    choose(pro, cast.company_a, CHOICE)
    # Next month's export, written in capitals by the same tool, as .xlsx.
    content = xlsx(
        [
            ["CODE", "JOUR", "PRIX", "QUI", "OÙ ÉCRIRE", "DIVERS"],
            ["F-3", "01/04/2025", 300, "Léa Blanc", "lea@example.org", ""],
        ]
    )
    preview = send_file(pro, cast.company_a, content, "avril.xlsx").content.decode()
    assert "Quelle colonne contient quoi ?" not in preview
    assert "1 facture prête" in preview
    confirm(pro, cast.company_a, django_capture_on_commit_callbacks)
    assert Invoice.objects.get().client_name == "Léa Blanc"


@pytest.mark.django_db
def test_a_remembered_choice_overrides_recognised_names(pro, cast):
    """The pro said "Nom" is the company and "Contact" the person: kept."""
    header = "N° facture;Date;Montant;Nom;Contact;E-mail\n"
    row = "F-1;14/03/2025;100;SARL Petit;Luc Petit;luc@example.org\n"
    send_file(pro, cast.company_a, header + row)
    choose(
        pro,
        cast.company_a,
        {**CHOICE, "client_name": "4", "client_company": "3", "client_email": "5"},
    )
    preview = send_file(pro, cast.company_a, header + row).content.decode()
    assert "<td>Luc Petit</td>" in preview
    assert "<td>SARL Petit</td>" in preview


@pytest.mark.django_db
def test_one_company_never_sees_another_s_mapping(client, pro, cast):
    send_file(pro, cast.company_a, UNKNOWN + ROWS)
    choose(pro, cast.company_a, CHOICE)
    client.logout()
    client.login(username=cast.owner_b.username, password=PASSWORD)
    page = send_file(client, cast.company_b, UNKNOWN + ROWS).content.decode()
    assert "Quelle colonne contient quoi ?" in page  # B chooses for itself
    assert 'value="0" selected' not in page
    # Nor can B post a mapping or read the mapping step for A.
    assert choose(client, cast.company_a, CHOICE).status_code == 404
    assert client.get(url(cast.company_a), {"step": "review"}).status_code == 404
    assert InvoiceColumnMapping.objects.filter(company=cast.company_b).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({**CHOICE, "amount": ""}, "Ce champ est obligatoire"),
        ({**CHOICE, "amount": "0"}, "une seule information"),
        ({**CHOICE, "amount": "99"}, "Sélectionnez un choix valide"),
        ({**CHOICE, "amount": "-1"}, "Sélectionnez un choix valide"),
        ({**CHOICE, "amount": "x"}, "Sélectionnez un choix valide"),
    ],
)
def test_a_wrong_choice_is_refused_and_nothing_is_remembered(
    pro, cast, amount_rule, choice, message
):
    send_file(pro, cast.company_a, UNKNOWN + ROWS)
    page = choose(pro, cast.company_a, choice).content.decode()
    assert message in page
    assert "Quelle colonne contient quoi ?" in page
    assert not InvoiceColumnMapping.objects.exists()


@pytest.mark.django_db
def test_columns_can_be_reviewed_from_the_preview(pro, cast):
    header = "N° facture;Date;Montant TTC;Montant HT;Client;E-mail\n"
    send_file(pro, cast.company_a, header + "F-1;14/03/2025;120;100;Luc Petit;luc@example.org\n")
    page = pro.get(url(cast.company_a), {"step": "review"}).content.decode()
    assert '<option value="2" selected>' in page  # the recognised amount, proposed
    preview = choose(
        pro, cast.company_a, {**CHOICE, "amount": "3", "client_name": "4", "client_email": "5"}
    )
    assert "<td>100,00\u00a0€</td>" in preview.content.decode()


@pytest.mark.django_db
def test_ambiguous_headers_ask_the_pro(pro, cast, amount_rule):
    header = "N° facture;Date;Montant;Total TTC;Client;E-mail\n"
    page = send_file(pro, cast.company_a, header + "F-1;14/03/2025;100;120;Luc;l@example.org\n")
    assert "Colonnes non reconnues : Montant TTC" in page.content.decode()


@pytest.mark.django_db
def test_the_mapping_step_without_a_file_asks_for_one_again(pro, cast):
    response = choose(pro, cast.company_a, CHOICE)
    assert response.status_code == 302
    assert pro.get(response["Location"]).status_code == 200
    assert not InvoiceColumnMapping.objects.exists()


@pytest.mark.django_db
def test_a_remembered_mapping_that_no_longer_fits_is_ignored(cast):
    header = ("N° facture", "Date", "Montant", "Client", "E-mail")
    InvoiceColumnMapping.objects.create(
        company=cast.company_a,
        signature=invoice_columns.signature(header),
        columns={"number": 9, "amount": 2},
    )
    columns = invoice_columns_for(company=cast.company_a, header=header, width=5)
    assert columns == invoice_columns.recognise(header)
