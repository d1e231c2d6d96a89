"""A company's own people cannot review it, however they write their
address: canonical e-mail forms (common.emails) through the real views."""

from __future__ import annotations

import html
import importlib
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps as django_apps
from django.core import mail
from django.urls import reverse

from directory.models import Invitation
from reviews.models import Invoice, Review, ReviewRequest, ReviewRequestStatus
from reviews.services import invoices, reviews
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, recent_date

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db

STAFF_EMAIL = "jean.dupont@gmail.com"
REFUSED = "liées à l'entreprise"


def register_invoice(cast, capture, client_email, number="F-100"):
    with capture(execute=True):
        return invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": number,
                "issued_on": recent_date(59).isoformat(),
                "amount": "900",
                "client_name": "Jean Dupont",
                "client_email": client_email,
            },
            actor=cast.owner_a,
        )


def write_review(client):
    response = client.post(review_path(), {**REVIEW, "author_name": "Jean Dupont"})
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    "client_email",
    [
        "jean.dupont+avis@gmail.com",
        "jeandupont@gmail.com",
        "Jean.Dupont@GoogleMail.com ",
        "jean.dupont@GMAIL.COM",
        "j.e.a.n.dupont+2026@googlemail.com",
        "\tJEANDUPONT@gmail.com",
    ],
)
def test_staff_member_is_recognised_in_every_gmail_spelling(
    client, cast, django_capture_on_commit_callbacks, client_email
):
    MembershipFactory(company=cast.company_a, user__email=STAFF_EMAIL)
    register_invoice(cast, django_capture_on_commit_callbacks, client_email)

    assert REFUSED in write_review(client)
    assert not Review.objects.exists()
    # The invitation still went to the address as typed (spaces aside).
    assert mail.outbox[-1].to == [client_email.strip().lower()]


@pytest.mark.parametrize(
    ("staff_email", "client_email"),
    [
        ("marie@orange.fr", "marie+x@orange.fr"),
        ("marie+pro@orange.fr", "Marie@Orange.fr"),
        ("elodie@xn--exmple-cua.fr", "ELODIE@EXÄMPLE.FR"),
    ],
)
def test_staff_member_is_recognised_with_a_tag_or_an_idn_domain(
    client, cast, django_capture_on_commit_callbacks, staff_email, client_email
):
    MembershipFactory(company=cast.company_a, user__email=staff_email)
    register_invoice(cast, django_capture_on_commit_callbacks, client_email)

    assert REFUSED in write_review(client)
    assert not Review.objects.exists()


def test_another_person_at_a_members_domain_goes_to_moderation(
    client, cast, django_capture_on_commit_callbacks
):
    """Changed by issue 10: "élodie" and "elodie" are two mailboxes of one
    (IDN) domain, a member's; that was a refusal, it is now moderation.
    (Django's validator refuses a non-ASCII local part on an invoice.)"""
    MembershipFactory(company=cast.company_a, user__email="élodie@exämple.fr")
    register_invoice(cast, django_capture_on_commit_callbacks, "elodie@xn--exmple-cua.fr")

    assert REFUSED not in write_review(client)
    review = Review.objects.get()
    assert (review.status, review.moderation_reasons) == ("pending", ["linked_domain"])


@pytest.mark.parametrize(
    ("staff_email", "client_email"),
    [
        ("j.d@orange.fr", "jd@orange.fr"),  # dots matter outside Gmail
        ("jean.dupont@gmail.com", "jean.dupond@gmail.com"),
        ("marie@orange.fr", "marie@wanadoo.fr"),
    ],
)
def test_another_person_at_a_public_provider_may_review(
    client, cast, django_capture_on_commit_callbacks, staff_email, client_email
):
    MembershipFactory(company=cast.company_a, user__email=staff_email)
    register_invoice(cast, django_capture_on_commit_callbacks, client_email)

    assert REFUSED not in write_review(client)
    assert Review.objects.count() == 1


def test_a_second_address_of_a_members_account_is_the_member(
    client, cast, django_capture_on_commit_callbacks
):
    EmailAddress.objects.create(user=cast.member_a, email="perso.member@gmail.com")
    register_invoice(cast, django_capture_on_commit_callbacks, "persomember+x@gmail.com")

    assert REFUSED in write_review(client)
    assert not Review.objects.exists()


def test_a_private_second_address_links_its_owner_not_its_provider(cast):
    EmailAddress.objects.create(user=cast.member_a, email="jean@bluewin.ch")
    Invitation.objects.create(
        company=cast.company_a, email="compta@cabinet-expert.fr", invited_by=cast.owner_a
    )

    assert reviews.is_linked_to_company(cast.company_a, "Jean+avis@bluewin.ch")
    assert reviews.is_linked_to_company(cast.company_a, "compta@cabinet-expert.fr")
    assert not reviews.is_linked_to_company(cast.company_a, "marie@bluewin.ch")
    assert not reviews.is_linked_to_company(cast.company_a, "client@cabinet-expert.fr")


def test_a_person_invited_to_join_is_linked(client, cast, django_capture_on_commit_callbacks):
    Invitation.objects.create(
        company=cast.company_a, email="Futur.Collegue@gmail.com", invited_by=cast.owner_a
    )
    register_invoice(cast, django_capture_on_commit_callbacks, "futurcollegue@googlemail.com")

    assert REFUSED in write_review(client)


@pytest.mark.parametrize(
    ("member_email", "client_email"),
    [
        ("gerant@exämple.fr", "stagiaire@xn--exmple-cua.fr"),
        ("gerant@xn--exmple-cua.fr", "Stagiaire@EXÄMPLE.fr"),
        ("gerant@exämple.fr", "stagiaire+avis@exämple.fr"),
        ("gerant@alpha-elec.fr", "stagiaire@ALPHA-ELEC.FR."),
        ("gerant@alpha-elec.fr", "stagiaire@bureau.alpha-elec.fr"),
    ],
)
def test_verified_company_domains_compare_in_ascii(cast, member_email, client_email):
    """Changed by issue 10: a domain counts only when a member verified an
    address there (it was the company's e-mail or website before)."""
    EmailAddress.objects.create(user=cast.member_a, email=member_email, verified=True)

    assert reviews.shares_company_domain(cast.company_a, client_email)
    assert not reviews.is_linked_to_company(cast.company_a, client_email)
    assert not reviews.shares_company_domain(cast.company_a, "stagiaire@autre-exemple.fr")
    assert not reviews.shares_company_domain(cast.company_a, "stagiaire@pasalpha-elec.fr")
    assert not reviews.shares_company_domain(cast.company_a, "stagiaire@gmail.com")


@pytest.mark.parametrize(
    ("company_email", "website"),
    [
        ("", "https://example.org"),
        ("", "https://www.example.org/contact"),
        ("", "example.org"),
        ("contact@example.org", ""),
        ("contact@example.org", "https://example.org"),
    ],
)
def test_a_domain_the_pro_only_typed_blocks_nobody(
    client, cast, django_capture_on_commit_callbacks, company_email, website
):
    """Issue 10: a pro that sets its website (or e-mail) to example.org does
    not silence every client at @example.org; the review is published."""
    cast.company_a.email, cast.company_a.website = company_email, website
    cast.company_a.save()
    register_invoice(cast, django_capture_on_commit_callbacks, "jean.dupont@example.org")

    assert REFUSED not in write_review(client)
    review = Review.objects.get()
    assert review.status == "published"
    assert "linked_domain" not in review.moderation_reasons


@pytest.mark.parametrize(
    ("verified", "status", "reasons"),
    [(True, "pending", ["linked_domain"]), (False, "published", [])],
)
def test_a_verified_company_domain_sends_the_review_to_moderation(
    client, cast, django_capture_on_commit_callbacks, verified, status, reasons
):
    """Issue 10: a shared domain is a doubt for a person, not a refusal;
    and only a verified address makes the domain the company's."""
    EmailAddress.objects.create(user=cast.member_a, email="gerant@alpha-elec.fr", verified=verified)
    register_invoice(cast, django_capture_on_commit_callbacks, "jean.dupont@alpha-elec.fr")

    assert REFUSED not in write_review(client)
    review = Review.objects.get()
    assert (review.status, review.moderation_reasons) == (status, reasons)


def test_an_internationalised_address_is_one_identity(cast):
    MembershipFactory(company=cast.company_a, user__email="élodie@exämple.fr")

    assert reviews.is_linked_to_company(cast.company_a, "élodie@xn--exmple-cua.fr")
    assert reviews.is_linked_to_company(cast.company_a, "Élodie+avis@EXÄMPLE.fr")
    assert not reviews.is_linked_to_company(cast.company_a, "elodie@gmail.com")


@pytest.mark.parametrize("text", ["", "   ", "not an address", "@", "a@"])
def test_text_that_is_no_address_links_to_nobody(cast, text):
    assert not reviews.is_linked_to_company(cast.company_a, text)


def test_invoice_keeps_the_typed_address_and_the_clients_identity(
    cast, django_capture_on_commit_callbacks
):
    invoice = register_invoice(
        cast, django_capture_on_commit_callbacks, " Jean.Dupont+Avis@GMAIL.com "
    )

    invoice.refresh_from_db()
    assert invoice.client_email == "jean.dupont+avis@gmail.com"
    assert invoice.client_email_canonical == "jeandupont@gmail.com"
    invoice.client_email = "marie+x@orange.fr"
    invoice.save(update_fields=["client_email"])
    invoice.refresh_from_db()
    assert invoice.client_email_canonical == "marie@orange.fr"


def test_migration_fills_the_clients_identity_of_existing_invoices(
    cast, django_capture_on_commit_callbacks
):
    migration = importlib.import_module("reviews.migrations.0002_invoice_client_email_canonical")
    first = register_invoice(cast, django_capture_on_commit_callbacks, "Jean.Dupont@googlemail.com")
    second = register_invoice(cast, django_capture_on_commit_callbacks, "elodie@exämple.fr", "F-2")
    Invoice.objects.update(client_email_canonical="")

    migration.fill_canonical_emails(django_apps, None)

    assert dict(Invoice.objects.values_list("pk", "client_email_canonical")) == {
        first.pk: "jeandupont@gmail.com",
        second.pk: "elodie@xn--exmple-cua.fr",
    }


@pytest.mark.parametrize(
    ("invoice_email", "request_email", "matched"),
    [
        ("jean.dupont@gmail.com", "JeanDupont+avis@googlemail.com", True),
        ("marie@orange.fr", "Marie+Avis@orange.fr", True),
        ("elodie@exämple.fr", "Elodie@xn--exmple-cua.fr", True),
        ("elodie@exämple.fr", "elodie@exemple.fr", False),
        ("j.d@orange.fr", "jd@orange.fr", False),
    ],
)
def test_review_request_finds_its_invoice_by_the_clients_mailbox(
    client, cast, django_capture_on_commit_callbacks, invoice_email, request_email, matched
):
    """A name that is no match ("Paul Bernard" for "Jean Dupont"): only the
    mailbox can designate the invoice."""
    register_invoice(cast, django_capture_on_commit_callbacks, invoice_email, "F-77")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reviews:request", args=[cast.company_a.slug]),
            {"invoice_number": "F-77", "name": "Paul Bernard", "email": request_email},
        )
    path = re.search(r"/avis/demande/\S+/", mail.outbox[-1].body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)

    request = ReviewRequest.objects.get()
    assert request.email == request_email.lower()  # kept for sending
    assert (request.status == ReviewRequestStatus.MATCHED) is matched


def test_a_long_idn_address_is_kept_with_its_longer_ascii_identity(
    client, cast, django_capture_on_commit_callbacks
):
    """244 characters, valid, whose domain of one-letter labels grows to
    964 characters in ASCII: stored, not a database error."""
    address = "a@" + "ä." * 120 + "fr"
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("reviews:invoices", args=[cast.company_a.pk])
    data = {
        "number": "F-LONG",
        "issued_on": recent_date(60).isoformat(),
        "amount": "100",
        "client_name": "Luc Petit",
        "client_email": address,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    invoice = Invoice.objects.get()
    assert invoice.client_email == address
    assert len(invoice.client_email_canonical) == 964
    assert invoice.client_email_canonical.startswith("a@xn--")
    client.logout()
    response = client.post(review_path(), {**REVIEW, "author_name": "Luc Petit"})
    assert response.status_code == 200
    assert Review.objects.get().author_domain == ""
