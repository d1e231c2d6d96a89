from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.company_numbers import siren_in, validate_siren
from common.models import new_nonce, private_storage, private_upload_to
from common.text import normalize
from common.validators import (
    DOCUMENT_EXTENSIONS,
    IMAGE_EXTENSIONS,
    validate_document,
    validate_image,
    validate_year_founded,
)


class Bilingual(models.Model):
    """A row named in French and English; ``name`` follows the active language."""

    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_fr

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "fr").startswith("en") else self.name_fr

    @property
    def description(self) -> str:
        if (get_language() or "fr").startswith("en"):
            return self.description_en or self.description_fr
        return self.description_fr


class Sector(Bilingual):
    slug = models.SlugField(unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name_fr"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def get_absolute_url(self) -> str:
        return reverse("directory:sector", args=[self.slug])


class EligibilityCategory(models.TextChoices):
    INCLUDED = "included", _("Included")
    EXCLUDED = "excluded", _("Excluded (not suited to the platform)")
    EXCEPTION = "exception", _("Exception (exceptional event)")


class ProfessionQuerySet(models.QuerySet):
    def public(self) -> ProfessionQuerySet:
        """Trades the directory shows (excluded trades only feed eligibility)."""
        return self.exclude(eligibility_category=EligibilityCategory.EXCLUDED)

    def popular(self) -> ProfessionQuerySet:
        return self.public().filter(listed_company_count__gt=0).order_by("-listed_company_count")


class Profession(Bilingual):
    """A trade (métier). Synonyms are what people type: "nounou", "chauffagiste"."""

    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="professions", verbose_name=_("sector")
    )
    slug = models.SlugField(unique=True)
    synonyms = models.JSONField(_("synonyms and keywords"), default=list, blank=True)
    is_trust_profession = models.BooleanField(
        _("trust profession"),
        default=False,
        help_text=_("The client entrusts a person with their home, children or health."),
    )
    eligibility_category = models.CharField(
        _("eligibility category"),
        max_length=10,
        choices=EligibilityCategory.choices,
        default=EligibilityCategory.INCLUDED,
    )
    # Denormalised by directory.tasks.refresh_profession_counts: the home
    # page must not count a million companies on every visit.
    listed_company_count = models.PositiveIntegerField(default=0, editable=False)

    objects = ProfessionQuerySet.as_manager()

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("profession")
        verbose_name_plural = _("professions")
        constraints = [
            models.CheckConstraint(
                condition=Q(eligibility_category__in=EligibilityCategory.values),
                name="profession_eligibility_category_valid",
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("directory:profession", args=[self.slug])

    def search_terms(self) -> list[str]:
        """Normalised names and synonyms that designate this trade."""
        terms = [self.name_fr, self.name_en, *self.synonyms]
        return list(dict.fromkeys(t for t in map(normalize, terms) if t))


# Paris, Lyon and Marseille (INSEE codes): communes divided into municipal
# arrondissements (75101–75120, 69381–69389, 13201–13216).
PLM_COMMUNES = ("75056", "69123", "13055")


class PlaceKind(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    MUNICIPAL_ARRONDISSEMENT = "arrondissement", _("Municipal arrondissement")


class Place(models.Model):
    """A current commune of France (overseas included) or a municipal
    arrondissement of Paris, Lyon or Marseille, from the official
    geographic code (``load_places``)."""

    insee_code = models.CharField(_("INSEE code"), max_length=5, unique=True)
    kind = models.CharField(
        _("kind"), max_length=14, choices=PlaceKind.choices, default=PlaceKind.COMMUNE
    )
    # An arrondissement belongs to its commune (Paris 15e → Paris).
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="arrondissements",
        verbose_name=_("commune"),
    )
    name = models.CharField(_("name"), max_length=150)
    search_name = models.CharField(max_length=150, db_index=True, editable=False)
    department_code = models.CharField(_("département"), max_length=3)
    # The town hall, else a point inside the commune's outline.
    latitude = models.FloatField()
    longitude = models.FloatField()
    population = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-population", "name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        indexes = [
            models.Index(fields=["department_code", "-population"], name="place_department_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PlaceKind.values), name="place_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=PlaceKind.COMMUNE, parent__isnull=True)
                | Q(kind=PlaceKind.MUNICIPAL_ARRONDISSEMENT, parent__isnull=False),
                name="place_arrondissement_has_commune",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The unambiguous form used by autocomplete: ``"Saint-Denis (974)"``."""
        return f"{self.name} ({self.department_code})"


class PlaceNameKind(models.TextChoices):
    OFFICIAL = "official", _("Official name")
    DELEGATED = "delegated", _("Delegated commune")
    ASSOCIATED = "associated", _("Associated commune")
    FORMER = "former", _("Former commune or locality")


class PlaceName(models.Model):
    """Every name a place answers to: its official name (with and without
    its article), its delegated and associated communes, and former
    communes or localities inside it ("Évry" → Évry-Courcouronnes)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=150)
    search_name = models.CharField(max_length=150, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PlaceNameKind.choices)
    # The population of what the name designates (a delegated commune's own
    # population): among homonyms, the most populous is the likeliest.
    population = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("place name")
        verbose_name_plural = _("place names")
        constraints = [
            models.UniqueConstraint(fields=["place", "search_name"], name="place_name_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=PlaceNameKind.values), name="place_name_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PostalCode(models.Model):
    """One line of La Poste's table: a code serves one or several places,
    and may cross département lines (33220: Gironde and Dordogne)."""

    code = models.CharField(_("postal code"), max_length=5, db_index=True)
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="postal_codes")

    class Meta:
        verbose_name = _("postal code")
        verbose_name_plural = _("postal codes")
        constraints = [
            models.UniqueConstraint(fields=["code", "place"], name="postal_code_place_unique"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{5}$"), name="postal_code_five_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CompanyStatus(models.TextChoices):
    PENDING = "pending", _("Pending vetting")
    LISTED = "listed", _("Listed")
    SUSPENDED = "suspended", _("Suspended")


# Company fields that search reads from CompanyProfession, where they are
# copied so that a single index answers "this trade, listed, near here".
SEARCH_KEYS = frozenset(
    {
        "primary_profession",
        "primary_profession_id",
        "status",
        "latitude",
        "longitude",
        "intervention_radius_km",
        "serves_consumers",
        "serves_businesses",
        "trust_score",
    }
)


class CompanyQuerySet(models.QuerySet):
    def listed(self) -> CompanyQuerySet:
        """The only companies the public ever sees."""
        return self.filter(status=CompanyStatus.LISTED)

    def lookup(self, text: str) -> CompanyQuerySet:
        """Staff find a company by SIREN (or SIRET, spaced or dotted) or by
        part of its names."""
        siren = siren_in(text)
        return self.filter(
            (Q(siren=siren) if siren else Q(pk__in=[]))
            | Q(trade_name__icontains=text)
            | Q(legal_name__icontains=text)
        )

    def update(self, **kwargs) -> int:
        """A bulk update of search keys refreshes their copies too."""
        if not SEARCH_KEYS & kwargs.keys():
            return super().update(**kwargs)
        company_ids = list(self.values_list("pk", flat=True))
        updated = super().update(**kwargs)
        CompanyProfession.objects.sync_search_keys(company_ids)
        return updated

    update.alters_data = True


QUOTE_NEED_MAX_LENGTH = 3000


def company_upload_to(instance: Company | CompanyPhoto, filename: str) -> str:
    """A random name under the company's folder: never guessable, never clobbered."""
    company = instance if isinstance(instance, Company) else instance.company
    extension = Path(filename).suffix.lower()
    return f"companies/{company.slug}/{uuid.uuid4().hex}{extension}"


class Company(models.Model):
    legal_name = models.CharField(_("legal name"), max_length=200)
    trade_name = models.CharField(_("trade name"), max_length=200)
    siren = models.CharField("SIREN", max_length=9, unique=True, validators=[validate_siren])
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    primary_profession = models.ForeignKey(
        Profession,
        on_delete=models.PROTECT,
        related_name="primary_companies",
        verbose_name=_("primary profession"),
    )
    # Every trade of the company, the primary one included: search filters
    # on this table alone.
    professions = models.ManyToManyField(
        Profession,
        through="CompanyProfession",
        related_name="companies",
        verbose_name=_("professions"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(
        _("postal code"),
        max_length=5,
        validators=[RegexValidator(r"^\d{5}$", _("Enter a five-digit postal code."))],
    )
    city = models.CharField(_("city"), max_length=150)
    place = models.ForeignKey(
        Place, on_delete=models.SET_NULL, null=True, blank=True, related_name="companies"
    )
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    intervention_radius_km = models.PositiveSmallIntegerField(
        _("intervention radius (km)"),
        default=30,
        validators=[
            MinValueValidator(1),
            MaxValueValidator(settings.DIRECTORY_MAX_INTERVENTION_RADIUS_KM),
        ],
    )
    serves_consumers = models.BooleanField(_("serves households (B2C)"), default=True)
    serves_businesses = models.BooleanField(_("serves companies (B2B)"), default=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    year_founded = models.PositiveSmallIntegerField(
        _("year founded"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), validate_year_founded],
    )
    logo = models.ImageField(
        _("logo"),
        upload_to=company_upload_to,
        blank=True,
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_image],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CompanyStatus.choices, default=CompanyStatus.PENDING
    )
    # Normal form of the trade and legal names (common.text.normalize),
    # searched with an index instead of case-folding a million rows.
    search_name = models.CharField(max_length=400, editable=False)
    # Published verified reviews, kept by reviews.services; trust_score is
    # directory.ranking.trust() of them (neutral without reviews).
    review_count = models.PositiveIntegerField(default=0, editable=False)
    rating_average = models.FloatField(null=True, blank=True, editable=False)
    trust_score = models.FloatField(default=0.5, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["trade_name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [
            models.CheckConstraint(
                condition=Q(siren__regex=r"^[0-9]{9}$"), name="company_siren_nine_digits"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CompanyStatus.values), name="company_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    intervention_radius_km__gte=1,
                    intervention_radius_km__lte=settings.DIRECTORY_MAX_INTERVENTION_RADIUS_KM,
                ),
                name="company_intervention_radius_range",
            ),
            models.CheckConstraint(
                condition=Q(serves_consumers=True) | Q(serves_businesses=True),
                name="company_serves_someone",
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="company_coordinates_range",
            ),
        ]

    def __str__(self) -> str:
        return self.trade_name

    def save(self, *args, **kwargs) -> None:
        # Derived data kept in step on every write path (admin, services,
        # shell): the normalised name, and the search keys copied on the
        # company's trades (see CompanyProfession). Bulk loaders write both
        # themselves.
        self.search_name = self.compute_search_name(self.trade_name, self.legal_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)
        CompanyProfession.objects.bulk_create(
            [CompanyProfession(company=self, profession_id=self.primary_profession_id)],
            ignore_conflicts=True,
        )
        CompanyProfession.objects.sync_search_keys([self.pk])

    def get_absolute_url(self) -> str:
        return reverse("directory:company", args=[self.slug])

    @staticmethod
    def compute_search_name(trade_name: str, legal_name: str) -> str:
        trade, legal = normalize(trade_name), normalize(legal_name)
        return trade if legal in ("", trade) else f"{trade} {legal}"

    def schema_org(self, url: str) -> dict[str, object]:
        """schema.org ``LocalBusiness`` description of the public page."""
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "LocalBusiness",
            "@id": url,
            "url": url,
            "name": self.trade_name,
            "legalName": self.legal_name,
            "description": self.description,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": self.address,
                "postalCode": self.postal_code,
                "addressLocality": self.city,
                "addressCountry": "FR",
            },
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": self.latitude,
                "longitude": self.longitude,
            },
            "areaServed": {
                "@type": "GeoCircle",
                "geoMidpoint": {
                    "@type": "GeoCoordinates",
                    "latitude": self.latitude,
                    "longitude": self.longitude,
                },
                "geoRadius": self.intervention_radius_km * 1000,
            },
            "identifier": {"@type": "PropertyValue", "propertyID": "SIREN", "value": self.siren},
        }
        if self.phone:
            data["telephone"] = self.phone
        if self.email:
            data["email"] = self.email
        if self.website:
            data["sameAs"] = [self.website]
        if self.year_founded:
            data["foundingDate"] = str(self.year_founded)
        if self.review_count:
            data["aggregateRating"] = {
                "@type": "AggregateRating",
                "ratingValue": round(self.rating_average, 2),
                "reviewCount": self.review_count,
                "bestRating": 5,
                "worstRating": 1,
            }
        return data

    @property
    def is_public(self) -> bool:
        return self.status == CompanyStatus.LISTED

    @property
    def audience_label(self) -> str:
        if self.serves_consumers and self.serves_businesses:
            return _("Households and companies")
        return _("Households") if self.serves_consumers else _("Companies")


class CompanyProfessionQuerySet(models.QuerySet):
    def sync_search_keys(self, company_ids: list[int] | None = None) -> int:
        """Copy the companies' search keys onto their trades, in one UPDATE."""
        links = self if company_ids is None else self.filter(company_id__in=company_ids)
        company = Company.objects.filter(pk=OuterRef("company_id"))
        return links.update(
            is_primary=Exists(company.filter(primary_profession_id=OuterRef("profession_id"))),
            is_listed=Exists(company.filter(status=CompanyStatus.LISTED)),
            **{
                key: Subquery(company.values(key)[:1])
                for key in (
                    "latitude",
                    "longitude",
                    "intervention_radius_km",
                    "serves_consumers",
                    "serves_businesses",
                    "trust_score",
                )
            },
        )

    sync_search_keys.alters_data = True


class CompanyProfession(models.Model):
    """A trade of a company — and the row search reads.

    Besides the link, each row carries a copy of the company's search keys
    (``SEARCH_KEYS``: listed or not, position, reach, clients). One index
    then answers "electricians, listed, whose reach covers Lyon" without
    touching the companies table: at a million companies that is about a
    millisecond instead of a hundred. ``Company.save()``,
    ``CompanyQuerySet.update()`` and the trade services keep the copies in
    step; bulk loaders write them directly.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="trade_links")
    # The unique (profession, company) index below serves look-ups by trade.
    profession = models.ForeignKey(Profession, on_delete=models.PROTECT, db_index=False)
    is_primary = models.BooleanField(default=False)
    is_listed = models.BooleanField(default=False)
    latitude = models.FloatField(default=0)
    longitude = models.FloatField(default=0)
    intervention_radius_km = models.PositiveSmallIntegerField(default=0)
    serves_consumers = models.BooleanField(default=False)
    serves_businesses = models.BooleanField(default=False)
    trust_score = models.FloatField(default=0.5)

    objects = CompanyProfessionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profession", "company"], name="company_profession_unique"
            ),
        ]
        indexes = [
            # Trade near a place: equality on the trade, range on latitude,
            # then every column the filter and ranking read (index-only).
            models.Index(
                fields=[
                    "profession",
                    "latitude",
                    "longitude",
                    "intervention_radius_km",
                    "company",
                    "is_primary",
                    "trust_score",
                ],
                condition=Q(is_listed=True),
                name="trade_search_idx",
            ),
            # A place without a trade: one row per company, its primary trade.
            models.Index(
                fields=[
                    "latitude",
                    "longitude",
                    "intervention_radius_km",
                    "company",
                    "trust_score",
                ],
                condition=Q(is_listed=True, is_primary=True),
                name="place_search_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} → {self.profession_id}"

    @classmethod
    def for_company(cls, company: Company, profession_id: int) -> CompanyProfession:
        """A trade row with the company's search keys, for bulk inserts."""
        return cls(
            company_id=company.pk,
            profession_id=profession_id,
            is_primary=profession_id == company.primary_profession_id,
            is_listed=company.status == CompanyStatus.LISTED,
            latitude=company.latitude,
            longitude=company.longitude,
            intervention_radius_km=company.intervention_radius_km,
            serves_consumers=company.serves_consumers,
            serves_businesses=company.serves_businesses,
            trust_score=company.trust_score,
        )


class CompanyPhoto(models.Model):
    """A gallery photo, re-encoded on upload (common.images)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("photo"),
        upload_to=company_upload_to,
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_image],
    )
    thumbnail = models.ImageField(upload_to=company_upload_to, blank=True, editable=False)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.caption or f"{self.company} #{self.position}"


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    """A person working for a company on the platform: the pro space is
    theirs for this company. A company always keeps at least one owner
    (directory.services)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company", "created_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.role})"

    @property
    def is_owner(self) -> bool:
        return self.role == MembershipRole.OWNER


class Invitation(models.Model):
    """An owner's invitation to join a company, sent by e-mail.

    The link carries a signed, expiring token naming this row and its
    nonce; accepting sets ``accepted_at``, so a link works once. A new
    invitation to the same address replaces the pending one.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"


class CertificationKind(models.TextChoices):
    RGE = "rge", "RGE"
    QUALIBAT = "qualibat", "Qualibat"
    QUALIFELEC = "qualifelec", "Qualifelec"
    QUALIPAC = "qualipac", "QualiPAC"
    DECENNIALE = "decennale", _("Ten-year liability insurance (décennale)")
    RC_PRO = "rc_pro", _("Professional liability insurance")
    OTHER = "other", _("Other label or certification")


class CertificationQuerySet(models.QuerySet):
    def valid(self, on=None) -> CertificationQuerySet:
        """Not expired on the given date (today by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))


class Certification(models.Model):
    """A label, qualification or insurance a pro declares; its proof is a
    private file, and an expired one is no longer shown as valid."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(_("type"), max_length=20, choices=CertificationKind.choices)
    label = models.CharField(_("name or details"), max_length=150, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    proof = models.FileField(
        _("proof document"),
        upload_to=private_upload_to,
        storage=private_storage,
        blank=True,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS), validate_document],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "label"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")

    def __str__(self) -> str:
        return self.label or self.get_kind_display()

    @property
    def display_name(self) -> str:
        if self.kind == CertificationKind.OTHER:
            return self.label
        kind = self.get_kind_display()
        return f"{kind} – {self.label}" if self.label else kind

    @property
    def is_valid(self) -> bool:
        return self.expires_on is None or self.expires_on >= timezone.localdate()


class QuoteStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Awaiting e-mail confirmation")
    NEW = "new", _("New")
    READ = "read", _("Read")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class QuoteTimeframe(models.TextChoices):
    URGENT = "urgent", _("As soon as possible")
    MONTH = "month", _("Within a month")
    QUARTER = "quarter", _("Within three months")
    LATER = "later", _("Later, no rush")


class QuoteBudget(models.TextChoices):
    UNKNOWN = "unknown", _("I don't know yet")
    UNDER_1000 = "lt1000", _("Under €1,000")
    UP_TO_5000 = "1000-5000", _("€1,000 to €5,000")
    UP_TO_20000 = "5000-20000", _("€5,000 to €20,000")
    OVER_20000 = "gt20000", _("Over €20,000")


class ContactPreference(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")


class QuoteRequestQuerySet(models.QuerySet):
    def visible_to_company(self) -> QuoteRequestQuerySet:
        """Requests a company sees: confirmed ones."""
        return self.exclude(status=QuoteStatus.UNCONFIRMED)


class QuoteRequest(models.Model):
    """A consumer's request for a quote (demande de devis) to one company.

    Private: only its requester, the company's members and staff read it.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="quote_requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quote_requests",
    )
    name = models.CharField(_("your name"), max_length=120)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    need = models.TextField(_("your need"), max_length=QUOTE_NEED_MAX_LENGTH)
    profession = models.ForeignKey(
        Profession, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("trade")
    )
    postal_code = models.CharField(_("postal code"), max_length=5)
    city = models.CharField(_("city"), max_length=150)
    timeframe = models.CharField(_("timeframe"), max_length=10, choices=QuoteTimeframe.choices)
    budget = models.CharField(_("budget"), max_length=12, choices=QuoteBudget.choices)
    contact_preference = models.CharField(
        _("preferred contact"), max_length=5, choices=ContactPreference.choices
    )
    status = models.CharField(
        _("status"), max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.NEW
    )
    # Normal form of the need, to spot the same request sent twice.
    fingerprint = models.CharField(max_length=64, editable=False, db_index=True)
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = QuoteRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("quote request")
        verbose_name_plural = _("quote requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=QuoteStatus.values), name="quote_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} → {self.company}"


class QuoteReply(models.Model):
    """A member's answer, e-mailed to the requester."""

    quote_request = models.ForeignKey(
        QuoteRequest, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("answer"), max_length=QUOTE_NEED_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"reply #{self.pk} to {self.quote_request_id}"
