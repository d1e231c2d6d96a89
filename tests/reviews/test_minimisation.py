"""Minimisation (issue 12): the amount is asked only when the company's
invitation rule needs it; the client's data (name, e-mail, phone, scan)
is seen by the company and the staff who decide audits, nobody else."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from common.admin import mask_email, mask_phone
from reviews.models import (
    Audit,
    InvitationPolicy,
    Invoice,
    Review,
    ReviewInvitation,
    ReviewSettings,
)
from reviews.services import audits, invoices
from tests.conftest import PASSWORD
from tests.factories import UserFactory, fr_date, recent_date
from tests.pdfs import minimal_pdf

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db

EMAIL = "sophie.martin@example.org"
PHONE = "+33699056090"
SHOWN_PHONE = "06 99 05 60 90"
BASE = {
    "number": "F-1",
    "issued_on": recent_date(60).isoformat(),
    "client_name": "Mme Sophie Durand-Martin",
    "client_email": EMAIL,
    "client_phone": "06 99 05 60 90",
}


@pytest.fixture
def pro(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    return client


@pytest.fixture
def amount_rule(cast):
    return ReviewSettings.objects.create(
        company=cast.company_a, policy=InvitationPolicy.MIN_AMOUNT, min_amount=1000
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def invoices_url(cast) -> str:
    return reverse("reviews:invoices", args=[cast.company_a.pk])


# --- The amount: optional unless the rule needs it --------------------------------------


@pytest.mark.parametrize("amount", ["", None])
def test_the_amount_is_optional_when_every_client_is_invited(
    pro, cast, amount, django_capture_on_commit_callbacks
):
    data = dict(BASE) if amount is None else {**BASE, "amount": amount}
    with django_capture_on_commit_callbacks(execute=True):
        assert pro.post(invoices_url(cast), data).status_code == 302
    invoice = Invoice.objects.get()
    assert invoice.amount is None
    assert invoice.client_phone == PHONE  # stored in E.164
    assert ReviewInvitation.objects.filter(invoice=invoice).exists()
    page = text(pro.get(invoices_url(cast)))
    assert "Facultatif" in page
    assert "None" not in page


def test_the_amount_is_required_when_the_rule_compares_amounts(pro, cast, amount_rule):
    response = pro.post(invoices_url(cast), BASE)
    assert response.status_code == 200
    assert "Indiquez le montant : votre règle d'invitation" in text(response)
    assert not Invoice.objects.exists()
    # With the amount: registered, and invited above the threshold only.
    pro.post(invoices_url(cast), {**BASE, "amount": "1500"})
    pro.post(invoices_url(cast), {**BASE, "number": "F-2", "amount": "200"})
    assert dict(Invoice.objects.values_list("number", "amount")) == {"F-1": 1500, "F-2": 200}
    assert list(ReviewInvitation.objects.values_list("invoice__number", flat=True)) == ["F-1"]


def test_a_rule_without_a_threshold_does_not_need_the_amount(pro, cast):
    ReviewSettings.objects.create(company=cast.company_a, policy=InvitationPolicy.MIN_AMOUNT)
    assert pro.post(invoices_url(cast), BASE).status_code == 302
    assert Invoice.objects.get().amount is None


def test_the_service_refuses_an_invoice_without_the_amount_the_rule_needs(cast, amount_rule):
    fields = {**BASE, "client_phone": PHONE}
    with pytest.raises(ValidationError) as error:
        invoices.invoice_create(company=cast.company_a, fields=fields, actor=cast.owner_a)
    assert "amount" in error.value.message_dict
    assert not Invoice.objects.exists()


def upload(pro, cast, content: str):
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    return pro.post(url, {"file": SimpleUploadedFile("factures.csv", content.encode())})


def confirm(pro, cast, capture):
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    with capture(execute=True):
        return pro.post(url, {"step": "confirm"})


# Two invoices of the last months, a day apart, dated as French files write them.
DAY_1, DAY_2 = fr_date(recent_date(261)), fr_date(recent_date(260))
NO_AMOUNT_COLUMN = (
    "N° facture;Date;Client;E-mail;Téléphone\n"
    f"F-1;{DAY_1};Luc Petit;luc@example.org;06 99 05 60 90\n"
    f"F-2;{DAY_2};Ana Roux;ana@example.org;\n"
)
BLANK_AMOUNT = (
    "N° facture;Date;Montant TTC;Client;E-mail\n"
    f"F-1;{DAY_1};1 500,00 €;Luc Petit;luc@example.org\n"
    f"F-2;{DAY_2};;Ana Roux;ana@example.org\n"
)


def test_a_file_without_amounts_imports_when_every_client_is_invited(
    pro, cast, django_capture_on_commit_callbacks
):
    preview = text(upload(pro, cast, NO_AMOUNT_COLUMN))
    assert "Quelle colonne contient quoi ?" not in preview
    assert "2 factures prêtes" in preview
    assert SHOWN_PHONE in preview  # the company's own preview
    confirm(pro, cast, django_capture_on_commit_callbacks)
    assert dict(Invoice.objects.values_list("number", "amount")) == {"F-1": None, "F-2": None}
    assert ReviewInvitation.objects.count() == 2


def test_a_blank_amount_imports_when_every_client_is_invited(
    pro, cast, django_capture_on_commit_callbacks
):
    assert "2 factures prêtes" in text(upload(pro, cast, BLANK_AMOUNT))
    confirm(pro, cast, django_capture_on_commit_callbacks)
    assert dict(Invoice.objects.values_list("number", "amount")) == {"F-1": 1500, "F-2": None}


def test_a_blank_amount_is_refused_when_the_rule_compares_amounts(
    pro, cast, amount_rule, django_capture_on_commit_callbacks
):
    page = text(upload(pro, cast, BLANK_AMOUNT))
    assert "ligne 3 : le montant manque : votre règle d'invitation" in page
    assert "ligne 2" not in page
    confirm(pro, cast, django_capture_on_commit_callbacks)
    assert not Invoice.objects.exists()


def test_a_file_without_an_amount_column_asks_for_it_when_the_rule_needs_it(pro, cast, amount_rule):
    page = text(upload(pro, cast, NO_AMOUNT_COLUMN))
    assert "Quelle colonne contient quoi ?" in page
    assert "Colonnes non reconnues : Montant TTC" in page
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    choice = {"number": "0", "date": "1", "client_name": "2", "client_email": "3"}
    page = text(pro.post(url, {"step": "columns", **choice}))
    assert "Ce champ est obligatoire" in page
    assert not Invoice.objects.exists()


# --- Client data: the company and the staff who need it ---------------------------------


@pytest.fixture
def audited(client, cast, settings, django_capture_on_commit_callbacks):
    """A published review of company A, its invoice audited and a scan
    sent; the invoice carries a phone and a scan of its own."""
    settings.REVIEW_AUDIT_RATE = 1.0
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoices.invoice_create(
            company=cast.company_a,
            fields={**BASE, "client_name": "Mme Sophie Martin", "client_phone": PHONE},
            actor=cast.owner_a,
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_path(), REVIEW)
    invoice.scan.save("f.pdf", SimpleUploadedFile("f.pdf", minimal_pdf()), save=True)
    audits.audits_open(seed=1)
    audit = Audit.objects.get()
    audits.audit_submit_scan(
        audit=audit,
        upload=SimpleUploadedFile("s.pdf", minimal_pdf(), "application/pdf"),
        actor=cast.member_a,
    )
    client.logout()
    return Review.objects.get()


def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


def pages(cast, review):
    """Every page that shows an invoice's client data or its scans, and the
    status that refuses it to a stranger (pro pages hide themselves: 404;
    staff pages refuse: 403)."""
    company = cast.company_a.pk
    scan = review.audit.scans.get()
    return [
        (reverse("reviews:invoices", args=[company]), 404),
        (reverse("reviews:invoice-import", args=[company]), 404),
        (reverse("reviews:invoice-scan", args=[company, review.invoice_id]), 404),
        (reverse("reviews:audit-scan", args=[company, scan.pk]), 404),
        (reverse("reviews:pro-audits", args=[company]), 404),
        (reverse("reviews:staff-audits"), 403),
        (reverse("reviews:moderation-detail", args=[review.pk]), 403),
        (reverse("admin:reviews_invoice_changelist"), 403),
        (reverse("admin:reviews_invoice_change", args=[review.invoice_id]), 403),
    ]


@pytest.mark.parametrize("who", ["owner_b", "consumer", "staff"])
def test_strangers_never_see_the_client_data(client, cast, audited, who):
    """Another company's pro, a consumer, and a staff member of another
    team (vetting): refused everywhere, the client named nowhere."""
    client.login(username=getattr(cast, who).username, password=PASSWORD)
    for url, status in pages(cast, audited):
        response = client.get(url)
        if url.startswith("/admin/") and who != "staff":
            assert response.status_code == 302, url  # not staff: the admin's log-in
        else:
            assert response.status_code == status, url
        body = text(response) if not hasattr(response, "streaming_content") else ""
        for secret in ("Sophie Martin", EMAIL, SHOWN_PHONE, PHONE):
            assert secret not in body, (url, secret)


def test_anonymous_visitors_are_sent_to_log_in(client, cast, audited):
    for url, _status in pages(cast, audited):
        assert client.get(url).status_code in (302, 404), url


def test_the_company_sees_its_client_data(client, cast, audited):
    client.login(username=cast.member_a.username, password=PASSWORD)
    assert "Mme Sophie Martin" in text(
        client.get(reverse("reviews:invoices", args=[cast.company_a.pk]))
    )
    for url, _status in pages(cast, audited)[:5]:
        assert client.get(url).status_code == 200, url


def test_moderation_staff_see_the_name_and_masked_contact_details(client, cast, audited):
    client.login(username=moderator().username, password=PASSWORD)
    assert "Mme Sophie Martin" in text(client.get(reverse("reviews:staff-audits")))
    assert (
        client.get(
            reverse("reviews:audit-scan", args=[cast.company_a.pk, audited.audit.scans.get().pk])
        ).status_code
        == 200
    )
    listing = text(client.get(reverse("admin:reviews_invoice_changelist")))
    change = text(client.get(reverse("admin:reviews_invoice_change", args=[audited.invoice_id])))
    for page in (listing, change):
        assert EMAIL not in page
        assert PHONE not in page
        assert "s•••@e•••.org" in page
    assert "•• •• •• •• 90" in change


def test_superusers_see_the_contact_details_in_the_admin(client, cast, audited):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.login(username=admin.username, password=PASSWORD)
    assert EMAIL in text(client.get(reverse("admin:reviews_invoice_changelist")))
    change = text(client.get(reverse("admin:reviews_invoice_change", args=[audited.invoice_id])))
    assert EMAIL in change
    assert PHONE in change


def test_the_public_pages_show_the_author_s_first_name_and_initial_only(client, cast, audited):
    page = text(client.get(reverse("directory:company", args=[cast.company_a.slug])))
    assert "Sophie M." in page
    for secret in ("Martin", EMAIL, SHOWN_PHONE, PHONE, "F-1"):
        assert secret not in page, secret


@pytest.mark.parametrize(
    ("given", "masked"),
    [
        ("sophie.martin@example.org", "s•••@e•••.org"),
        ("a@localhost", "a•••@•••"),
        ("", ""),
    ],
)
def test_an_e_mail_is_masked_to_its_first_letters(given, masked):
    assert mask_email(given) == masked


def test_a_phone_is_masked_but_its_last_two_digits():
    assert mask_phone(PHONE) == "•• •• •• •• 90"
    assert mask_phone("") == ""
