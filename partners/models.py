"""Partners of the REST API (issue 14): the organisations, their API keys
with scopes, and the companies that connected them (consent).

``partners`` sits below every feature app and above ``common`` in the
layers: each app's ``api.py`` builds on it; it imports none of them
(the company is named ``"directory.Company"``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from common.control_characters import validate_visible_text
from common.webhooks.targets import endpoint_url_validator


class PartnerKind(models.TextChoices):
    COMPARISON_SITE = "comparison_site", _("Comparison site")
    LOCAL_MEDIA = "local_media", _("Local media")
    INVOICING_SOFTWARE = "invoicing_software", _("Invoicing software")
    BOOKING_SOFTWARE = "booking_software", _("Booking software")
    OTHER = "other", _("Other")


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Scope(models.TextChoices):
    """What a key may do. Reads of public data need only their scope;
    writes for a company also need its consent (:class:`Connection`)."""

    DIRECTORY_READ = "directory:read", _("Read the directory (trades, places, companies)")
    REVIEWS_READ = "reviews:read", _("Read the published reviews")
    INVOICES_WRITE = "invoices:write", _("Send invoices of connected companies")
    SESSIONS_WRITE = "sessions:write", _("Send completed sessions of connected companies")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Manage webhook endpoints")


class Partner(models.Model):
    """An organisation using the API: a comparison site, a local media, an
    invoicing or booking software. Created by staff in the back-office."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind of organisation"), max_length=20, choices=PartnerKind.choices)
    contact_email = models.EmailField(_("contact e-mail"))
    status = models.CharField(
        _("status"), max_length=10, choices=PartnerStatus.choices, default=PartnerStatus.ACTIVE
    )
    # The partner's own people, who will manage its keys and webhooks at
    # /partenaires/ (a later increment).
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="partners",
        verbose_name=_("members"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PartnerKind.values), name="partner_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PartnerStatus.values), name="partner_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == PartnerStatus.ACTIVE


class PartnerKey(AbstractAPIKey):
    """One API key of a partner (djangorestframework-api-key: the key is
    shown once, only its prefix and SHA-512 hash are kept). The library's
    ``name``, ``created``, ``expiry_date`` and ``revoked`` (which cannot be
    undone) are kept as they are."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="keys", verbose_name=_("partner")
    )
    scopes = models.JSONField(
        _("scopes"),
        default=list,
        blank=True,
        help_text=_("What the key may do: a list of scopes."),
    )
    # Written at most once a minute per key (partners.auth): a timestamp,
    # not a request log.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    # The key that replaced this one (services.partner_key_rotate): a key
    # is rotated once; its successor is the one to rotate next.
    successor = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="predecessor",
        verbose_name=_("replaced by"),
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def rotated(self) -> bool:
        """Whether a successor replaced this key (it works until the end
        of the overlap, and is not rotated again)."""
        return self.successor_id is not None

    def clean(self) -> None:
        super().clean()
        try:
            validate_visible_text(self.name)
        except ValidationError as error:
            raise ValidationError({"name": error.messages}) from error
        if not isinstance(self.scopes, list) or not set(self.scopes) <= set(Scope.values):
            raise ValidationError(
                {
                    "scopes": _("Unknown scope: choose among %(scopes)s.")
                    % {"scopes": ", ".join(Scope.values)}
                }
            )


class ConnectionQuerySet(models.QuerySet["Connection"]):
    def active(self) -> ConnectionQuerySet:
        return self.filter(disconnected_at__isnull=True)


class Connection(models.Model):
    """A company's consent: it connected this partner, which may then
    write its invoices and sessions (``invoices:write``, ``sessions:write``).
    Disconnecting stamps ``disconnected_at``; a new connection is a new row,
    so the history stays."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="connections", verbose_name=_("partner")
    )
    company = models.ForeignKey(
        "directory.Company",
        on_delete=models.CASCADE,
        related_name="partner_connections",
        verbose_name=_("company"),
    )
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("connected by"),
    )
    connected_at = models.DateTimeField(_("connected at"), default=timezone.now)
    disconnected_at = models.DateTimeField(_("disconnected at"), null=True, blank=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["-connected_at"]
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "company"],
                condition=Q(disconnected_at__isnull=True),
                name="connection_one_active_per_partner_company",
            ),
            models.CheckConstraint(
                condition=Q(disconnected_at__isnull=True)
                | Q(disconnected_at__gte=models.F("connected_at")),
                name="connection_disconnected_after_connected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} → {self.company_id}"


# Crockford's base32 without the letters people confuse (I, L, O, U):
# 10 characters carry 50 random bits.
CONNECTION_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CONNECTION_CODE_LENGTH = 10


class ConnectionCodeQuerySet(models.QuerySet["ConnectionCode"]):
    def usable(self) -> ConnectionCodeQuerySet:
        """Neither used, nor revoked, nor expired."""
        return self.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class ConnectionCode(models.Model):
    """A one-time code a partner gives a company so that it connects the
    partner from its pro space. Works once, within a few days, unless the
    partner revokes it first."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="connection_codes",
        verbose_name=_("partner"),
    )
    code = models.CharField(_("code"), max_length=CONNECTION_CODE_LENGTH, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by_company = models.ForeignKey(
        "directory.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("used by"),
    )

    objects = ConnectionCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("connection code")
        verbose_name_plural = _("connection codes")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="connection_code_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}: code {self.pk}"  # never the code itself

    @property
    def grouped(self) -> str:
        """The code as people read it (:func:`connection_code_grouped`)."""
        return connection_code_grouped(self.code)


def connection_code_grouped(code: str) -> str:
    """A code as people read it: two halves, ``6FHGJ-4WKXS``."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


class IdempotencyRecord(models.Model):
    """One ``Idempotency-Key`` a partner sent with a POST
    (draft-ietf-httpapi-idempotency-key-header, ``partners.api.idempotency``):
    the fingerprint of its request and, once the request succeeded, the
    response to replay for ``IDEMPOTENCY_TTL``. A row without a status is a
    request in progress. Holds what the partner itself sent and received,
    nothing more; purged nightly once expired."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="idempotency_records",
        verbose_name=_("partner"),
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    # SHA-256 (hex) of the method, the path and the canonical JSON body.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    # JSON as text, not jsonb: PostgreSQL's jsonb reorders keys, and a
    # replay must be the same body, byte for byte.
    response_body = models.TextField(_("response body"), blank=True, default="")
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["partner", "key"], name="idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}/{self.key[:40]}"

    @property
    def in_progress(self) -> bool:
        return self.status_code is None


# --- Webhooks ---------------------------------------------------------------------


class EventType(models.TextChoices):
    """What a partner may subscribe an endpoint to. The payload of each
    holds ids and public data only (README, "Webhooks")."""

    REVIEW_PUBLISHED = "review.published", _("A review was published")
    REVIEW_UPDATED = "review.updated", _("A published review changed (reply, audit, update)")
    REVIEW_REMOVED = "review.removed", _("A published review was removed")
    APPLICATION_DECIDED = "application.decided", _("An application was approved or refused")
    COMPANY_LISTED = "company.listed", _("A company was listed (or listed again)")
    COMPANY_SUSPENDED = "company.suspended", _("A company was suspended")
    LOYALTY_UPDATED = "loyalty.updated", _("A company's loyalty score changed")
    CHECK_EXPIRING = "check.expiring", _("A vetting check of a company ends within 30 days")


# What anybody may see: sent to endpoints subscribed to public events, for
# every company. The others go only to partners the company connected.
PUBLIC_EVENT_TYPES = frozenset(
    {
        EventType.REVIEW_PUBLISHED,
        EventType.REVIEW_UPDATED,
        EventType.REVIEW_REMOVED,
        EventType.COMPANY_LISTED,
        EventType.COMPANY_SUSPENDED,
        EventType.LOYALTY_UPDATED,
    }
)


class EndpointScope(models.TextChoices):
    CONNECTED = "connected", _("Companies that connected the partner")
    PUBLIC = "public", _("Public events of every company")


class EndpointStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")


class DisabledReason(models.TextChoices):
    GONE = "gone", _("The endpoint answered 410 Gone")
    FAILING = "failing", _("Every delivery failed for days")
    STAFF = "staff", _("Disabled by our team")


class WebhookEndpoint(models.Model):
    """A URL of a partner that receives the events it subscribed to, for
    the companies that connected it (``scope=connected``) or for every
    company (``scope=public``, public events only)."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("partner"),
    )
    url = models.URLField(_("URL"), max_length=2000, validators=[endpoint_url_validator])
    description = models.CharField(
        _("description"), max_length=200, blank=True, validators=[validate_visible_text]
    )
    events = models.JSONField(_("events"), default=list, help_text=_("A list of event types."))
    scope = models.CharField(
        _("companies"),
        max_length=10,
        choices=EndpointScope.choices,
        default=EndpointScope.CONNECTED,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EndpointStatus.choices, default=EndpointStatus.ACTIVE
    )
    disabled_reason = models.CharField(
        _("why disabled"), max_length=10, choices=DisabledReason.choices, blank=True
    )
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    # Since when every attempt failed (NULL after a success): an endpoint
    # failing for WEBHOOK_DISABLE_AFTER is disabled and its partner told.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [models.Index(fields=["status", "scope"], name="webhook_endpoint_status_scope")]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=EndpointScope.values), name="webhook_endpoint_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=EndpointStatus.ACTIVE, disabled_at__isnull=True)
                | Q(status=EndpointStatus.DISABLED, disabled_at__isnull=False),
                name="webhook_endpoint_disabled_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def is_active(self) -> bool:
        return self.status == EndpointStatus.ACTIVE


class WebhookSecret(models.Model):
    """A signing secret of an endpoint. A rotation adds a secret and gives
    the others an expiry: until then every delivery carries a signature
    by each, so the partner switches whenever it likes."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="secrets",
        verbose_name=_("endpoint"),
    )
    secret = models.CharField(_("secret"), max_length=100)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook secret")
        verbose_name_plural = _("webhook secrets")

    def __str__(self) -> str:
        return f"{self.endpoint_id}: {self.secret[:10]}…"


class WebhookEvent(models.Model):
    """Something that happened, as sent to partners: its ``id`` is the
    ``webhook-id`` of every delivery (receivers drop duplicates by it)."""

    id = models.CharField(primary_key=True, max_length=40, editable=False)
    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    company = models.ForeignKey(
        "directory.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
    )
    payload = models.JSONField(_("data"), default=dict)

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    GONE = "gone", _("Endpoint gone (410)")


class WebhookDelivery(models.Model):
    """One event for one endpoint, and its log: attempts, the last answer.
    ``next_attempt_at`` is when it is due while pending; a worker holding
    it moves it to the end of its lease (``partners.tasks``)."""

    event = models.ForeignKey(
        WebhookEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    error_code = models.CharField(_("error"), max_length=40, blank=True)
    response_excerpt = models.CharField(_("response excerpt"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # The sweeper's "pending and due" (partners.selectors.deliveries_due).
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            ),
            # An endpoint's log, newest first (the API's cursor on the id:
            # a nightly batch creates hundreds of deliveries at one instant).
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="webhook_delivery_pending_is_scheduled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id}"
