"""An uploaded file is stored under a short random name that keeps its
extension (``common.files.stored_file_name``), so the name a scanner or a
phone gave it, however long, is never an error (trial, finding 6: the
manual invoice form refused a 105-character PDF name, "au plus 100
caractères", while the photo form took 300)."""

from __future__ import annotations

import io
import re

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from common.files import stored_file_name
from directory.models import Company
from reviews.models import Invoice
from tests.common.test_typed_email_addresses import project_forms
from tests.conftest import PASSWORD
from tests.factories import recent_date
from tests.pdfs import minimal_pdf

TRIAL_NAME = (
    "Facture n°F-2026-001 - Madame Hélène Géraud - Prestation de ménage à domicile "
    "du 14 mars 2026 (copie).pdf"
)
LONG_NAMES = [
    TRIAL_NAME,  # 105 characters
    "a" * 100 + ".pdf",
    "scan " + "é" * 240 + ".PDF",  # the upload handler keeps 255 of them
    "x" * 1000 + ".pdf",
]
STORED = re.compile(r"^[a-z0-9_/-]+/[0-9a-f]{32}(\.[a-z0-9]{1,8})?$")


@pytest.mark.parametrize(
    ("filename", "extension"),
    [
        (TRIAL_NAME, ".pdf"),
        ("PHOTO.JPEG", ".jpeg"),
        ("archive.tar.gz", ".gz"),
        ("sans extension", ""),
        ("a." + "b" * 40, ""),  # not an extension: dropped
        ("../../etc/passwd", ""),
        ("x" * 300 + ".webp", ".webp"),
    ],
)
def test_the_stored_name_is_random_short_and_keeps_the_extension(filename, extension):
    name = stored_file_name("invoice", filename)
    assert STORED.match(name)
    assert name.startswith("invoice/")
    assert name.endswith(extension)
    assert len(name) <= len("invoice/") + 32 + 9
    assert stored_file_name("invoice", filename) != name


def test_no_upload_field_of_the_site_s_forms_limits_the_client_s_file_name():
    limited = {
        f"{form.__module__}.{form.__name__}.{name}": field.max_length
        for form in project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.FileField) and field.max_length is not None
    }
    assert limited == {}


@pytest.mark.django_db
@pytest.mark.parametrize("filename", LONG_NAMES)
def test_the_manual_invoice_form_takes_a_long_scan_name(client, cast, filename):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("reviews:invoices", args=[cast.company_a.pk])
    scan = SimpleUploadedFile(filename, minimal_pdf(), "application/pdf")
    response = client.post(
        url,
        {
            "number": "F-2026-001",
            "issued_on": recent_date(10).isoformat(),
            "amount": "120",
            "client_name": "Hélène Géraud",
            "client_email": "helene.geraud@example.org",
            "scan": scan,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Invoice.objects.get().scan.name
    assert STORED.match(stored)
    assert stored.startswith("invoice/")
    assert stored.endswith(".pdf")


@pytest.mark.django_db
@pytest.mark.parametrize("filename", LONG_NAMES[:2])
def test_a_certification_proof_with_a_long_name_is_taken(client, cast, filename):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("directory:pro-certifications", args=[cast.company_a.pk])
    proof = SimpleUploadedFile(filename, minimal_pdf(), "application/pdf")
    response = client.post(url, {"kind": "decennale", "label": "AXA", "proof": proof})
    assert response.status_code == 302
    assert cast.company_a.certifications.get().proof.name.endswith(".pdf")


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), "teal").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_logo_and_a_photo_with_long_names_are_taken(client, cast):
    from tests.directory.test_pro_profile import profile_data

    client.login(username=cast.member_a.username, password=PASSWORD)
    logo = SimpleUploadedFile("Logo " + "très long " * 30 + ".png", png(), "image/png")
    response = client.post(
        reverse("directory:pro-profile", args=[cast.company_a.pk]),
        {**profile_data(cast.company_a), "logo": logo},
    )
    assert response.status_code == 302
    assert Company.objects.get(pk=cast.company_a.pk).logo.name.startswith(
        f"companies/{cast.company_a.slug}/"
    )
    photo = SimpleUploadedFile("Photo " + "x" * 300 + ".png", png(), "image/png")
    response = client.post(
        reverse("directory:pro-photos", args=[cast.company_a.pk]), {"image": photo}
    )
    assert response.status_code == 302
    assert cast.company_a.photos.count() == 1
