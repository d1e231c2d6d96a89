"""Partners of the REST API (issue 14): the organisations, their API keys
with scopes, and the companies that connected them (consent).

``partners`` sits below every feature app and above ``common`` in the
layers: each app's ``api.py`` builds on it; it imports none of them
(the company is named ``"directory.Company"``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


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

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
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
        """The code as people read it: ``ABCDE-FGHJK``."""
        half = len(self.code) // 2
        return f"{self.code[:half]}-{self.code[half:]}"
