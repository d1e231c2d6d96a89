"""Completed sessions (prestations réalisées): what the loyalty score counts.

A session is one service a company performed for one client on one day.
Every registered invoice is one (``reviews.services.invoices.invoice_create``
records it through :func:`loyalty.services.session_for_invoice`); pros whose
work recurs also record sessions without an invoice each. A row names no
one: the client is a key (``loyalty.identity.client_key``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import Company

from .identity import CLIENT_KEY_LENGTH


class SessionStatus(models.TextChoices):
    """Only completed sessions count for the score; a cancelled or missed
    (no-show) appointment is kept as the pro recorded it, and never counts."""

    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class SessionSource(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    FORM = "form", _("Form")
    CSV = "csv", _("File import")
    API = "api", _("API")


class ServiceSession(models.Model):
    """One service performed for one client (by key) on ``performed_on``.

    ``reference`` is the source's own id (the invoice number, a line of an
    import, a partner's id): unique per company and source, so a re-import
    or a retried call never records a session twice. Sessions from an
    invoice link it (``invoice``) and follow it: deleting the invoice
    deletes its session."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="sessions")
    client_key = models.CharField(max_length=CLIENT_KEY_LENGTH, editable=False)
    performed_on = models.DateField(_("date performed"))
    amount = models.DecimalField(
        _("amount incl. tax (€)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.COMPLETED
    )
    source = models.CharField(_("source"), max_length=10, choices=SessionSource.choices)
    invoice = models.OneToOneField(
        "reviews.Invoice",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="session",
    )
    reference = models.CharField(_("reference"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-performed_on", "-pk"]
        verbose_name = _("completed session")
        verbose_name_plural = _("completed sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "source", "reference"], name="session_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(invoice__isnull=True) | Q(source="invoice"),
                name="session_invoice_only_from_invoices",
            ),
        ]
        indexes = [
            # The score: first session per client and company, then returns.
            models.Index(
                fields=["company", "client_key", "performed_on"],
                condition=Q(status="completed"),
                name="session_completed_idx",
            ),
        ]

    def __str__(self) -> str:
        # No client here: __str__ ends up in logs and admin history.
        return f"{self.company_id}/{self.source}/{self.reference}"
