"""What a pro edits appears on its public page; uploads are checked."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from directory.models import Certification, Company
from tests.conftest import PASSWORD
from tests.pdfs import minimal_pdf

pytestmark = pytest.mark.django_db


def image_bytes(fmt="JPEG", size=(1200, 800)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, fmt)
    return buffer.getvalue()


def profile_data(company: Company, **overrides) -> dict:
    data = {
        "trade_name": company.trade_name,
        "description": company.description,
        "primary_profession": company.primary_profession_id,
        "other_professions": [],
        "address": "3 rue Mercière",
        "postal_code": "69002",
        "city": "Lyon",
        "intervention_radius_km": 25,
        "serves_consumers": "on",
        "phone": "04 78 12 34 56",
        "email": "contact@alpha.fr",
        "website": "alpha-electricite.fr",
        "year_founded": 2010,
    }
    return {**data, **overrides}


@pytest.fixture
def pro(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    return reverse("directory:pro-profile", args=[cast.company_a.pk])


def test_edited_description_appears_on_the_public_page(client, cast, pro, taxonomy):
    data = profile_data(
        cast.company_a,
        description="Électriciens depuis trois générations, nous rénovons vos installations.",
        other_professions=[taxonomy["domoticien"].pk] if "domoticien" in taxonomy else [],
    )
    response = client.post(pro, data)
    assert response.status_code == 302
    page = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert "trois générations" in page
    assert "https://alpha-electricite.fr" in page
    cast.company_a.refresh_from_db()
    assert cast.company_a.intervention_radius_km == 25


def test_city_sets_the_position_from_the_gazetteer(client, cast, pro, places):
    client.post(pro, profile_data(cast.company_a, postal_code="42000", city="saint etienne"))
    company = Company.objects.get(pk=cast.company_a.pk)
    assert company.city == "Saint-Étienne"
    assert company.place == places["saint-etienne"]
    assert (company.latitude, company.longitude) == (45.439587, 4.387475)  # the town hall
    link = company.trade_links.get(is_primary=True)
    assert (link.latitude, link.longitude) == (45.439587, 4.387475)  # search follows


@pytest.mark.parametrize(
    ("postal_code", "city", "insee_code"),
    [
        ("75015", "Paris 15e", "75115"),
        ("75007", "Paris", "75107"),
        ("75008", "PARIS CEDEX 08", "75108"),
        ("69441", "Lyon Cedex 03", "69123"),
        ("97400", "Saint-Denis", "97411"),
        ("50100", "Cherbourg-Octeville", "50129"),
        ("33220", "Port-Sainte-Foy-et-Ponchapt", "24335"),
    ],
)
def test_profile_checks_postal_code_and_city_together(
    client, cast, pro, places, postal_code, city, insee_code
):
    response = client.post(pro, profile_data(cast.company_a, postal_code=postal_code, city=city))
    assert response.status_code == 302
    company = Company.objects.get(pk=cast.company_a.pk)
    assert company.place.insee_code == insee_code
    assert (company.postal_code, company.city) == (postal_code, company.place.name)
    assert (company.latitude, company.longitude) == (
        company.place.latitude,
        company.place.longitude,
    )


@pytest.mark.parametrize(
    ("postal_code", "city", "message"),
    [
        ("33220", "Bordeaux", "Pineuilh (33)"),
        ("75015", "Paris 16e", "Paris 15e Arrondissement (75)"),
    ],
)
def test_profile_refuses_a_pair_that_does_not_match(
    client, cast, pro, places, postal_code, city, message
):
    response = client.post(
        pro, profile_data(cast.company_a, postal_code=postal_code, city=city, trade_name="X")
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Company.objects.get(pk=cast.company_a.pk).trade_name != "X"


def test_unknown_city_is_refused_and_nothing_changes(client, cast, pro):
    before = Company.objects.get(pk=cast.company_a.pk)
    response = client.post(pro, profile_data(cast.company_a, city="Atlantide", trade_name="X"))
    assert response.status_code == 200
    assert "Nous ne connaissons pas" in response.content.decode()
    after = Company.objects.get(pk=cast.company_a.pk)
    assert (after.trade_name, after.city) == (before.trade_name, before.city)


def test_legal_name_and_siren_are_not_editable(client, cast, pro):
    siren, legal = cast.company_a.siren, cast.company_a.legal_name
    client.post(pro, profile_data(cast.company_a, siren="732829320", legal_name="PIRATE SAS"))
    cast.company_a.refresh_from_db()
    assert (cast.company_a.siren, cast.company_a.legal_name) == (siren, legal)


def test_logo_is_reencoded_and_resized(client, cast, pro):
    upload = SimpleUploadedFile("logo.png", image_bytes("PNG", (2000, 2000)), "image/png")
    client.post(pro, {**profile_data(cast.company_a), "logo": upload})
    cast.company_a.refresh_from_db()
    with Image.open(cast.company_a.logo.path) as logo:
        assert max(logo.size) == 512


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.jpg", b"this is a text file, renamed", "pas une image"),
        ("photo.svg", image_bytes(), "extension"),
        ("photo.png", "noise", "trop lourde"),
    ],
)
def test_bad_photo_uploads_are_refused(client, cast, name, content, message):
    if content == "noise":  # a real image of more than 5 MB: noise does not compress
        buffer = io.BytesIO()
        Image.frombytes("RGB", (1500, 1500), os.urandom(1500 * 1500 * 3)).save(buffer, "PNG")
        content = buffer.getvalue()
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("directory:pro-photos", args=[cast.company_a.pk])
    response = client.post(url, {"image": SimpleUploadedFile(name, content), "caption": ""})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not cast.company_a.photos.exists()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_huge_pixel_count_is_refused(client, cast):
    # A small PNG that declares a 10,000 × 10,000 canvas: a decompression bomb.
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("directory:pro-photos", args=[cast.company_a.pk])
    response = client.post(url, {"image": SimpleUploadedFile("bomb.png", buffer.getvalue())})
    assert "trop de pixels" in response.content.decode()
    assert not cast.company_a.photos.exists()


def test_photos_are_reencoded_ordered_and_deleted(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("directory:pro-photos", args=[cast.company_a.pk])
    for caption in ("Avant", "Après"):
        upload = SimpleUploadedFile("p.jpg", image_bytes(size=(4000, 3000)), "image/jpeg")
        assert client.post(url, {"image": upload, "caption": caption}).status_code == 302
    first, second = cast.company_a.photos.all()
    with Image.open(first.image.path) as image, Image.open(first.thumbnail.path) as thumbnail:
        assert max(image.size) == 1600
        assert max(thumbnail.size) == 480
    action = "directory:pro-photo-action"
    client.post(reverse(action, args=[cast.company_a.pk, second.pk, "up"]))
    assert [p.caption for p in cast.company_a.photos.all()] == ["Après", "Avant"]
    client.post(reverse(action, args=[cast.company_a.pk, first.pk, "delete"]))
    assert [p.caption for p in cast.company_a.photos.all()] == ["Après"]
    page = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert 'alt="Après"' in page


def test_expired_certification_is_not_shown_as_valid(client, cast):
    Certification.objects.create(company=cast.company_a, kind="rge", expires_on="2099-12-31")
    Certification.objects.create(company=cast.company_a, kind="qualibat", expires_on="2020-01-01")
    page = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert "RGE" in page
    assert "Qualibat" not in page


def test_certification_proof_is_private(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("directory:pro-certifications", args=[cast.company_a.pk])
    proof = SimpleUploadedFile("attestation.pdf", minimal_pdf(), "application/pdf")
    response = client.post(url, {"kind": "decennale", "label": "AXA", "proof": proof})
    assert response.status_code == 302
    certification = cast.company_a.certifications.get()
    assert "/media/" not in certification.proof.path
    download = reverse(
        "directory:pro-certification-proof", args=[cast.company_a.pk, certification.pk]
    )
    assert client.get(download).status_code == 200
    client.logout()
    client.login(username=cast.owner_b.username, password=PASSWORD)
    assert client.get(download).status_code == 404


def test_fake_pdf_proof_is_refused(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("directory:pro-certifications", args=[cast.company_a.pk])
    fake = SimpleUploadedFile("attestation.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post(url, {"kind": "rge", "proof": fake})
    assert response.status_code == 200
    assert not cast.company_a.certifications.exists()


@pytest.mark.parametrize(
    ("website", "message"),
    [
        ("ftp://exemple.fr", "commençant par https:// ou http://"),
        ("ftps://exemple.fr/", "commençant par https:// ou http://"),
        ("http://localhost:8000/admin/", "appartient à un réseau local ou privé"),
        ("http://127.0.0.1/", "appartient à un réseau local ou privé"),
        ("http://0x7f.1/", "Saisissez une URL valide"),  # refused by Django first
        ("http://2130706433/", "Saisissez une URL valide"),  # refused by Django first
        ("http://192.168.1.254/", "appartient à un réseau local ou privé"),
        ("http://10.0.0.8:8080/", "appartient à un réseau local ou privé"),
        ("http://169.254.169.254/latest/meta-data/", "appartient à un réseau local ou privé"),
        ("http://[::1]/", "appartient à un réseau local ou privé"),
        ("http://[fd00::1]/", "appartient à un réseau local ou privé"),
        ("http://intranet/", "Saisissez une URL valide"),  # refused by Django first
        ("https://nas.local/", "appartient à un réseau local ou privé"),
        ("https://admin:secret@exemple.fr/", "nom d’utilisateur ni mot de passe"),
    ],
)
def test_the_website_must_be_a_public_http_address(client, cast, pro, website, message):
    """Trial, finding 10: a link shown to the public."""
    before = Company.objects.get(pk=cast.company_a.pk).website
    response = client.post(pro, profile_data(cast.company_a, website=website))
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "’").replace("'", "’")
    assert Company.objects.get(pk=cast.company_a.pk).website == before


@pytest.mark.parametrize(
    ("website", "stored"),
    [
        ("alpha-electricite.fr", "https://alpha-electricite.fr"),
        ("http://www.alpha-electricite.fr/", "http://www.alpha-electricite.fr/"),
        ("https://93.184.216.34/", "https://93.184.216.34/"),
        ("", ""),
    ],
)
def test_a_public_website_is_saved(client, cast, pro, website, stored):
    response = client.post(pro, profile_data(cast.company_a, website=website))
    assert response.status_code == 302
    assert Company.objects.get(pk=cast.company_a.pk).website == stored
