"""Writes of the directory app."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from common import images
from common.email_addresses import canonical_email
from common.signed_links import LinkError, make_token, row_from_token
from common.text import normalize

from . import tasks
from .models import (
    Certification,
    Company,
    CompanyPhoto,
    CompanyProfession,
    Invitation,
    Membership,
    MembershipRole,
    Place,
    Profession,
    QuoteReply,
    QuoteRequest,
    QuoteStatus,
    Sector,
)
from .search import invalidate_profession_terms
from .selectors import owners_of

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "professions.json"
PROFESSION_FIELDS = [
    "sector",
    "name_fr",
    "name_en",
    "description_fr",
    "description_en",
    "synonyms",
    "is_trust_profession",
    "eligibility_category",
]


@transaction.atomic
def taxonomy_load(*, path: Path = TAXONOMY_FILE) -> tuple[int, int]:
    """Create or update sectors and professions from the taxonomy file,
    matched by slug. Returns (sectors, professions) counts. Idempotent."""
    data = json.loads(path.read_text(encoding="utf-8"))
    sector_fields = ["name_fr", "name_en", "description_fr", "description_en", "position"]
    Sector.objects.bulk_create(
        [
            Sector(slug=s["slug"], position=position, **{k: s[k] for k in sector_fields[:4]})
            for position, s in enumerate(data["sectors"])
        ],
        update_conflicts=True,
        unique_fields=["slug"],
        update_fields=sector_fields,
    )
    sectors = Sector.objects.in_bulk(field_name="slug")
    professions = [
        Profession(
            slug=p["slug"],
            sector=sectors[s["slug"]],
            name_fr=p["name_fr"],
            name_en=p["name_en"],
            description_fr=p.get("description_fr", ""),
            description_en=p.get("description_en", ""),
            synonyms=p.get("synonyms", []),
            is_trust_profession=p["trust"],
            eligibility_category=p["category"],
        )
        for s in data["sectors"]
        for p in s["professions"]
    ]
    Profession.objects.bulk_create(
        professions,
        update_conflicts=True,
        unique_fields=["slug"],
        update_fields=PROFESSION_FIELDS,
    )
    transaction.on_commit(invalidate_profession_terms)
    return len(data["sectors"]), len(professions)


def profession_counts_refresh() -> int:
    """Recount the listed companies of every trade in one UPDATE.
    Returns the number of professions updated."""
    listed = (
        CompanyProfession.objects.filter(profession_id=OuterRef("pk"), is_listed=True)
        .values("profession_id")
        .annotate(total=Count("*"))
        .values("total")
    )
    return Profession.objects.update(
        listed_company_count=Coalesce(Subquery(listed, output_field=IntegerField()), Value(0))
    )


@transaction.atomic
def company_trades_set(*, company: Company, professions: Iterable[Profession]) -> None:
    """The company's trades become its primary trade plus ``professions``."""
    wanted = {company.primary_profession_id, *(p.pk for p in professions)}
    CompanyProfession.objects.filter(company=company).exclude(profession_id__in=wanted).delete()
    CompanyProfession.objects.bulk_create(
        [CompanyProfession.for_company(company, profession_id) for profession_id in wanted],
        ignore_conflicts=True,
    )


# --- The company profile -------------------------------------------------------


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


# --- The team ---------------------------------------------------------------------

INVITATION_SALT = "directory.invitation"


def invitation_token(invitation: Invitation) -> str:
    return make_token(INVITATION_SALT, invitation.pk, invitation.nonce)


@transaction.atomic
def invitation_create(
    *, company: Company, email: str, role: str, invited_by: AbstractBaseUser
) -> Invitation:
    """Invite someone to the company. A pending invitation to the same
    address is replaced (its link stops working)."""
    email = email.strip().lower()
    person = canonical_email(email)
    members = company.memberships.values_list("user__email", flat=True)
    if any(canonical_email(member) == person for member in members):
        raise ValidationError(_("This person is already a member of the company."))
    pending = company.invitations.filter(accepted_at__isnull=True).only("pk", "email")
    replaced = [
        invitation.pk for invitation in pending if canonical_email(invitation.email) == person
    ]
    Invitation.objects.filter(pk__in=replaced).delete()
    invitation = Invitation.objects.create(
        company=company, email=email, role=role, invited_by=invited_by
    )
    tasks.send_invitation.delay_on_commit(invitation.pk)
    return invitation


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link names, if it can still be accepted. Raises
    :class:`~common.signed_links.LinkError`."""
    invitation = row_from_token(
        Invitation.objects.select_related("company"),
        token,
        salt=INVITATION_SALT,
        max_age=timedelta(days=settings.DIRECTORY_INVITATION_MAX_AGE_DAYS),
        invalid=_("This invitation link is not valid."),
        expired=_("This invitation has expired. Ask for a new one."),
        revoked=_("This invitation was withdrawn or replaced."),
    )
    if invitation.accepted_at is not None:
        raise LinkError(_("This invitation has already been used."))
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: AbstractBaseUser) -> Membership:
    """Join the company. The account must be the invited address: the link
    alone does not give a company to whoever holds it."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise LinkError(_("This invitation has already been used."))
    if user.email.lower() != invitation.email:
        raise LinkError(
            _("This invitation was sent to %(email)s: log in with that address to accept it.")
            % {"email": invitation.email}
        )
    membership, _created = Membership.objects.get_or_create(
        company=invitation.company, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove someone from a company; the last owner cannot go."""
    owners = list(
        Membership.objects.select_for_update()
        .filter(company_id=membership.company_id, role=MembershipRole.OWNER)
        .values_list("pk", flat=True)
    )
    if owners == [membership.pk]:
        raise ValidationError(_("A company always keeps at least one owner."))
    membership.delete()


# --- Quote requests ----------------------------------------------------------------

QUOTE_SALT = "directory.quote-request"
DUPLICATE_WINDOW = timedelta(hours=24)


def quote_fingerprint(need: str) -> str:
    return hashlib.sha256(normalize(need).encode()).hexdigest()


def quote_confirmation_token(quote: QuoteRequest) -> str:
    return make_token(QUOTE_SALT, quote.pk, quote.nonce)


@transaction.atomic
def quote_request_create(
    *, company: Company, requester: AbstractBaseUser | None, fields: dict
) -> QuoteRequest:
    """Record a quote request. From a verified account it goes straight to
    the company; otherwise it waits for its e-mail to be confirmed.

    The same person sending the same text to the same company within 24
    hours is refused: a double click or a bot, never a new need.
    """
    email = (requester.email if requester else fields["email"]).strip().lower()
    fingerprint = quote_fingerprint(fields["need"])
    since = timezone.now() - DUPLICATE_WINDOW
    # The same need to the same company in the window: a handful of rows,
    # compared by person in Python (one mailbox, many spellings).
    person = canonical_email(email)
    same_need = company.quote_requests.filter(fingerprint=fingerprint, created_at__gte=since)
    if any(
        (requester is not None and quote.requester_id == requester.pk)
        or canonical_email(quote.email) == person
        for quote in same_need.only("pk", "email", "requester_id")
    ):
        raise ValidationError(
            _("You already sent this request to this company in the last 24 hours.")
        )
    confirmed = requester is not None
    quote = QuoteRequest(
        company=company,
        requester=requester,
        fingerprint=fingerprint,
        status=QuoteStatus.NEW if confirmed else QuoteStatus.UNCONFIRMED,
        confirmed_at=timezone.now() if confirmed else None,
        **{**fields, "email": email},
    )
    quote.full_clean()
    quote.save()
    if confirmed:
        tasks.notify_company_of_quote_request.delay_on_commit(quote.pk)
    else:
        tasks.send_quote_confirmation.delay_on_commit(quote.pk)
    return quote


@transaction.atomic
def quote_request_confirm(*, token: str) -> QuoteRequest:
    """The requester clicked the link of the confirmation e-mail."""
    quote = row_from_token(
        QuoteRequest.objects.all(),
        token,
        salt=QUOTE_SALT,
        max_age=timedelta(hours=settings.QUOTE_CONFIRMATION_MAX_AGE_HOURS),
        invalid=_("This confirmation link is not valid."),
        expired=_("This link has expired: please send your request again."),
    )
    # A conditional update claims the row: two clicks confirm once.
    claimed = QuoteRequest.objects.filter(pk=quote.pk, status=QuoteStatus.UNCONFIRMED).update(
        status=QuoteStatus.NEW, confirmed_at=timezone.now()
    )
    if claimed:
        tasks.notify_company_of_quote_request.delay_on_commit(quote.pk)
    return quote


def quote_request_mark_read(*, quote: QuoteRequest) -> None:
    QuoteRequest.objects.filter(pk=quote.pk, status=QuoteStatus.NEW).update(status=QuoteStatus.READ)


@transaction.atomic
def quote_reply_create(*, quote: QuoteRequest, author: AbstractBaseUser, body: str) -> QuoteReply:
    if quote.anonymised_at is not None:
        raise ValidationError(_("The requester deleted their account: they cannot be answered."))
    reply = QuoteReply(quote_request=quote, author=author, body=body)
    reply.full_clean()
    reply.save()
    QuoteRequest.objects.filter(pk=quote.pk).exclude(status=QuoteStatus.CLOSED).update(
        status=QuoteStatus.ANSWERED
    )
    tasks.send_quote_reply.delay_on_commit(reply.pk)
    return reply


def quote_request_set_status(*, quote: QuoteRequest, status: str) -> None:
    if status not in (QuoteStatus.READ, QuoteStatus.ANSWERED, QuoteStatus.CLOSED):
        raise ValidationError(_("This status cannot be set by hand."))
    QuoteRequest.objects.filter(pk=quote.pk).update(status=status)


def quote_requests_purge_unconfirmed() -> int:
    """Delete anonymous requests never confirmed: they hold an e-mail
    address nobody proved. Returns how many."""
    limit = timezone.now() - timedelta(hours=settings.QUOTE_CONFIRMATION_MAX_AGE_HOURS)
    deleted, _by_model = QuoteRequest.objects.filter(
        status=QuoteStatus.UNCONFIRMED, created_at__lt=limit
    ).delete()
    return deleted


# --- Accounts ----------------------------------------------------------------------


@transaction.atomic
def user_delete(*, user: AbstractBaseUser) -> None:
    """Delete an account and its personal data. Quote requests stay with the
    companies for their records, anonymised; a last owner must first hand
    the company over."""
    for membership in user.memberships.select_related("company"):
        if membership.is_owner and owners_of(membership.company).count() == 1:
            raise ValidationError(
                _("You are the only owner of %(company)s: invite another owner first.")
                % {"company": membership.company.trade_name}
            )
    QuoteRequest.objects.filter(Q(requester=user) | Q(email__iexact=user.email)).update(
        requester=None,
        name="",
        email="",
        phone="",
        need=_("[deleted at the requester's request]"),
        anonymised_at=timezone.now(),
    )
    user.delete()


def _reviews_written_by(user: AbstractBaseUser):
    # Imported here: reviews depends on directory, not the reverse.
    from reviews.models import Review

    return Review.objects.filter(author_email__iexact=user.email).select_related("company")


def user_data_export(*, user: AbstractBaseUser) -> dict:
    """Everything the platform holds about a person, as JSON-ready data."""
    quotes = QuoteRequest.objects.filter(requester=user).select_related("company")
    return {
        "account": {
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user)
            ],
        },
        "memberships": [
            {"company": m.company.trade_name, "siren": m.company.siren, "role": m.role}
            for m in user.memberships.select_related("company")
        ],
        "reviews": [
            {
                "company": review.company.trade_name,
                "rating": review.rating,
                "title": review.title,
                "text": review.text,
                "author_name": review.author_name,
                "status": review.status,
                "created_at": review.created_at.isoformat(),
            }
            for review in _reviews_written_by(user)
        ],
        "quote_requests": [
            {
                "company": quote.company.trade_name,
                "created_at": quote.created_at.isoformat(),
                "status": quote.status,
                "name": quote.name,
                "email": quote.email,
                "phone": quote.phone,
                "need": quote.need,
                "postal_code": quote.postal_code,
                "city": quote.city,
                "timeframe": quote.timeframe,
                "budget": quote.budget,
                "contact_preference": quote.contact_preference,
                "answers": [
                    {"created_at": reply.created_at.isoformat(), "body": reply.body}
                    for reply in quote.replies.all()
                ],
            }
            for quote in quotes.prefetch_related("replies")
        ],
    }


# --- Staff ------------------------------------------------------------------------

# The staff teams and what each may do (app_label.codename). Later apps
# add their own permissions here.
STAFF_GROUPS = {
    "vetting": [
        "eligibility.vet_application",
        "directory.view_company",
        "directory.change_company",
        "directory.view_certification",
        "directory.view_membership",
    ],
    "moderation": [
        "reviews.moderate_review",
        "reviews.view_review",
        "reviews.view_invoice",
        "directory.view_company",
        "directory.view_quoterequest",
    ],
    "sales": [
        "directory.view_company",
    ],
}


def staff_groups_ensure() -> None:
    """Create the staff groups with exactly their permissions. Idempotent;
    runs after every migrate."""
    for name, codes in STAFF_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.none()
        for code in codes:
            app_label, codename = code.split(".")
            permissions |= Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            )
        group.permissions.set(permissions)
