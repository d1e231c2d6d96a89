"""Importing completed sessions from a CSV or Excel file (issue 13, § 1:
"a CSV/XLSX import reusing the invoice import's reader (encodings, French
dates, column mapping, progress bar)"): preview, all or nothing, duplicates
by reference reported and never imported twice, line-numbered errors, the
file's client data gone once imported. The worker's job itself:
test_session_import_job.py."""

from __future__ import annotations

import html
import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from loyalty.identity import client_key
from loyalty.models import ServiceSession, SessionImport, SessionSource, SessionStatus
from loyalty.services.imports import MAX_ROWS
from tests.reviews.invoice_files_helpers import xlsx

pytestmark = pytest.mark.django_db

HEADER = "Référence;Date;Client;E-mail;Montant;Statut\n"
ROWS = (
    "G-1;03/04/2026;Jean Dupont;Jean.Dupont@Gmail.com;45,50 €;réalisée\n"
    "G-2;3 avril 2026;Jean Dupont;jeandupont@gmail.com;;\n"
    "G-3;04/04/2026;Marie Curie;;;annulée\n"
    "G-4;2026-04-05;;marie@example.org;30;absent\n"
)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-04-10 12:00 +0200", tick=False):
        yield


def url(company) -> str:
    return reverse("loyalty:session-import", args=[company.pk])


def text(response) -> str:
    return html.unescape(response.content.decode())


def upload(client, company, content: bytes, name: str = "prestations.csv"):
    return client.post(url(company), {"file": SimpleUploadedFile(name, content)})


def confirm(client, company):
    """Confirm the preview; the worker (in-process here) runs the job once
    its row is committed; the page the pro lands on."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url(company), {"step": "confirm"})
    while response.status_code == 302:
        response = client.get(response["Location"])
    return response


@pytest.fixture
def pro(client, cast):
    client.force_login(cast.owner_a)
    return client


def test_a_file_is_previewed_then_imported_at_once(pro, cast):
    preview = upload(pro, cast.company_a, (HEADER + ROWS).encode())
    page = text(preview)
    assert "4 prestations prêtes à importer." in page
    assert "Jean.Dupont@Gmail.com" in page  # the pro sees its own file
    assert not ServiceSession.objects.exists()  # nothing before the confirmation
    done = confirm(pro, cast.company_a)
    assert "4 prestations importées." in text(done)
    sessions = {s.reference: s for s in ServiceSession.objects.all()}
    assert set(sessions) == {"G-1", "G-2", "G-3", "G-4"}
    assert all(s.source == SessionSource.CSV for s in sessions.values())
    assert all(s.created_by == cast.owner_a for s in sessions.values())
    assert sessions["G-1"].performed_on == date(2026, 4, 3)
    assert sessions["G-2"].performed_on == date(2026, 4, 3)
    assert sessions["G-1"].amount == Decimal("45.50")
    assert sessions["G-2"].amount is None
    assert sessions["G-3"].status == SessionStatus.CANCELLED
    assert sessions["G-4"].status == SessionStatus.NO_SHOW
    # Two spellings of one address: one client.
    assert sessions["G-1"].client_key == sessions["G-2"].client_key
    assert sessions["G-4"].client_key == client_key(
        company_id=cast.company_a.pk, email="marie@example.org"
    )


def test_the_file_s_client_data_is_not_kept_after_the_import(pro, cast):
    upload(pro, cast.company_a, (HEADER + ROWS).encode())
    # The preview's rows wait in a draft, never in the pro's session.
    assert "Jean Dupont" not in json.dumps(dict(pro.session.items()))
    assert "Jean Dupont" in SessionImport.objects.get(status="draft").content
    confirm(pro, cast.company_a)
    assert "Jean Dupont" not in json.dumps(dict(pro.session.items()))
    rows = [*ServiceSession.objects.values(), *SessionImport.objects.values()]
    stored = " ".join(str(value) for row in rows for value in row.values()).lower()
    for personal in ("jean", "dupont", "gmail", "marie", "curie", "example.org"):
        assert personal not in stored


def test_an_excel_workbook_is_read(pro, cast):
    content = xlsx(
        [
            ["Date de la séance", "Nom du client", "Prix"],
            [date(2026, 4, 1), "Luc Petit", 60],
            ["2 avril 2026", "Luc Petit", "60,00"],
        ]
    )
    upload(pro, cast.company_a, content, "seances.xlsx")
    confirm(pro, cast.company_a)
    assert sorted(ServiceSession.objects.values_list("performed_on", "amount")) == [
        (date(2026, 4, 1), Decimal("60.00")),
        (date(2026, 4, 2), Decimal("60.00")),
    ]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig", "mac_roman"])
def test_the_encodings_of_french_tools_are_read(pro, cast, encoding):
    content = (HEADER + "É-1;03/04/2026;Hélène Dupré;;;réalisée\n").encode(encoding)
    page = text(upload(pro, cast.company_a, content))
    assert "Hélène Dupré" in page
    confirm(pro, cast.company_a)
    assert ServiceSession.objects.get().reference == "É-1"


def test_a_re_import_reports_duplicates_and_records_nothing_twice(pro, cast):
    upload(pro, cast.company_a, (HEADER + ROWS).encode())
    confirm(pro, cast.company_a)
    again = (HEADER + ROWS + "G-5;06/04/2026;Paul Martin;;;\n").encode()
    page = text(upload(pro, cast.company_a, again))
    assert "1 prestation prête à importer." in page
    assert "4 déjà importées, ignorées" in page
    done = text(confirm(pro, cast.company_a))
    assert "1 prestation importée. 4 déjà importées, ignorées." in done
    assert ServiceSession.objects.count() == 5


def test_without_a_reference_column_the_same_file_imports_once(pro, cast):
    content = b"Date;Nom\n03/04/2026;Luc Petit\n04/04/2026;Luc Petit\n"
    upload(pro, cast.company_a, content)
    confirm(pro, cast.company_a)
    assert ServiceSession.objects.count() == 2
    page = text(upload(pro, cast.company_a, content))
    assert "Rien de nouveau à importer." in page
    assert "2 déjà importées, ignorées" in page
    assert ServiceSession.objects.count() == 2


def test_errors_are_listed_by_line_and_nothing_is_imported(pro, cast):
    content = (
        HEADER
        + "OK-1;03/04/2026;Luc Petit;;;\n"
        + "BAD-1;03/05/2026;Luc Petit;;;\n"  # future
        + "BAD-2;31/02/2026;Luc Petit;;;\n"  # impossible
        + "BAD-3;03/04/2026;;;;\n"  # no client
        + "BAD-4;03/04/2026;Luc Petit;;-20;\n"  # negative
        + "BAD-5;03/04/2026;Luc Petit;;;peut-être\n"  # unknown status
        + "BAD-6;03/04/2026;Luc;pas-une-adresse;;\n"  # bad e-mail
        + "BAD-7;01/01/1900;Luc Petit;;;\n"  # typing slip: a century back
        + "BAD-8;31/12/2010;Luc Petit;;;\n"  # more than 10 years back
    )
    page = text(upload(pro, cast.company_a, content.encode()))
    assert "Rien n'a été importé" in page
    assert "ligne 3 : la date est dans le futur (03/05/2026)" in page
    assert "ligne 4 : cette date n'existe pas (31/02/2026)" in page
    assert "ligne 5 : aucun client" in page
    assert "ligne 6 : le montant doit être positif (-20)" in page
    assert "ligne 7 : statut inconnu (peut-être)" in page
    assert "ligne 8 : l'e-mail du client n'est pas valide (pas-une-adresse)" in page
    assert "ligne 9 : la date est trop ancienne (01/01/1900)" in page
    assert "ligne 10 : la date est trop ancienne (31/12/2010)" in page
    assert 'name="step" value="confirm"' not in page
    # Even a forced confirmation imports nothing.
    confirm(pro, cast.company_a)
    assert not ServiceSession.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Le fichier est vide."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "ni un CSV ni un fichier Excel"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 50, "ancien fichier Excel (.xls)"),
        (b"PK\x03\x04 pas un classeur", "endommagé"),
    ],
)
def test_a_bad_file_is_refused_with_a_message(pro, cast, content, message):
    response = upload(pro, cast.company_a, content or b" ")
    assert message in text(response)
    assert not ServiceSession.objects.exists()


def test_a_file_over_the_row_cap_is_refused_with_a_clear_error(pro, cast):
    rows = "".join(f"R-{n};01/04/2026;Client {n}\n" for n in range(MAX_ROWS + 1))
    page = text(upload(pro, cast.company_a, ("Référence;Date;Nom\n" + rows).encode()))
    assert "plus de 20\xa0000 prestations : découpez-le" in page
    assert not ServiceSession.objects.exists()


def test_unrecognised_columns_are_chosen_by_the_pro(pro, cast):
    content = b"Quand;Qui;Combien\n03/04/2026;Luc Petit;40\n"
    page = text(upload(pro, cast.company_a, content))
    assert "Quelle colonne contient quoi ?" in page
    page = text(
        pro.post(
            url(cast.company_a),
            {"step": "columns", "date": "0", "client_name": "1", "amount": "2"},
        )
    )
    assert "1 prestation prête à importer." in page
    confirm(pro, cast.company_a)
    session = ServiceSession.objects.get()
    assert (session.performed_on, session.amount) == (date(2026, 4, 3), Decimal("40.00"))


def test_the_same_column_cannot_be_chosen_twice(pro, cast):
    upload(pro, cast.company_a, b"Quand;Qui\n03/04/2026;Luc\n")
    page = text(pro.post(url(cast.company_a), {"step": "columns", "date": "0", "client_name": "0"}))
    assert "Chaque colonne ne peut être choisie que pour une seule information." in page


def test_a_confirmation_without_a_preview_asks_for_the_file_again(pro, cast):
    response = confirm(pro, cast.company_a)
    assert "L'aperçu a expiré" in text(response)
    assert not ServiceSession.objects.exists()


def test_another_company_s_member_cannot_import(client, cast):
    client.force_login(cast.owner_b)
    response = upload(client, cast.company_a, (HEADER + ROWS).encode())
    assert response.status_code == 404
    assert not ServiceSession.objects.exists()


def test_the_preview_of_one_company_is_not_imported_into_another(client, cast):
    from tests.factories import MembershipFactory

    MembershipFactory(company=cast.company_b, user=cast.owner_a)
    client.force_login(cast.owner_a)
    upload(client, cast.company_a, (HEADER + ROWS).encode())
    response = confirm(client, cast.company_b)
    assert "L'aperçu a expiré" in text(response)
    assert not ServiceSession.objects.exists()


def test_the_template_is_a_french_csv_the_import_reads(pro, cast):
    response = pro.get(reverse("loyalty:session-template", args=[cast.company_a.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="modele-prestations.csv"'
    page = text(upload(pro, cast.company_a, response.content))
    assert "1 prestation prête à importer." in page
