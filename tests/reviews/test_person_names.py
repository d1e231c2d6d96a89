"""A person's name has letters and no markup, whatever the path: the
invoice form, the invoice file, the review form (common.validators.
validate_person_name)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reviews.models import Invoice, Review
from tests.conftest import PASSWORD
from tests.reviews.conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db

NOT_NAMES = ["🙂🙂🙂", "---", "12345", "<b>Luc</b>", "Luc <script>", " . "]


@pytest.fixture
def pro(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("name", NOT_NAMES)
def test_the_invoice_form_refuses_a_client_name_that_is_no_name(pro, cast, name):
    response = pro.post(
        reverse("reviews:invoices", args=[cast.company_a.pk]),
        {
            "number": "F-1",
            "issued_on": timezone.localdate().isoformat(),
            "client_name": name,
            "client_email": "luc@example.org",
        },
    )
    assert response.status_code == 200
    assert "Écrivez le nom" in response.content.decode()
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("name", NOT_NAMES)
def test_an_invoice_file_with_such_a_name_is_refused_with_its_line(pro, cast, name):
    today = timezone.localdate().isoformat()
    text = (
        "number;date;amount;client_name;client_company;client_email;client_phone\n"
        f"F-1;{today};100;Luc Petit;;luc@example.org;\n"
        f"F-2;{today};100;{name};;rose@example.org;\n"
    )
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    response = pro.post(url, {"file": SimpleUploadedFile("factures.csv", text.encode())})
    html = response.content.decode()
    assert "ligne 3" in html
    assert "Rien n'a été importé" in html
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("name", ["Zoë Læticia", "Łukasz Wąs", "李小龍", "N'Diaye", "Jean-Éric"])
def test_names_in_any_alphabet_are_registered(pro, cast, name):
    response = pro.post(
        reverse("reviews:invoices", args=[cast.company_a.pk]),
        {
            "number": "F-1",
            "issued_on": timezone.localdate().isoformat(),
            "client_name": name,
            "client_email": "luc@example.org",
        },
    )
    assert response.status_code == 302
    assert Invoice.objects.get().client_name == name


@pytest.mark.parametrize("name", NOT_NAMES)
def test_the_review_form_refuses_an_author_name_that_is_no_name(client, invited, name):
    response = client.post(review_path(), {**REVIEW, "author_name": name})
    assert response.status_code == 200
    assert "Écrivez le nom" in response.content.decode()
    assert not Review.objects.exists()
