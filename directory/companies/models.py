"""Companies, their trades, photos and certifications.

A company's search keys (listed or not, position, reach, clients) are
copied on its trade rows (``CompanyProfession``) so that one index answers
"this trade, listed, near here"; :func:`directory.companies.services.company_search_keys_sync`
keeps the copies in step."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import connection, models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.company_numbers import siren_in, validate_siren
from common.files import stored_file_name
from common.models import private_storage, private_upload_to
from common.text import normalize
from common.validators import (
    DOCUMENT_EXTENSIONS,
    IMAGE_EXTENSIONS,
    validate_document,
    validate_image,
    validate_public_website,
    validate_year_founded,
)
from directory.places.models import Place
from directory.taxonomy.models import Profession


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


def company_upload_to(instance: Company | CompanyPhoto, filename: str) -> str:
    """A random name under the company's folder: never guessable, never clobbered."""
    company = instance if isinstance(instance, Company) else instance.company
    return stored_file_name(f"companies/{company.slug}", filename)


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
    # Shown to the public as a link: http(s) on the Internet only.
    website = models.URLField(_("website"), blank=True, validators=[validate_public_website])
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
    # directory.search.ranking.trust() of them (neutral without reviews).
    review_count = models.PositiveIntegerField(default=0, editable=False)
    rating_average = models.FloatField(null=True, blank=True, editable=False)
    trust_score = models.FloatField(default=0.5, editable=False)
    # The whole loyalty score / 100 of a scored company, written nightly by
    # loyalty.recompute; NULL until it is scored, which ranking reads as
    # neutral (directory.search.ranking.trust_of_columns).
    loyalty_score = models.FloatField(null=True, blank=True, editable=False)
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
        # The normalised name is derived from this row's own columns, on
        # every write path. Other tables (the trade rows' copies of the
        # search keys) are written by the services, never here.
        self.search_name = self.compute_search_name(self.trade_name, self.legal_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

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


# The search keys copied as they are from the company onto its trade rows
# (is_primary and is_listed are derived: see sync_search_keys).
COPIED_SEARCH_KEYS = (
    "latitude",
    "longitude",
    "intervention_radius_km",
    "serves_consumers",
    "serves_businesses",
    "trust_score",
)


class CompanyProfessionQuerySet(models.QuerySet):
    def sync_search_keys(self) -> int:
        """Copy the companies' search keys onto these trade rows, in one
        set-based UPDATE that rewrites only the rows whose copy differs
        (a nightly refresh where little changed writes little): the rows
        joined to their companies once (``UPDATE … FROM``, PostgreSQL and
        SQLite alike), not three look-ups of the company per row, which
        took 40 s a night on 1,750,000 rows to write none (``make
        bench-nightly``). Returns the rows updated."""
        links = connection.ops.quote_name(CompanyProfession._meta.db_table)
        companies = connection.ops.quote_name(Company._meta.db_table)
        # A trade row is its company's primary one, listed, and carries
        # the company's keys; a NULL on either side is "differs", as the
        # keys are compared for equality.
        is_primary = "COALESCE(c.primary_profession_id = l.profession_id, FALSE)"
        is_listed = "COALESCE(c.status = %s, FALSE)"
        in_step = " AND ".join(
            [
                f"l.is_primary = {is_primary}",
                f"l.is_listed = {is_listed}",
                *(f"l.{key} = c.{key}" for key in COPIED_SEARCH_KEYS),
            ]
        )
        params: list[object] = [CompanyStatus.LISTED, CompanyStatus.LISTED]
        only = ""
        if self.query.has_filters():
            ids_sql, ids_params = self.order_by().values("id").query.sql_with_params()
            only = f"AND l.id IN ({ids_sql})"
            params.extend(ids_params)
        # Identifiers come from the models, values are parameters. The
        # trade rows are read once, joined to their companies: not joined
        # again to a subquery of themselves (a second hash of every trade
        # row): 1.9 to 2.3 s instead of 2.3 to 2.7 s for 1,750,000 rows in
        # step (bench-nightly's database, 6 runs each).
        sql = f"""
            UPDATE {links} AS l SET is_primary = {is_primary}, is_listed = {is_listed},
                {", ".join(f"{key} = c.{key}" for key in COPIED_SEARCH_KEYS)}
            FROM {companies} c
            WHERE c.id = l.company_id AND NOT COALESCE({in_step}, FALSE) {only}
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.rowcount)

    sync_search_keys.alters_data = True


class CompanyProfession(models.Model):
    """A trade of a company — and the row search reads.

    Besides the link, each row carries a copy of the company's search keys
    (``SEARCH_KEYS``: listed or not, position, reach, clients). One index
    then answers "electricians, listed, whose reach covers Lyon" without
    touching the companies table: at a million companies that is about a
    millisecond instead of a hundred. Every service that changes a search
    key calls :func:`directory.companies.services.company_search_keys_sync`;
    bulk loaders write the copies directly.
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
            # A trade anywhere, by relevance: with no place, relevance grows
            # with is_primary and trust_score alone, so the first page is
            # the first rows of this index (no sort of the whole trade).
            models.Index(
                fields=["profession", "-is_primary", "-trust_score", "company"],
                condition=Q(is_listed=True),
                name="trade_rank_idx",
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
