"""The public company page: the contact bar of phones, a company no longer
listed (410, nothing of it but its name), and phone numbers stored in
E.164 and shown the French way."""

from __future__ import annotations

import html as htmllib
import importlib
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from common.formats import format_phone
from directory.models import Company, CompanyStatus, QuoteRequest
from eligibility.services import company_set_status
from reviews.models import Review, ReviewStatus
from tests.conftest import PASSWORD
from tests.factories import CompanyFactory, QuoteRequestFactory
from tests.reviews.conftest import REVIEW, invited, invoice_fields, review_path

__all__ = ["invited", "invoice_fields"]  # fixtures used below

pytestmark = pytest.mark.django_db

GONE = "Cette entreprise n'est plus référencée"


def page(client, company) -> str:
    response = client.get(company.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def contact_bar(html: str) -> str:
    start = html.index('<nav class="contact-bar"')
    return html[start : html.index("</nav>", start)]


def test_contact_bar_asks_for_a_quote_and_calls(client, cast):
    cast.company_a.phone = "+33478123456"
    cast.company_a.save()
    bar = contact_bar(page(client, cast.company_a))
    assert 'aria-label="Contacter l\'entreprise"' in htmllib.unescape(bar)
    assert f'href="{reverse("directory:quote-request", args=[cast.company_a.slug])}"' in bar
    assert "Demander un devis" in bar
    assert 'href="tel:+33478123456"' in bar
    assert "Appeler" in bar
    assert 'aria-label="Appeler le 04 78 12 34 56"' in bar  # the number, for screen readers


def test_contact_bar_without_phone_has_no_call_link(client, cast):
    assert cast.company_a.phone == ""
    bar = contact_bar(page(client, cast.company_a))
    assert "Demander un devis" in bar
    assert "tel:" not in bar
    assert "Appeler" not in bar


def test_contact_section_shows_the_number_the_french_way(client, cast):
    cast.company_a.phone = "+33699056090"
    cast.company_a.save()
    html = page(client, cast.company_a)
    assert "06 99 05 60 90" in html
    assert 'href="tel:+33699056090"' in html
    assert "+33699056090</a>" not in html  # never shown raw


def test_legacy_unparseable_number_is_shown_as_stored(client, cast):
    cast.company_a.phone = "voir site"
    cast.company_a.save()
    assert "voir site" in page(client, cast.company_a)  # no 500


@pytest.fixture
def suspended(client, cast, invited):
    """Company A with contact details and a published review, then suspended."""
    client.post(review_path(), REVIEW)
    assert Review.objects.get().status == ReviewStatus.PUBLISHED
    Company.objects.filter(pk=cast.company_a.pk).update(
        phone="+33478123456", email="contact@alpha.fr", address="3 rue Mercière"
    )
    company = Company.objects.get(pk=cast.company_a.pk)
    assert "Un tableau refait proprement" in page(client, company)
    company_set_status(
        company=company, status=CompanyStatus.SUSPENDED, actor=cast.staff, reason="Contrôle"
    )
    return company


def test_suspended_company_page_is_gone_without_contact_or_reviews(client, suspended):
    response = client.get(suspended.get_absolute_url())
    assert response.status_code == 410
    html = htmllib.unescape(response.content.decode())
    assert GONE in html
    assert f"<title>{GONE}" in html
    assert suspended.trade_name in html
    for private in (
        "Un tableau refait proprement",  # review title
        "Travail soigné",  # review text
        "04 78 12 34 56",
        "+33478123456",
        "tel:",
        "contact@alpha.fr",
        "mailto:",
        "3 rue Mercière",
        suspended.siren,
        reverse("directory:quote-request", args=[suspended.slug]),
        "Demander un devis",
    ):
        assert private not in html, private
    assert 'name="robots" content="noindex"' in html
    # A way on: other companies of its trade.
    assert suspended.primary_profession.get_absolute_url() in html


@pytest.mark.parametrize("name", ["quote-request", "quote-sent"])
def test_suspended_company_quote_pages_are_gone(client, suspended, name):
    path = reverse(f"directory:{name}", args=[suspended.slug])
    response = client.get(path)
    assert response.status_code == 410
    assert "contact@alpha.fr" not in response.content.decode()


def test_suspended_company_takes_no_quote_even_from_a_logged_in_user(client, cast, suspended):
    client.login(username=cast.consumer.username, password=PASSWORD)
    path = reverse("directory:quote-request", args=[suspended.slug])
    data = {
        "need": "Mise aux normes du tableau électrique d'un appartement à Lyon.",
        "postal_code": "69003",
        "city": "Lyon",
        "timeframe": "month",
        "budget": "1000-5000",
        "contact_preference": "email",
        "name": "Claire",
    }
    assert client.post(path, data).status_code == 410
    assert not QuoteRequest.objects.exists()


def test_listed_again_the_page_is_back(client, cast):
    company = cast.company_a
    company.status = CompanyStatus.SUSPENDED
    company.save()
    assert client.get(company.get_absolute_url()).status_code == 410
    company.status = CompanyStatus.LISTED
    company.save()
    assert client.get(company.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("slug", ["nobody", "alpha-electricite-2", "x" * 200])
def test_unknown_slug_is_not_found(client, cast, slug):
    for name in ("company", "quote-request", "quote-sent"):
        response = client.get(reverse(f"directory:{name}", args=[slug]))
        assert response.status_code == 404
        assert "Page introuvable" in response.content.decode()


def test_company_never_listed_is_not_found_not_gone(client, taxonomy):
    pending = CompanyFactory(status=CompanyStatus.PENDING, phone="+33478123456")
    for name in ("company", "quote-request"):
        response = client.get(reverse(f"directory:{name}", args=[pending.slug]))
        assert response.status_code == 404
        html = response.content.decode()
        assert pending.trade_name not in html
        assert "plus référencée" not in html


# --- Phones typed by the pro are stored in E.164 ----------------------------


def profile_data(company: Company, **overrides) -> dict:
    data = {
        "trade_name": company.trade_name,
        "description": company.description,
        "primary_profession": company.primary_profession_id,
        "address": "3 rue Mercière",
        "postal_code": "69002",
        "city": "Lyon",
        "intervention_radius_km": 25,
        "serves_consumers": "on",
        "phone": "",
        "email": "contact@alpha.fr",
        "website": "",
    }
    return {**data, **overrides}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("04 78 12 34 56", "+33478123456"),
        ("0478123456", "+33478123456"),
        ("04.78.12.34.56", "+33478123456"),
        ("04-78-12-34-56", "+33478123456"),
        ("+33 4 78 12 34 56", "+33478123456"),
        ("+33 (0)4 78 12 34 56", "+33478123456"),
        ("0033 4 78 12 34 56", "+33478123456"),
        (" 06 99 05 60 90 ", "+33699056090"),
        ("+32 2 555 12 12", "+3225551212"),  # Belgium stays Belgian
        ("", ""),
    ],
)
def test_pro_profile_phone_is_stored_in_e164(client, cast, typed, stored):
    client.login(username=cast.member_a.username, password=PASSWORD)
    path = reverse("directory:pro-profile", args=[cast.company_a.pk])
    response = client.post(path, profile_data(cast.company_a, phone=typed))
    assert response.status_code == 302, response.content.decode()[:3000]
    cast.company_a.refresh_from_db()
    assert cast.company_a.phone == stored
    if stored:
        # The form shows it back as people write it, not in E.164.
        form = client.get(path).content.decode()
        assert f'value="{stored}"' not in form
        assert f'value="{format_phone(stored)}"' in form


@pytest.mark.parametrize(
    "typed", ["12345", "06 99 05 60", "téléphone", "+33 1", "06 99 05 60 90 12"]
)
def test_pro_profile_refuses_a_number_that_does_not_dial(client, cast, typed):
    client.login(username=cast.member_a.username, password=PASSWORD)
    cast.company_a.phone = "+33478123456"
    cast.company_a.save()
    path = reverse("directory:pro-profile", args=[cast.company_a.pk])
    response = client.post(path, profile_data(cast.company_a, phone=typed))
    assert response.status_code == 200
    assert "numéro de téléphone valide" in response.content.decode()
    cast.company_a.refresh_from_db()
    assert cast.company_a.phone == "+33478123456"


# --- Existing rows normalised once -----------------------------------------


def _phone_migration():
    migrations = Path(__file__).resolve().parents[2] / "directory" / "migrations"
    path = next(migrations.glob("*_phone_numbers_e164.py"))
    return importlib.import_module(f"directory.migrations.{path.stem}")


def test_migration_normalises_stored_numbers_and_keeps_the_rest(cast):
    raw = {
        "04 78 12 34 56": "+33478123456",
        "06.99.05.60.90": "+33699056090",
        "+33 (0)1 23 45 67 89": "+33123456789",
        "+33612345678": "+33612345678",
        "voir site web": "voir site web",
        "12": "12",
        "": "",
    }
    companies = [CompanyFactory(phone=value) for value in raw]
    quotes = [QuoteRequestFactory(company=cast.company_a, phone=value) for value in raw]
    _phone_migration().forwards(django_apps, None)
    for company, expected in zip(companies, raw.values(), strict=True):
        company.refresh_from_db()
        assert company.phone == expected
    for quote, expected in zip(quotes, raw.values(), strict=True):
        quote.refresh_from_db()
        assert quote.phone == expected
