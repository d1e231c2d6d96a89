"""Verified reviews: every review is tied to an invoice carrying the
client's name, and can be audited against it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
)
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.control_characters import validate_visible_text
from common.email_addresses import canonical_email
from common.file_imports import ColumnMapping, FileImportJob
from common.models import (
    AuditScanBase,
    AuditStatus,
    DocumentAudit,
    GuardedQuerySet,
    StatusEvent,
    WriteOnceModel,
    new_nonce,
    private_storage,
    private_upload_to,
)
from common.text import normalize
from common.transitions import Transitions
from common.validators import DOCUMENT_EXTENSIONS, validate_document, validate_person_name
from directory.models import Company

from .names import CIVILITY_TITLES

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
REVIEW_TEXT_MIN = 50
REVIEW_TEXT_MAX = 5000


class InvitationPolicy(models.TextChoices):
    ALL = "all", _("Invite the client of every invoice")
    MIN_AMOUNT = "min_amount", _("Invite the clients of invoices above an amount")


class ReviewSettings(models.Model):
    """A company's invitation rule. Only objective rules exist: a company
    cannot pick which clients are asked."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="review_settings"
    )
    policy = models.CharField(
        _("who is invited"),
        max_length=12,
        choices=InvitationPolicy.choices,
        default=InvitationPolicy.ALL,
    )
    min_amount = models.DecimalField(
        _("minimum amount (€)"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")

    def __str__(self) -> str:
        return f"{self.company}: {self.policy}"

    def invites(self, invoice: Invoice) -> bool:
        if self.policy == InvitationPolicy.MIN_AMOUNT and self.min_amount is not None:
            return invoice.amount is not None and invoice.amount >= self.min_amount
        return True

    @property
    def needs_amount(self) -> bool:
        """The rule compares amounts: an invoice must then give its amount
        (form and import refuse one without). Otherwise the amount is
        optional: data minimisation, nothing needs it."""
        return self.policy == InvitationPolicy.MIN_AMOUNT and self.min_amount is not None


class InvoiceSource(models.TextChoices):
    FORM = "form", _("Form")
    CSV = "csv", _("CSV import")
    API = "api", _("Partner API")


INVOICE_NUMBER_TAKEN = _("This invoice number is already registered.")
INVOICE_NUMBER_TAKEN_CODE = "invoice_number_taken"


class Invoice(models.Model):
    """The proof: an invoice of the company naming its client. Client data
    is personal: never public, never logged."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invoices")
    # As typed; compared without case or surrounding spaces (an identifier:
    # "F-001" and "f-001" are one invoice), see Meta.constraints.
    number = models.CharField(
        _("invoice number"), max_length=50, validators=[validate_visible_text]
    )
    issued_on = models.DateField(_("invoice date"))
    # Optional unless the company's invitation rule compares amounts
    # (ReviewSettings.needs_amount): data minimisation.
    amount = models.DecimalField(
        _("amount incl. tax (€)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    client_name = models.CharField(
        _("client name"),
        max_length=150,
        help_text=_("As written on the invoice; for a company, the contact's name."),
        validators=[validate_person_name],
    )
    client_company = models.CharField(_("client company (B2B)"), max_length=150, blank=True)
    client_email = models.EmailField(_("client e-mail"))
    # The client's identity across invoices (common.email_addresses.canonical_email):
    # returning clients of the loyalty score, requests matched by address.
    # client_email stays the address to write to. Text, not 254 characters:
    # an IDN domain grows when written in ASCII (a valid 244-character
    # address of one-letter labels becomes 964 characters).
    client_email_canonical = models.TextField(editable=False, default="")
    client_phone = models.CharField(_("client phone"), max_length=20, blank=True)
    scan = models.FileField(
        _("scan of the invoice"),
        upload_to=private_upload_to,
        storage=private_storage,
        blank=True,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS), validate_document],
    )
    source = models.CharField(max_length=5, choices=InvoiceSource.choices, default="form")
    # When the retention job erased the client's name, company, e-mail,
    # phone and scan (reviews.services.retention); the invoice's number,
    # date and amount stay for the company's figures.
    client_data_erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            # An invoice number is an identifier: "F-001" and "f-001" are
            # one invoice (services.invoices.invoice_number_registered).
            models.UniqueConstraint(
                "company",
                Lower("number"),
                name="invoice_number_unique_ci",
                violation_error_code=INVOICE_NUMBER_TAKEN_CODE,
                violation_error_message=INVOICE_NUMBER_TAKEN,
            ),
        ]
        indexes = [
            models.Index(fields=["company", "client_email_canonical"], name="invoice_client_idx"),
        ]

    def __str__(self) -> str:
        # No client name here: __str__ ends up in logs and admin history.
        return f"{self.company_id}/{self.number}"

    def save(self, *args, **kwargs) -> None:
        # Derived data kept in step on every write path, like
        # Company.search_name; bulk writers set it themselves.
        self.client_email_canonical = canonical_email(self.client_email)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "client_email_canonical"}
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude: Iterable[str] | None = None) -> None:
        """The number's constraint (an expression, which Django files under
        no field) is named by its field, as a unique field's would be: the
        form shows it beside the number, the API names ``number``."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            general = errors.get(NON_FIELD_ERRORS, [])
            taken = [e for e in general if getattr(e, "code", None) == INVOICE_NUMBER_TAKEN_CODE]
            if not taken:
                raise
            rest = [e for e in general if e not in taken]
            if rest:
                errors[NON_FIELD_ERRORS] = rest
            else:
                del errors[NON_FIELD_ERRORS]
            errors.setdefault("number", []).extend(taken)
            raise ValidationError(errors) from error


class ReviewInvitation(models.Model):
    """The platform's invitation to the client of one invoice: a signed,
    single-use link that expires; one reminder; none after an opt-out."""

    invoice = models.OneToOneField(Invoice, on_delete=models.CASCADE, related_name="invitation")
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # The first time the client opened the link while it could be used (the
    # pro dashboard's "opened" count); never changed after.
    opened_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    opted_out_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review invitation")
        verbose_name_plural = _("review invitations")

    def __str__(self) -> str:
        return f"invitation {self.invoice}"

    @property
    def is_open(self) -> bool:
        return (
            self.used_at is None and self.opted_out_at is None and self.expires_at > timezone.now()
        )


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("In moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn by its author")
    UNPUBLISHED = "unpublished", _("Unpublished after a document audit")


# Every allowed move of Review.status, and who makes it; "" is a review not
# saved yet (its first status). The one function that moves a review is
# reviews.services.transitions.review_move; its events are ReviewEvent.
REVIEW_TRANSITIONS = Transitions(
    ReviewStatus,
    {
        # Every automatic check passed, or one sent it to moderation.
        ("", ReviewStatus.PUBLISHED): {"system"},
        ("", ReviewStatus.PENDING): {"system"},
        # Moderation; a published review is rejected after a flag or an appeal.
        (ReviewStatus.PENDING, ReviewStatus.PUBLISHED): {"staff"},
        (ReviewStatus.PENDING, ReviewStatus.REJECTED): {"staff"},
        (ReviewStatus.PUBLISHED, ReviewStatus.REJECTED): {"staff"},
        # The author's appeal upheld (staff), or the author corrected a review
        # refused for a fixable reason and sent it again (author; once per
        # refusal, reviews.services.reviews.review_resubmit).
        (ReviewStatus.REJECTED, ReviewStatus.PENDING): {"staff", "author"},
        # A failed audit: the scan does not match the client (staff's
        # decision). A missed audit never unpublishes (the company's silence
        # proves nothing against the client).
        (ReviewStatus.PUBLISHED, ReviewStatus.UNPUBLISHED): {"staff"},
        # The author's appeal against the unpublishing upheld: back to
        # moderation, then published by the decision.
        (ReviewStatus.UNPUBLISHED, ReviewStatus.PENDING): {"staff"},
        (ReviewStatus.PENDING, ReviewStatus.WITHDRAWN): {"author"},
        (ReviewStatus.PUBLISHED, ReviewStatus.WITHDRAWN): {"author"},
        (ReviewStatus.REJECTED, ReviewStatus.WITHDRAWN): {"author"},
        (ReviewStatus.UNPUBLISHED, ReviewStatus.WITHDRAWN): {"author"},
    },
    message=_("A review cannot go from “%(from)s” to “%(to)s”."),
)


class ModerationCheck(models.TextChoices):
    """The automatic checks that send a review to a moderator, stored by
    code in ``Review.moderation_reasons`` (set by
    ``reviews.services.reviews.moderation_reasons``); the labels are what
    staff read."""

    LINKED_DOMAIN = "linked_domain", _("Author's address at the company's own domain")
    NAME_MISMATCH = "name_mismatch", _("Author's name differs from the invoice")
    CONTACT_DETAILS = "contact_details", _("Contact details in the text")
    DUPLICATE_TEXT = "duplicate_text", _("Same text as another review")
    # The client's surname written out in a public text, where the page
    # shows only its initial ("Monsieur Durand" under "Marc D.").
    PERSONAL_DATA = "personal_data", _("The client's full surname in the text")
    # Linked people (reviews.services.reviews.linked_person_reasons).
    LINKED_PHONE = "linked_phone", _("Author's phone is the company's")
    LINKED_NAME_TOWN = (
        "linked_name_town",
        _("Author has a member's surname and lives in the company's town"),
    )


def moderation_check_label(code: str) -> str:
    """The label of a check's code; an unknown code (a check since
    removed) is shown as it is rather than hidden."""
    try:
        return str(ModerationCheck(code).label)
    except ValueError:
        return code


class NameMatchResult(models.TextChoices):
    MATCH = "match", _("Match")
    PROBABLE = "probable", _("Probable")
    MISMATCH = "mismatch", _("Mismatch")


# The only fields of a submitted review that change afterwards, each moved
# by one service; every other field (ratings, title, text, experience date,
# author's name and e-mail, invoice, company, dates of submission and
# declaration, name match, device hashes…) is written once, on every write
# path: Review.save, ReviewQuerySet.update / bulk_update / bulk_create's
# upsert (and, on PostgreSQL, a trigger for the content). A field added to
# Review is written once until it is listed here, with its reason.
REVIEW_MUTABLE_FIELDS = frozenset(
    {
        # The state machine: reviews.services.transitions.review_move.
        "status",
        "status_changed_at",
        "published_at",
        # The public note of an audit's outcome (reviews.services.audits).
        "status_note",
        # Staff-only results of checks, computed again: the automatic checks
        # on a resubmission, the nightly fraud score (reviews.services.audits).
        "moderation_reasons",
        "fraud_score",
        # A new nonce revokes the author's private links; it is no content.
        "manage_nonce",
        # When what the public sees of it last changed (the API's feed).
        "updated_at",
    }
)

# What the author rewrites when correcting a review refused for a fixable
# reason, through Review.rewrite_text only (reviews.services.reviews.review_resubmit):
# the same invoice, name and e-mail, a new text, ratings and declaration.
REVIEW_RESUBMITTED_FIELDS = (
    "title",
    "text",
    "rating",
    "rating_reliability",
    "rating_quality",
    "rating_value",
    "rating_communication",
    "declared_at",
)


def review_write_once_refused(names: Iterable[str]) -> None:
    """Raises ``ValidationError`` if ``names`` (field names or attnames,
    e.g. ``invoice`` or ``invoice_id``) hold a field written once
    (:data:`REVIEW_MUTABLE_FIELDS`)."""
    protected = sorted(
        {Review._meta.get_field(name).name for name in names} - REVIEW_MUTABLE_FIELDS
    )
    if protected:
        raise ValidationError(
            _("A submitted review cannot be changed (%(fields)s)."),
            params={"fields": ", ".join(protected)},
            code="write_once",
        )


def _same_value(field: models.Field, before: Any, after: Any) -> bool:
    """``before`` and ``after`` store the same value in ``field`` (5 and
    "5" do)."""
    if before == after:
        return True
    try:
        return bool(field.to_python(before) == field.to_python(after))
    except ValidationError:
        return False


class ReviewQuerySet(GuardedQuerySet):
    """Also the base manager's queryset (``Meta.base_manager_name``): a bulk
    write of a field written once raises ``ValidationError``, like
    :meth:`Review.save`."""

    def published(self) -> ReviewQuerySet:
        return self.filter(status=ReviewStatus.PUBLISHED)

    def writes_check(self, names: Iterable[str]) -> None:
        review_write_once_refused(names)

    def anonymise(self, *, now: datetime) -> int:
        """Blank the title, text and author (name, e-mail, domain, device
        hashes) of these reviews not anonymised yet, revoke their private
        links and stamp ``anonymised_at``; their ratings, dates and record
        stay. The one write of content past the write-once guard, and the
        PostgreSQL trigger's one exception (``anonymised_at`` set, content
        blank). One caller: the retention job
        (``reviews.services.retention``). Returns how many."""
        return models.QuerySet.update(
            self.filter(anonymised_at__isnull=True),
            title="",
            text="",
            author_name="",
            author_email="",
            author_domain="",
            ip_hash="",
            user_agent_hash="",
            manage_nonce="",  # its private links stop working
            anonymised_at=now,
        )


class Review(models.Model):
    """A client's review of a company, proven by one invoice.

    Its title and text are written once: neither the company nor staff can
    change them; the author adds dated updates or withdraws it.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="reviews")
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="review")
    rating = models.PositiveSmallIntegerField(_("overall rating"), validators=RATING_VALIDATORS)
    rating_reliability = models.PositiveSmallIntegerField(
        _("reliability and punctuality"), validators=RATING_VALIDATORS
    )
    rating_quality = models.PositiveSmallIntegerField(
        _("quality of work"), validators=RATING_VALIDATORS
    )
    rating_value = models.PositiveSmallIntegerField(
        _("value for money"), validators=RATING_VALIDATORS
    )
    rating_communication = models.PositiveSmallIntegerField(
        _("communication"), validators=RATING_VALIDATORS
    )
    title = models.CharField(_("title"), max_length=120, validators=[MinLengthValidator(5)])
    text = models.TextField(
        _("your review"),
        max_length=REVIEW_TEXT_MAX,
        validators=[MinLengthValidator(REVIEW_TEXT_MIN)],
    )
    experience_date = models.DateField(_("date of the experience"))
    author_name = models.CharField(
        _("your name, as on the invoice"), max_length=150, validators=[validate_person_name]
    )
    author_email = models.EmailField()
    # The domain of author_email unless a public mail provider: compared
    # with the company's by the fraud signals.
    author_domain = models.CharField(max_length=150, blank=True)
    declared_at = models.DateTimeField(
        help_text=_("When the author declared the review describes their own experience.")
    )
    name_match = models.CharField(max_length=10, choices=NameMatchResult.choices)
    name_score = models.FloatField()
    status = models.CharField(
        _("status"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    # Why a review waits for a person: codes of the checks it did not pass.
    moderation_reasons = models.JSONField(default=list, blank=True)
    # Salted hashes, never the raw values: enough to spot many reviews from
    # one device, nothing to identify a person.
    ip_hash = models.CharField(max_length=64, blank=True)
    user_agent_hash = models.CharField(max_length=64, blank=True)
    fraud_score = models.FloatField(default=0)
    # Names the author's link to update or withdraw the review.
    manage_nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    # When it was submitted: set on insert (now, unless demo data or a
    # test gives the past), then written once like the content.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_note = models.CharField(max_length=300, blank=True)
    # When the retention job blanked the title, text and author of a review
    # removed long enough ago (reviews.services.retention); its ratings,
    # dates and history stay for the figures and the record.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When what the public sees of it last changed: its status (published,
    # removed), its audit note, its author's updates, the company's reply.
    # The partner API's feed reads reviews in (updated_at, id) order
    # (reviews.api.ReviewFeed); set by reviews.services.transitions.review_touch.
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        permissions = [("moderate_review", _("Can moderate reviews"))]
        # Related lookups and Model.save's own queries use ReviewQuerySet too.
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="review_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["company", "-published_at"],
                condition=Q(status="published"),
                name="review_published_idx",
            ),
            # The API's feed: published reviews by (updated_at, id), one
            # index range scan from the cursor, whatever the page.
            models.Index(
                fields=["updated_at", "id"],
                condition=Q(status="published"),
                name="review_published_feed_idx",
            ),
            # The night's fraud scores: a company's reviews of the 7 days
            # before each one scored (the burst signal), one range each;
            # with the company alone, every review of a much-reviewed
            # company was read for each of its recent ones (``make
            # bench-nightly``).
            models.Index(fields=["company", "created_at"], name="review_company_created_idx"),
            # ... and the reviews of its 30-day window, read once per signal
            # (111,000 of 2,000,000: a range, not the table).
            models.Index(fields=["created_at"], name="review_created_idx"),
            # The suspicious reviews the night audits (a fraud score from
            # ``FRAUD_AUDIT_THRESHOLD``): the few with any score, not the
            # table — 4.8 s a night for 2,000,000 reviews without it.
            models.Index(
                fields=["fraud_score"], condition=Q(fraud_score__gt=0), name="review_fraud_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of {self.company_id}"

    # Written once, for every write path (admin, shell, services), without
    # a query: the values loaded from the database are remembered (Django's
    # from_db pattern) and compared on save. Every field but
    # REVIEW_MUTABLE_FIELDS; bulk writes are refused by ReviewQuerySet.

    def save(self, *args, **kwargs) -> None:
        """Refuses (``ValidationError``) a field written once other than
        the value loaded, or set while deferred; a new instance given an
        existing row's pk is inserted, never written over that row
        (``IntegrityError``)."""
        if not self._state.adding:
            changed = self._write_once_changed()
            if changed:
                review_write_once_refused(changed)
        elif self.pk is not None:
            kwargs.setdefault("force_insert", True)
        super().save(*args, **kwargs)
        self._remember_stored()

    @classmethod
    def write_once_fields(cls) -> tuple[models.Field, ...]:
        """The concrete fields written once: all but the primary key and
        :data:`REVIEW_MUTABLE_FIELDS`. Computed once per class: every
        loaded review reads it (``from_db``), 50 a feed page."""
        fields = cls.__dict__.get("_write_once_fields")
        if fields is None:
            fields = tuple(
                field
                for field in cls._meta.concrete_fields
                if not field.primary_key and field.name not in REVIEW_MUTABLE_FIELDS
            )
            cls._write_once_fields = fields
        return fields

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_stored(field_names)
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        self._remember_stored(fields)  # also a deferred field loaded on access

    def rewrite_text(self, *, title: str, text: str, declared_at: Any, **ratings: int) -> None:
        """The author's corrected title, text and ratings (``rating``,
        ``rating_reliability``…) and the time of the new declaration,
        accepted by the write-once guard on the next save
        (:data:`REVIEW_RESUBMITTED_FIELDS`). One caller: the resubmission
        of a review refused for a fixable reason
        (``reviews.services.reviews.review_resubmit``); nobody else
        rewrites a review. Raises ``ValueError`` for another field."""
        values = {"title": title, "text": text, "declared_at": declared_at, **ratings}
        unknown = set(values) - set(REVIEW_RESUBMITTED_FIELDS)
        if unknown:
            raise ValueError(f"Not rewritten on a resubmission: {sorted(unknown)}")
        for name, value in values.items():
            setattr(self, name, value)
        self._stored = {**getattr(self, "_stored", {}), **values}

    def _write_once_changed(self) -> list[str]:
        stored, deferred = getattr(self, "_stored", {}), self.get_deferred_fields()
        missing = object()
        changed = []
        for field in self.write_once_fields():
            name = field.attname
            if name in deferred:
                continue
            before, after = stored.get(name, missing), getattr(self, name)
            if before is missing or not _same_value(field, before, after):
                changed.append(name)
        return changed

    def _remember_stored(self, fields=None) -> None:
        loaded = self.__dict__
        names = [
            f.attname
            for f in self.write_once_fields()
            if f.attname in loaded and (fields is None or f.attname in fields or f.name in fields)
        ]
        self._stored = {**getattr(self, "_stored", {}), **{n: loaded[n] for n in names}}

    @property
    def moderation_reason_labels(self) -> list[str]:
        """Why it waits for a moderator, in words (:class:`ModerationCheck`)."""
        return [moderation_check_label(code) for code in self.moderation_reasons]

    @property
    def last_update(self) -> ReviewUpdate | None:
        """The last published update, or None: from ``published_updates``
        when ``selectors.public_review_rows`` read them (the company page:
        no query per review), else one query."""
        updates = getattr(self, "published_updates", None)
        if updates is None:
            updates = list(self.updates.filter(status=AdditionStatus.PUBLISHED))
        return updates[-1] if updates else None

    @property
    def public_reply(self) -> Reply | None:
        """The company's reply when it is published, else None. For the
        company page: ``review.reply`` raises when there is none, which
        the template engine answers by listing the review's attributes
        (``dir()``), a tenth of a page's reviews to render."""
        reply = getattr(self, "reply", None)
        return reply if reply is not None and reply.is_published else None

    @property
    def display_name(self) -> str:
        """First name and initial: "Sophie M." — never the full name."""
        words = [w for w in self.author_name.replace(".", " ").split() if w]
        words = [w for w in words if normalize(w) not in CIVILITY_TITLES] or words
        if not words:  # anonymised (reviews.services.retention)
            return ""
        if len(words) == 1:
            return words[0].capitalize()
        return f"{words[0].capitalize()} {words[-1][0].upper()}."


class ReviewEvent(StatusEvent):
    """One move of a review's status: who (none: the system or the author's
    private link), from, to, why. Write-once: the trail of every review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")

    class Meta(StatusEvent.Meta):
        verbose_name = _("review history entry")
        verbose_name_plural = _("review history")

    def __str__(self) -> str:
        return f"review {self.review_id}: {self.from_status}→{self.to_status}"

    @property
    def from_status_label(self) -> str:
        return ReviewStatus(self.from_status).label if self.from_status else ""

    @property
    def to_status_label(self) -> str:
        return ReviewStatus(self.to_status).label


class AdditionStatus(models.TextChoices):
    """Of an author's update or a company's reply: published at once when
    the text passes the automatic checks, otherwise held until a moderator
    publishes or rejects it. Shown publicly only when published."""

    PENDING = "pending", _("Awaiting moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected by moderation")


# What moves on an author's update or a company's reply after it is
# written: its moderation (reviews.services.moderation.addition_moderate).
ADDITION_MODERATION_FIELDS = frozenset({"status", "moderation_reasons", "decided_at", "decided_by"})


class ReviewUpdateQuerySet(GuardedQuerySet):
    """A bulk write of an update's text, review or date raises
    ``ValidationError``: only its moderation moves."""

    def writes_check(self, names: Iterable[str]) -> None:
        _update_rewrite_refused(names)


def _update_rewrite_refused(names: Iterable[str]) -> None:
    if {ReviewUpdate._meta.get_field(name).name for name in names} - ADDITION_MODERATION_FIELDS:
        raise ValidationError(_("An author's update is written once."), code="write_once")


class ReviewUpdate(models.Model):
    """A dated addition by the author ("problem resolved"). Its text,
    review and date are written once (``save`` of a stored row refuses any
    field but :data:`ADDITION_MODERATION_FIELDS`, and so do bulk writes)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField(_("update"), max_length=2000, validators=[MinLengthValidator(10)])
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=AdditionStatus.choices, default=AdditionStatus.PUBLISHED
    )
    # Codes of ModerationCheck the text did not pass (why it waits).
    moderation_reasons = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReviewUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("review update")
        verbose_name_plural = _("review updates")
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"update of {self.review_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Inserts the update; a stored one is saved only with
        ``update_fields`` among :data:`ADDITION_MODERATION_FIELDS`, else
        ``ValidationError``."""
        if not self._state.adding:
            _update_rewrite_refused(kwargs.get("update_fields") or ["text"])
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == AdditionStatus.PUBLISHED

    @property
    def moderation_reason_labels(self) -> list[str]:
        return [moderation_check_label(code) for code in self.moderation_reasons]


class SanctionKind(models.TextChoices):
    """What a sanction does (the policy: ``templates/reviews/includes/
    sanctions_policy.html``). Exclusion is not one: it is the company's
    suspension from the directory (``eligibility.services.company_set_status``)."""

    # Automatic: REVIEW_STRIKES_WARNING missed audits within
    # REVIEW_STRIKES_WINDOW_DAYS (reviews.services.sanctions.strikes_warn).
    WARNING = "warning", _("Public warning")
    # Staff found fake reviews: a public warning and no new reviews.
    FREEZE = "freeze", _("Reviews frozen")


class SanctionQuerySet(models.QuerySet):
    def active(self) -> SanctionQuerySet:
        """Sanctions in force: not lifted yet."""
        return self.filter(lifted_at__isnull=True)

    def freezes(self) -> SanctionQuerySet:
        """Sanctions that stop new reviews (staff's, for fake reviews)."""
        return self.filter(kind=SanctionKind.FREEZE)

    def warnings(self) -> SanctionQuerySet:
        """Automatic warnings for missed document audits."""
        return self.filter(kind=SanctionKind.WARNING)


class Sanction(models.Model):
    """A public warning on a company's page and search card. A freeze
    (staff caught fake reviews) also stops new reviews until lifted; a
    warning (missed audits, ``kind`` warning, no ``decided_by``) is
    automatic and lifted by the nightly job once the strikes are older
    than the window. Recorded with who and why."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="review_sanctions")
    kind = models.CharField(
        max_length=10, choices=SanctionKind.choices, default=SanctionKind.FREEZE
    )
    # A warning: how many audits the company missed within the window (the
    # public sentence is built from it, in the reader's language).
    strike_count = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField(_("reason (public)"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SanctionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")

    def __str__(self) -> str:
        return f"sanction of {self.company_id}"


class RejectionReason(models.TextChoices):
    """The closed, published list of reasons a review can be refused."""

    NOT_OWN_EXPERIENCE = "not_own_experience", _("Does not describe the author's own experience")
    CONFLICT_OF_INTEREST = "conflict_of_interest", _("Written by someone linked to the company")
    OFFENSIVE = "offensive", _("Insulting, defamatory or discriminatory content")
    PERSONAL_DATA = "personal_data", _("Contains personal data or contact details")
    OFF_TOPIC = "off_topic", _("Does not concern the service invoiced")
    ADVERTISING = "advertising", _("Advertising or promotion")
    DUPLICATE = "duplicate", _("Duplicate of another review")
    NAME_MISMATCH = "name_mismatch", _("The author's name does not match the invoice")


# Refusals the author can fix by editing the text (removing a phone number,
# an address, a name): they get a single-use link to correct the review and
# send it again (reviews.services.reviews.review_resubmit). Other refusals
# are only appealed.
FIXABLE_REJECTION_REASONS = frozenset({RejectionReason.PERSONAL_DATA})


# Taking down a published review (after a flag, or a company's appeal)
# needs the note that justifies it, stored with the decision
# (reviews.services.moderation.review_moderate, the staff form).
REJECTION_NOTE_MIN = 10
PUBLISHED_REJECTION_NEEDS_NOTE = _(
    "Rejecting a published review needs the note that justifies it: what you found, "
    "the evidence you saw (at least 10 characters)."
)


class ModerationDecision(WriteOnceModel):
    """A staff decision on a review: publish, or reject for one reason of
    the published list. Write-once."""

    class Decision(models.TextChoices):
        PUBLISH = "publish", _("Publish")
        REJECT = "reject", _("Reject")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.CharField(max_length=30, choices=RejectionReason.choices, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Given at insert (the demo's timeline), never changed after.
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="publish") | ~Q(reason=""),
                name="moderation_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} {self.review_id}"


class ReplyQuerySet(GuardedQuerySet):
    """A bulk write of a reply would skip its history (:class:`ReplyRevision`):
    one of anything but its author (cleared when the user is deleted) and
    its moderation (:data:`ADDITION_MODERATION_FIELDS`) raises
    ``ValidationError``."""

    def writes_check(self, names: Iterable[str]) -> None:
        _reply_bulk_refused(names)


def _reply_bulk_refused(names: Iterable[str]) -> None:
    allowed = {"author", *ADDITION_MODERATION_FIELDS}
    if {Reply._meta.get_field(name).name for name in names} - allowed:
        raise ValidationError(_("A reply is changed only by its company, one at a time."))


class Reply(models.Model):
    """The company's one public reply to a review; edits are marked
    (``edited_at``) and every replaced text is kept (:class:`ReplyRevision`,
    written by :meth:`save`, whatever the write path)."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(
        _("your public reply"), max_length=3000, validators=[MinLengthValidator(10)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=AdditionStatus.choices, default=AdditionStatus.PUBLISHED
    )
    # Codes of ModerationCheck the text did not pass (why it waits).
    moderation_reasons = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReplyQuerySet.as_manager()

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"reply to {self.review_id}"

    def save(self, *args, **kwargs) -> None:
        """Saves the reply; a new text first keeps the one it replaces as a
        :class:`ReplyRevision` (its text, author and date), in the same
        transaction. Raises ``ValidationError`` for a new review or
        creation date, or a text changed while not loaded."""
        with transaction.atomic(using=kwargs.get("using")):
            if not self._state.adding:
                self._keep_replaced_text()
            super().save(*args, **kwargs)
        self._remember_stored()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_stored()
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        self._remember_stored()

    def _keep_replaced_text(self) -> None:
        stored = getattr(self, "_stored", {})
        for name in ("review_id", "created_at"):
            if name in stored and stored[name] != getattr(self, name):
                raise ValidationError(_("A reply stays on its review."))
        if "text" not in stored:
            if "text" not in self.get_deferred_fields():
                raise ValidationError(_("A reply is changed only by its company, one at a time."))
            return
        if stored["text"] != self.text:
            ReplyRevision.objects.create(
                reply=self,
                text=stored["text"],
                author_id=stored.get("author_id"),
                written_at=stored.get("edited_at") or stored.get("created_at"),
            )

    def _remember_stored(self) -> None:
        loaded = self.__dict__
        names = ("review_id", "created_at", "text", "author_id", "edited_at")
        self._stored = {n: loaded[n] for n in names if n in loaded}

    @property
    def is_published(self) -> bool:
        return self.status == AdditionStatus.PUBLISHED

    @property
    def moderation_reason_labels(self) -> list[str]:
        return [moderation_check_label(code) for code in self.moderation_reasons]


class ReplyRevision(WriteOnceModel):
    """A text of a company's reply that a later edit replaced: what it
    said, who wrote it and when (``written_at``: the reply's creation or
    previous edit). Staff read them in the admin; the public page says
    "edited". Write-once."""

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField(_("previous text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"))
    replaced_at = models.DateTimeField(_("replaced at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["written_at", "pk"]
        verbose_name = _("previous text of a reply")
        verbose_name_plural = _("previous texts of replies")

    def __str__(self) -> str:
        return f"revision of {self.reply_id}"


class FlagReason(models.TextChoices):
    FAKE = "fake", _("I think it is fake")
    OFFENSIVE = "offensive", _("Insulting or defamatory")
    PERSONAL_DATA = "personal_data", _("Reveals personal data")
    WRONG_COMPANY = "wrong_company", _("About another company")
    OTHER = "other", _("Other")


class ReviewFlag(models.Model):
    """A report on a review by its company or a visitor. A flag alone never
    hides a review: it stays published while staff look at it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_company = models.BooleanField(default=False)
    reason = models.CharField(_("reason"), max_length=20, choices=FlagReason.choices)
    note = models.TextField(_("details"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")

    def __str__(self) -> str:
        return f"flag {self.reason} on {self.review_id}"


class AuditReason(models.TextChoices):
    SAMPLE = "sample", _("Random sample")
    FRAUD = "fraud", _("Fraud signals")


class Audit(DocumentAudit):
    """A document audit (contrôle des pièces): the company sends the scan of
    the invoice behind a review, staff compare name, date and number. Its
    status moves by ``AUDIT_TRANSITIONS`` (``common.models``): a missed
    audit leaves the review published with a public note and a strike; a
    failed one unpublishes it."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="audit")
    reason = models.CharField(max_length=10, choices=AuditReason.choices)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AuditStatus.values), name="audit_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"audit of {self.review_id}"


class AuditScan(AuditScanBase):
    """One scan of the invoice sent by the company for an audit. Kept until
    the retention job erases the evidence of a removed review
    (reviews.services.retention), file with row."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="scans")

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("audit scan")
        verbose_name_plural = _("audit scans")

    def __str__(self) -> str:
        return f"scan {self.pk} of audit {self.audit_id}"


class AuditEvent(StatusEvent):
    """One move of an audit's status: who (none: the system), from, to, why.
    Write-once."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="events")

    class Meta(StatusEvent.Meta):
        verbose_name = _("audit history entry")
        verbose_name_plural = _("audit history")

    def __str__(self) -> str:
        return f"audit {self.audit_id}: {self.from_status}→{self.to_status}"


class Strike(models.Model):
    """A failed or missed audit, counted against the company (vetting);
    missed ones lead to a public warning (``Sanction`` of kind warning)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="strikes")
    audit = models.OneToOneField(Audit, on_delete=models.CASCADE, related_name="strike")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("strike")
        verbose_name_plural = _("strikes")

    def __str__(self) -> str:
        return f"strike of {self.company_id}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld: the decision is reversed")
    DISMISSED = "dismissed", _("Dismissed: the decision stands")


class Appeal(models.Model):
    """An author (against a rejection) or the company (against a
    publication) asks staff to reconsider, within 6 months."""

    class By(models.TextChoices):
        AUTHOR = "author", _("The author")
        COMPANY = "company", _("The company")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="appeals")
    by = models.CharField(max_length=10, choices=By.choices)
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("your appeal"), max_length=3000, validators=[MinLengthValidator(20)])
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default="open")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "by"],
                condition=Q(status="open"),
                name="appeal_one_open_per_side",
            ),
        ]

    def __str__(self) -> str:
        return f"appeal by {self.by} on {self.review_id}"


class ReviewRequestStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Awaiting e-mail confirmation")
    WAITING = "waiting", _("Waiting for the invoice to be registered")
    MATCHED = "matched", _("Invitation sent")
    # The invoice is older than REVIEW_INVOICE_MAX_AGE_DAYS: no invitation.
    TOO_OLD = "too_old", _("Invoice too old: no invitation")


class ReviewRequest(models.Model):
    """A client without an invitation asks to review: invoice number, name
    and e-mail, checked against the company's registered invoices."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="review_requests")
    invoice_number = models.CharField(_("invoice number"), max_length=50)
    name = models.CharField(_("your name, as on the invoice"), max_length=150)
    email = models.EmailField(_("your e-mail"))
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    status = models.CharField(
        max_length=12, choices=ReviewRequestStatus.choices, default=ReviewRequestStatus.UNCONFIRMED
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.SET_NULL, null=True, blank=True, related_name="review_requests"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")

    def __str__(self) -> str:
        return f"request {self.pk} for {self.company_id}"


class InvoiceImport(FileImportJob):
    """A previewed CSV import running in a worker, with its progress; a
    worker holds it under a lease (``common.leases``) and the sweeper
    finishes it if that worker dies (``common.file_imports``). ``content``
    (client personal data) is emptied when the job ends, whatever the
    outcome, and after ``INVOICE_IMPORT_RETENTION`` anyway."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invoice_imports")
    # Numbers imported without an invitation: older than REVIEW_INVOICE_MAX_AGE_DAYS.
    not_invited = models.JSONField(default=list)

    class Meta(FileImportJob.Meta):
        verbose_name = _("invoice import")
        verbose_name_plural = _("invoice imports")

    def __str__(self) -> str:
        return f"import {self.pk} of {self.company_id}"


class InvoiceColumnMapping(ColumnMapping):
    """The columns a company's pro chose for an invoice file's header,
    reused for the next file with the same header (same tool, same export;
    ``common.file_imports.ColumnMapping``). Keyed by company: one company
    never sees another's choices."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="invoice_column_mappings"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "signature"], name="invoice_column_mapping_once"
            )
        ]
        verbose_name = _("invoice column mapping")
        verbose_name_plural = _("invoice column mappings")

    def __str__(self) -> str:
        return f"columns {self.signature[:8]} of {self.company_id}"


# --- The tamper-evident record of a review (issue 12, reviews.ledger) -------


class LedgerKind(models.TextChoices):
    """What a ledger entry records (``ReviewLogEntry.kind``)."""

    STATUS = "status", _("Status of the review")
    DECISION = "decision", _("Moderation decision")
    AUDIT = "audit", _("Document audit")
    APPEAL = "appeal", _("Appeal")
    SANCTION = "sanction", _("Company sanction")


class ReviewLogEntry(WriteOnceModel):
    """One entry of a review's chain: ``seq`` counts from 1 per review,
    ``payload`` is what happened (codes, ids, ISO dates; free texts only as
    a SHA-256 digest, so the chain holds no personal data), ``hash`` is
    SHA-256(``prev_hash`` + canonical JSON of ``payload``) in hex and
    ``prev_hash`` the hash of entry ``seq - 1`` (64 zeros for the first).
    Appended only by ``reviews.ledger``; checked by ``verify_review_log``."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="log_entries")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=LedgerKind.choices)
    payload = models.JSONField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["review", "seq"]
        verbose_name = _("review log entry")
        verbose_name_plural = _("review log")
        constraints = [
            models.UniqueConstraint(fields=["review", "seq"], name="review_log_one_entry_per_seq"),
        ]

    def __str__(self) -> str:
        return f"review {self.review_id} #{self.seq} {self.kind}"


class InvitationRuleChange(WriteOnceModel):
    """A change of a company's invitation rule (``ReviewSettings``): who,
    when, from, to. Write-once; recorded by
    ``reviews.services.invoices.invitation_rule_save``."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="invitation_rule_changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now, editable=False)
    from_policy = models.CharField(max_length=12, choices=InvitationPolicy.choices)
    from_min_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    to_policy = models.CharField(max_length=12, choices=InvitationPolicy.choices)
    to_min_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("invitation rule change")
        verbose_name_plural = _("invitation rule changes")

    def __str__(self) -> str:
        return f"rule of {self.company_id}: {self.from_policy}→{self.to_policy}"
