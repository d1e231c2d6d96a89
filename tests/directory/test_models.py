from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from common.company_numbers import validate_siren
from directory.models import Company
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("siren", ["732829320", "552100554"])
def test_valid_siren_numbers_pass(siren):
    validate_siren(siren)


@pytest.mark.parametrize("siren", ["732829321", "12345678", "ABCDEFGHI", "7328293200"])
def test_invalid_siren_numbers_are_refused_with_a_clear_message(siren):
    with pytest.raises(ValidationError) as error:
        validate_siren(siren)
    assert "SIREN" in str(error.value)


def test_siren_is_unique(taxonomy):
    CompanyFactory(siren="732829320")
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanyFactory(siren="732829320")


@pytest.mark.parametrize(
    "fields",
    [
        {"siren": "12345"},
        {"intervention_radius_km": 0},
        {"intervention_radius_km": 500},
        {"serves_consumers": False, "serves_businesses": False},
        {"latitude": 123.0},
        {"status": "deleted"},
    ],
)
def test_database_refuses_impossible_companies(taxonomy, fields):
    company = CompanyFactory()
    for name, value in fields.items():
        setattr(company, name, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        company.save()


def test_search_name_follows_the_names(taxonomy):
    company = CompanyFactory(trade_name="Électricité Gaël", legal_name="SARL ÉLEC GAËL")
    assert company.search_name == "electricite gael sarl elec gael"
    company.trade_name = "Lumière & Cie"
    company.save(update_fields=["trade_name"])
    company.refresh_from_db()
    assert company.search_name.startswith("lumiere cie")


def _image(fmt: str = "PNG", size=(40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, fmt)
    return buffer.getvalue()


def test_logo_must_be_a_real_image(taxonomy):
    company = CompanyFactory()
    company.logo = SimpleUploadedFile("logo.jpg", b"this is not an image", "image/jpeg")
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert "logo" in error.value.message_dict


def test_logo_extension_is_checked(taxonomy):
    company = CompanyFactory()
    company.logo = SimpleUploadedFile("logo.svg", _image(), "image/svg+xml")
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert "logo" in error.value.message_dict


def test_valid_logo_passes(taxonomy):
    company = CompanyFactory()
    company.logo = SimpleUploadedFile("logo.png", _image(), "image/png")
    company.full_clean()


def test_year_founded_cannot_be_in_the_future(taxonomy):
    company = CompanyFactory(year_founded=2999)
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert "year_founded" in error.value.message_dict


def test_listed_queryset_hides_pending_and_suspended(taxonomy):
    listed = CompanyFactory()
    CompanyFactory(status="pending")
    CompanyFactory(status="suspended")
    assert list(Company.objects.listed()) == [listed]
