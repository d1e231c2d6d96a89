"""Writes of a company's profile: trades, profile fields, photos, certifications."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, Max, OuterRef

from common import images
from common.page_cache import pages_written
from directory.companies.models import Certification, Company, CompanyPhoto, CompanyProfession
from directory.places.models import Place
from directory.taxonomy.models import Profession


def company_search_keys_sync(*, company_ids: Iterable[int] | None = None) -> int:
    """Bring the trade rows (``CompanyProfession``) of companies in step
    with their search keys (``SEARCH_KEYS``: primary trade, status,
    position, reach, clients, trust score): the primary trade's row is
    created if missing, then every row's copy is refreshed in one UPDATE.

    ``company_ids=None`` means every company, without an id list (the
    nightly refreshes). Call it after any write of a search key. Returns
    the trade rows updated.
    """
    companies = Company.objects.all()
    links = CompanyProfession.objects.all()
    if company_ids is not None:
        company_ids = list(company_ids)
        companies = companies.filter(pk__in=company_ids)
        links = links.filter(company_id__in=company_ids)
    has_primary_row = CompanyProfession.objects.filter(
        company_id=OuterRef("pk"), profession_id=OuterRef("primary_profession_id")
    )
    missing = companies.filter(~Exists(has_primary_row)).values_list("pk", "primary_profession_id")
    CompanyProfession.objects.bulk_create(
        [CompanyProfession(company_id=pk, profession_id=trade) for pk, trade in missing],
        ignore_conflicts=True,
    )
    return links.sync_search_keys()


@transaction.atomic
def company_trades_set(*, company: Company, professions: Iterable[Profession]) -> None:
    """The company's trades become its primary trade plus ``professions``,
    each row with the company's search keys."""
    wanted = {company.primary_profession_id, *(p.pk for p in professions)}
    CompanyProfession.objects.filter(company=company).exclude(profession_id__in=wanted).delete()
    CompanyProfession.objects.bulk_create(
        [CompanyProfession.for_company(company, profession_id) for profession_id in wanted],
        ignore_conflicts=True,
    )
    company_search_keys_sync(company_ids=[company.pk])


@transaction.atomic
def company_profile_update(
    *,
    company: Company,
    fields: dict,
    other_professions: Iterable[Profession],
    place: Place,
    logo=None,
) -> Company:
    """Save what a pro edits. The position comes from the gazetteer place;
    the legal name and SIREN are not editable here (vetting owns them).
    ``logo``: None keeps it, False removes it, an upload replaces it
    (re-encoded)."""
    old_logo = company.logo.name if company.logo else ""
    for name, value in fields.items():
        setattr(company, name, value)
    company.place = place
    company.city = place.name
    company.latitude, company.longitude = place.latitude, place.longitude
    if logo is False:
        company.logo = ""
    elif logo is not None:
        encoded = images.reencode(logo, images.LOGO_MAX_SIDE, keep_alpha=True)
        company.logo.save(encoded.name, encoded, save=False)
    company.full_clean(exclude=["logo"])
    company.save()
    company_trades_set(company=company, professions=other_professions)
    if logo is not None and old_logo:
        storage = company.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    return company


@transaction.atomic
def company_photo_add(*, company: Company, upload, caption: str = "") -> CompanyPhoto:
    image, thumbnail = images.photo_files(upload)
    last = company.photos.aggregate(last=Max("position"))["last"]
    photo = CompanyPhoto(company=company, caption=caption, position=(last or 0) + 1)
    photo.image.save(image.name, image, save=False)
    photo.thumbnail.save(thumbnail.name, thumbnail, save=False)
    photo.save()
    return photo


def company_photo_delete(*, photo: CompanyPhoto) -> None:
    files = [photo.image, photo.thumbnail]
    photo.delete()
    for file in files:
        transaction.on_commit(lambda file=file: file.storage.delete(file.name))


@transaction.atomic
def company_photo_move(*, photo: CompanyPhoto, offset: int) -> None:
    """Swap the photo with its neighbour (offset −1: earlier, +1: later)."""
    photos = list(photo.company.photos.select_for_update().order_by("position", "id"))
    index = next(i for i, p in enumerate(photos) if p.pk == photo.pk)
    target = index + offset
    if not 0 <= target < len(photos):
        return
    photos[index], photos[target] = photos[target], photos[index]
    for position, item in enumerate(photos, start=1):
        item.position = position
    CompanyPhoto.objects.bulk_update(photos, ["position"])
    pages_written()  # bulk_update sends no signal


def certification_add(*, company: Company, fields: dict) -> Certification:
    certification = Certification(company=company, **fields)
    certification.full_clean()
    certification.save()
    return certification


def certification_delete(*, certification: Certification) -> None:
    proof = certification.proof
    certification.delete()
    if proof:
        transaction.on_commit(lambda: proof.storage.delete(proof.name))
