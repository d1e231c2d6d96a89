"""Invoices: the form, the CSV import, the private scan."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews.models import Invoice, ReviewInvitation
from tests.conftest import PASSWORD
from tests.factories import recent_date

pytestmark = pytest.mark.django_db

HEADER = "number;date;amount;client_name;client_company;client_email;client_phone\n"
# Invoices of the last months, a day apart (inside the invitation window whenever run).
DAY = {n: recent_date(91 - n).isoformat() for n in range(1, 5)}
ISSUED_ON = recent_date(60).isoformat()


@pytest.fixture
def pro(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    return client


def upload(pro, cast, text: str):
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    return pro.post(url, {"file": SimpleUploadedFile("factures.csv", text.encode())})


def test_form_registers_and_invites(pro, cast, django_capture_on_commit_callbacks):
    url = reverse("reviews:invoices", args=[cast.company_a.pk])
    data = {
        "number": "F-1",
        "issued_on": ISSUED_ON,
        "amount": "1500",
        "client_name": "Luc Petit",
        "client_email": "Luc@Example.org",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert pro.post(url, data).status_code == 302
    invoice = Invoice.objects.get()
    assert invoice.client_email == "luc@example.org"
    assert ReviewInvitation.objects.filter(invoice=invoice).exists()
    # The same number again is refused.
    response = pro.post(url, data)
    assert "déjà enregistré" in response.content.decode()
    assert Invoice.objects.count() == 1


def test_an_objective_rule_limits_invitations(pro, cast, django_capture_on_commit_callbacks):
    pro.post(
        reverse("reviews:invoice-settings", args=[cast.company_a.pk]),
        {"policy": "min_amount", "min_amount": "1000"},
    )
    url = reverse("reviews:invoices", args=[cast.company_a.pk])
    base = {"issued_on": ISSUED_ON, "client_name": "Luc Petit", "client_email": "l@example.org"}
    pro.post(url, {**base, "number": "small", "amount": "200"})
    pro.post(url, {**base, "number": "big", "amount": "2000"})
    assert list(ReviewInvitation.objects.values_list("invoice__number", flat=True)) == ["big"]


def test_csv_preview_then_import(pro, cast, django_capture_on_commit_callbacks):
    text = HEADER + (
        f"F-10;{DAY[1]};1200,50;Luc Petit;;luc@example.org;\n"
        f"F-11;{DAY[2]};3400;Paul Roux;SARL Dupont;paul@dupont.fr;0612345678\n"
    )
    preview = upload(pro, cast, text)
    assert "2 factures prêtes" in preview.content.decode()
    assert not Invoice.objects.exists()  # nothing before confirmation
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = pro.post(url, {"step": "confirm"})
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["F-10", "F-11"]
    assert Invoice.objects.get(number="F-10").amount == pytest.approx(1200.50)
    # The import ran in a worker; its page and progress report it.
    job_url = response["Location"]
    progress = pro.get(job_url, {"format": "json"}).json()
    assert progress == {"status": "done", "done": 2, "total": 2, "label": "Terminé"}
    assert "Factures importées : 2" in pro.get(job_url).content.decode()
    from reviews.models import InvoiceImport

    assert InvoiceImport.objects.get().content == ""  # client data not kept


def test_progress_is_reported_while_importing(cast):
    from reviews.services import invoices

    rows = "".join(f"N-{n};{DAY[1]};100;Client {n};;c{n}@example.org;\n" for n in range(120))
    seen = []
    invoices.invoices_import_file(
        company=cast.company_a,
        content=(HEADER + rows).encode(),
        actor=None,
        commit=True,
        progress=seen.append,
    )
    assert seen == [50, 100]


def test_csv_errors_have_line_numbers_and_nothing_is_imported(pro, cast):
    text = HEADER + (
        f"F-20;{DAY[1]};100;Luc Petit;;luc@example.org;\n"
        "F-21;31/09/2026;100;Luc Petit;;luc@example.org;\n"
        f"F-22;{DAY[1]};beaucoup;;;pas-un-email;\n"
    )
    response = upload(pro, cast, text).content.decode()
    assert "ligne 3" in response
    assert "ligne 4" in response
    assert "Rien n'a été importé" in response
    assert not Invoice.objects.exists()


def test_csv_duplicates_are_skipped_and_reported(pro, cast):
    Invoice.objects.create(
        company=cast.company_a,
        number="F-30",
        issued_on=DAY[1],
        amount=1,
        client_name="X",
        client_email="x@example.org",
    )
    text = HEADER + (
        f"F-30;{DAY[1]};100;Luc Petit;;luc@example.org;\n"
        f"F-31;{DAY[1]};100;Luc Petit;;luc@example.org;\n"
        f"F-31;{DAY[1]};100;Luc Petit;;luc@example.org;\n"
    )
    response = html.unescape(upload(pro, cast, text).content.decode())
    # Twice in the file: an error on its second line, nothing imported.
    assert "ligne 4 : numéro de facture F-31 déjà utilisé à la ligne 3 du fichier" in response
    assert 'value="confirm"' not in response
    # Without the repeated line: the registered invoice is skipped, by line.
    response = upload(pro, cast, text.rsplit("F-31", 1)[0]).content.decode()
    assert "1 facture prête" in response
    assert "1 déjà enregistrée, ignorée : ligne 2" in response


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("factures.csv", b"\xff\xfe not utf-16", "encodage du fichier n&#x27;est pas reconnu"),
        ("factures.csv", b"a;b;c\n1;2;3\n", "Colonnes non reconnues"),
    ],
)
def test_bad_files_are_refused(pro, cast, name, content, message):
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    response = pro.post(url, {"file": SimpleUploadedFile(name, content)})
    assert message in response.content.decode()
    assert not Invoice.objects.exists()


def test_the_file_s_name_does_not_decide_its_kind(pro, cast):
    """Excel's "Unicode text" is a .txt: its content is read, whatever the name."""
    response = upload(pro, cast, HEADER + f"F-1;{DAY[1]};100;Luc Petit;;luc@example.org;\n")
    assert "1 facture prête" in response.content.decode()
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    text = HEADER + f"F-2;{DAY[1]};100;Luc Petit;;luc@example.org;\n"
    response = pro.post(url, {"file": SimpleUploadedFile("factures.txt", text.encode())})
    assert "1 facture prête" in response.content.decode()


def test_scan_is_private(client, cast):
    invoice = Invoice.objects.create(
        company=cast.company_a,
        number="F-40",
        issued_on=DAY[1],
        amount=1,
        client_name="X",
        client_email="x@example.org",
    )
    invoice.scan.save("f.pdf", SimpleUploadedFile("f.pdf", b"%PDF-1.4 scan"), save=True)
    url = reverse("reviews:invoice-scan", args=[cast.company_a.pk, invoice.pk])
    assert client.get(url).status_code == 404  # anonymous
    client.login(username=cast.owner_b.username, password=PASSWORD)
    assert client.get(url).status_code == 404  # another company's pro
    client.login(username=cast.member_a.username, password=PASSWORD)
    assert client.get(url).status_code == 200
    assert "/media/" not in invoice.scan.path


def test_invoice_pages_belong_to_members(client, cast):
    client.login(username=cast.owner_b.username, password=PASSWORD)
    assert client.get(reverse("reviews:invoices", args=[cast.company_a.pk])).status_code == 404
    assert (
        client.get(reverse("reviews:invoice-import", args=[cast.company_a.pk])).status_code == 404
    )


def test_demo_reviews_are_reproducible(taxonomy, places):
    from django.core.management import call_command

    from directory.models import Company
    from reviews.models import Review

    call_command("seed_demo", companies=40, no_accounts=True, verbosity=0)
    call_command("seed_demo_reviews", companies=20, verbosity=0)
    total = Review.objects.count()
    assert total > 0
    assert Review.objects.filter(status="pending").exists() or total < 8
    call_command("seed_demo_reviews", companies=20, verbosity=0)
    assert Review.objects.count() == total
    rated = Company.objects.filter(review_count__gt=0).first()
    assert rated.rating_average is not None


@pytest.mark.parametrize(
    "typed",
    ["06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678", "06-12-34-56-78"],
)
def test_the_client_phone_is_stored_in_e164_and_shown_the_french_way(
    pro, cast, typed, django_capture_on_commit_callbacks
):
    url = reverse("reviews:invoices", args=[cast.company_a.pk])
    data = {
        "number": "F-1",
        "issued_on": ISSUED_ON,
        "amount": "1250",
        "client_name": "Luc Petit",
        "client_email": "luc@example.org",
        "client_phone": typed,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert pro.post(url, data).status_code == 302
    assert Invoice.objects.get().client_phone == "+33612345678"
    page = pro.get(url).content.decode()
    assert "1\u202f250,00\u00a0€" in page


@pytest.mark.parametrize("typed", ["06 12", "téléphone", "06 12 34 56 78 90 12", "+33 1"])
def test_a_client_phone_that_is_no_number_is_refused_and_nothing_is_saved(pro, cast, typed):
    url = reverse("reviews:invoices", args=[cast.company_a.pk])
    data = {
        "number": "F-1",
        "issued_on": ISSUED_ON,
        "amount": "1250",
        "client_name": "Luc Petit",
        "client_email": "luc@example.org",
        "client_phone": typed,
    }
    response = pro.post(url, data)
    assert response.status_code == 200
    assert "numéro de téléphone valide" in response.content.decode()
    assert not Invoice.objects.exists()


def test_imported_phones_are_stored_in_e164_and_a_bad_one_is_a_line_error(
    pro, cast, django_capture_on_commit_callbacks
):
    rows = (
        f"F-10;{DAY[1]};100;Luc Petit;;luc@example.org;06 12 34 56 78\n"
        f"F-11;{DAY[2]};100;Paul Roux;;paul@example.org;+32 2 234 56 78\n"
        f"F-12;{DAY[3]};100;Léa Noir;;lea@example.org;\n"
    )
    page = upload(pro, cast, HEADER + rows + f"F-13;{DAY[4]};100;Max B;;m@example.org;le soir\n")
    page = page.content.decode()
    assert "ligne 5" in page
    assert "(le soir)" in page
    assert not Invoice.objects.exists()

    assert "3 factures prêtes" in upload(pro, cast, HEADER + rows).content.decode()
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        pro.post(url, {"step": "confirm"})
    assert dict(Invoice.objects.values_list("number", "client_phone")) == {
        "F-10": "+33612345678",
        "F-11": "+3222345678",
        "F-12": "",
    }


@pytest.mark.parametrize(
    ("written", "amount"),
    [("1 234,56", "1234.56"), ("45 €", "45.00"), ("1.234,56", "1234.56"), ("99,9", "99.90")],
)
def test_the_form_reads_amounts_as_the_file_import_does(pro, cast, written, amount):
    url = reverse("reviews:invoices", args=[cast.company_a.pk])
    data = {"number": "F-7", "issued_on": ISSUED_ON, "amount": written, "client_name": "Luc Petit"}
    pro.post(url, {**data, "client_email": "luc@example.org"})
    assert Invoice.objects.get().amount == Decimal(amount)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("-5", "Le montant doit être positif (-5)."),
        ("beaucoup", "Le montant n&#x27;est pas un nombre valide (beaucoup)."),
        ("100000000", "Le montant est trop élevé (100000000)."),
    ],
)
def test_the_form_refuses_a_wrong_amount_with_its_reason(pro, cast, written, message):
    url = reverse("reviews:invoices", args=[cast.company_a.pk])
    data = {"number": "F-7", "issued_on": ISSUED_ON, "amount": written, "client_name": "Luc Petit"}
    response = pro.post(url, {**data, "client_email": "luc@example.org"}, follow=True)
    assert message in response.content.decode()
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("issued_on", ["0001-01-01", "1900-01-01", "2010-12-31"])
def test_an_invoice_more_than_ten_years_back_is_refused(pro, cast, issued_on):
    from django.core.exceptions import ValidationError

    from reviews.services import invoices

    with pytest.raises(ValidationError) as refused:
        invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "OLD-1",
                "issued_on": issued_on,
                "client_name": "Luc Petit",
                "client_email": "luc@example.org",
            },
            actor=None,
        )
    assert "issued_on" in refused.value.message_dict
    assert not Invoice.objects.exists()
