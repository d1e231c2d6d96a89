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
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from common.control_characters import validate_visible_text
from common.file_imports import ColumnMapping, FileImportJob
from common.models import (
    AUDIT_TRANSITIONS,
    AuditScanBase,
    AuditStatus,
    DocumentAudit,
    StatusEvent,
    UniqueMessagesMixin,
)
from directory.models import Company, Profession

from .identity import CLIENT_KEY_LENGTH
from .score import REASON_NOTHING_OBSERVED, REASON_TOO_FEW_SESSIONS, WINDOW_DAYS
from .score import BaselineSource as ScoreBaselineSource
from .wording import period, return_period


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


class ServiceSessionQuerySet(models.QuerySet["ServiceSession", "ServiceSession"]):
    def counted(self) -> ServiceSessionQuerySet:
        """The sessions the loyalty score counts: **completed and not
        excluded**. A cancelled or no-show session never counts; a session
        whose document audit failed or was missed (``excluded_at`` set,
        ``loyalty.services.audits``) no longer does."""
        return self.filter(status=SessionStatus.COMPLETED, excluded_at__isnull=True)


class ServiceSession(UniqueMessagesMixin, models.Model):
    """One service performed for one client (by key) on ``performed_on``.

    ``reference`` is the source's own id (the invoice number, a line of an
    import, a partner's id): unique per company and source, so a re-import
    or a retried call never records a session twice. Sessions from an
    invoice link it (``invoice``) and follow it: deleting the invoice
    deletes its session.

    ``excluded_at``: when a document audit of the session failed or was
    missed; from then on the session no longer counts (``counted()``), its
    status staying what the pro recorded."""

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
    reference = models.CharField(_("reference"), max_length=100, validators=[validate_visible_text])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    excluded_at = models.DateTimeField(_("excluded at"), null=True, blank=True, editable=False)

    objects = ServiceSessionQuerySet.as_manager()

    unique_messages = {
        ("company", "source", "reference"): _("A session with this reference is already recorded.")
    }

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
                condition=Q(status="completed", excluded_at__isnull=True),
                name="session_completed_idx",
            ),
            # The night's session audits: the sessions recorded without an
            # invoice in the day, a range — not a scan of every session
            # (1 s a night for 5,000,000, ``make bench-nightly``).
            models.Index(
                fields=["created_at"],
                condition=Q(invoice__isnull=True),
                name="session_without_invoice_idx",
            ),
        ]

    def __str__(self) -> str:
        # No client here: __str__ ends up in logs and admin history.
        return f"{self.company_id}/{self.source}/{self.reference}"


class SessionImport(FileImportJob):
    """A previewed sessions file imported by a worker, with its progress
    (``common.file_imports``). ``content`` holds the file's rows as read
    (client personal data, JSON) and is emptied when the job ends, whatever
    the outcome, and after ``INVOICE_IMPORT_RETENTION`` anyway (the file
    imports share one retention, the one the privacy notice states)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="session_imports")

    class Meta(FileImportJob.Meta):
        verbose_name = _("session import")
        verbose_name_plural = _("session imports")

    def __str__(self) -> str:
        return f"session import {self.pk} of {self.company_id}"


class SessionColumnMapping(ColumnMapping):
    """The columns a company's pro chose for a sessions file's header,
    reused for the next file with the same header
    (``common.file_imports.ColumnMapping``, as the invoice import's).
    Keyed by company: one company never sees another's choices."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="session_column_mappings"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "signature"], name="session_column_mapping_once"
            )
        ]
        verbose_name = _("session column mapping")
        verbose_name_plural = _("session column mappings")

    def __str__(self) -> str:
        return f"session columns {self.pk} of {self.company_id}"


class LoyaltyScore(models.Model):
    """A company's loyalty figures, recomputed every night
    (:mod:`loyalty.recompute`, definition in :mod:`loyalty.score`): one row
    per company. ``score`` (0–100, 50 = the trade's average), its 90 %
    interval and the rates are NULL unless the company is scored; the row
    is rewritten only when a figure changed, at ``computed_at``."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, primary_key=True, related_name="loyalty"
    )
    sessions = models.PositiveIntegerField(_("completed sessions"), default=0)
    new_clients = models.PositiveIntegerField(_("new clients observed"), default=0)
    returned = models.PositiveIntegerField(_("new clients who returned"), default=0)
    qualified = models.BooleanField(_("enough sessions"), default=False)
    baseline = models.FloatField(_("trade average"))
    raw_rate = models.FloatField(_("raw rate"), null=True, blank=True)
    smoothed_rate = models.FloatField(_("smoothed rate"), null=True, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    score_low = models.FloatField(
        _("score, low end of the 90 percent interval"), null=True, blank=True
    )
    score_high = models.FloatField(
        _("score, high end of the 90 percent interval"), null=True, blank=True
    )
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("loyalty score")
        verbose_name_plural = _("loyalty scores")
        constraints = [
            models.CheckConstraint(
                condition=Q(returned__lte=F("new_clients")), name="loyalty_returned_le_new"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(qualified=True, new_clients__gt=0),
                name="loyalty_score_only_when_scored",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.score}"

    @property
    def reason(self) -> str | None:
        """Why there is no score (``loyalty.score.REASON_*``), or None."""
        if not self.qualified:
            return REASON_TOO_FEW_SESSIONS
        return REASON_NOTHING_OBSERVED if self.score is None else None

    @property
    def reason_text(self) -> str:
        """Why there is no score, in words for the pro ("" when scored)."""
        reason = self.reason
        if reason == REASON_TOO_FEW_SESSIONS:
            minimum = settings.LOYALTY_MIN_SESSIONS
            # The progress bar beside it gives "12 / 30".
            return ngettext(
                "The score counts from %(minimum)s completed session; until then you rank "
                "like an average professional.",
                "The score counts from %(minimum)s completed sessions; until then you rank "
                "like an average professional.",
                minimum,
            ) % {"minimum": minimum}
        if reason == REASON_NOTHING_OBSERVED:
            return gettext(
                "No new client can be counted yet: a new client counts once their first "
                "session is %(period)s old, so that they had the time to come back. Your "
                "first sessions with new clients are all too recent, or older than the "
                "observation window (%(window)s)."
            ) % {"period": return_period(), "window": period(WINDOW_DAYS)}
        return ""


class BaselineSource(models.TextChoices):
    TRADE = ScoreBaselineSource.TRADE, _("Measured on the trade")
    PLATFORM = ScoreBaselineSource.PLATFORM, _("Measured on the platform")
    SEED = ScoreBaselineSource.SEED, _("Initial value (seed 002)")


class TradeBaseline(models.Model):
    """The baseline of a trade (``profession``), or of the platform (no
    profession), measured nightly (``loyalty.score``, § 5–6): the mean rate
    companies are compared with and the prior strength they are shrunk
    with, the scored companies of the trade, and where the figures come
    from (a trade with too few companies borrows the platform's)."""

    profession = models.ForeignKey(
        Profession, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    mean = models.FloatField(_("average rate"))
    prior_strength = models.FloatField(_("prior strength (clients)"))
    companies = models.PositiveIntegerField(_("scored companies"))
    source = models.CharField(_("source"), max_length=10, choices=BaselineSource.choices)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("trade loyalty baseline")
        verbose_name_plural = _("trade loyalty baselines")
        constraints = [
            models.UniqueConstraint(
                Coalesce("profession", Value(0)), name="trade_baseline_one_per_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profession_id or 'platform'}: {self.mean:.3f}"


class LoyaltySnapshot(models.Model):
    """A company's figures for one month (``month``: its first day), for
    the history chart: the month's row follows the nightly figures until
    the month ends, then stays as it was on its last night."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="loyalty_history")
    month = models.DateField(_("month"))
    sessions = models.PositiveIntegerField(default=0)
    new_clients = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    qualified = models.BooleanField(default=False)
    baseline = models.FloatField()
    smoothed_rate = models.FloatField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    score_low = models.FloatField(null=True, blank=True)
    score_high = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["company", "month"]
        verbose_name = _("monthly loyalty snapshot")
        verbose_name_plural = _("monthly loyalty snapshots")
        constraints = [
            models.UniqueConstraint(fields=["company", "month"], name="loyalty_snapshot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.month:%Y-%m}: {self.score}"


# The statuses and allowed moves of session audits are those of every
# document audit (common.models); the one function that moves a session
# audit is loyalty.services.audits.session_audit_move.
SessionAuditStatus = AuditStatus
SESSION_AUDIT_TRANSITIONS = AUDIT_TRANSITIONS


class SessionAudit(DocumentAudit):
    """A document audit of a session recorded without an invoice (issue 13:
    "the same random document audit as reviews"): the company sends the
    invoice that covers the session within 15 days; staff compare it. A
    failed or missed audit excludes the session and records a strike."""

    session = models.OneToOneField(ServiceSession, on_delete=models.CASCADE, related_name="audit")
    # Whether the client written on the invoice (e-mail, phone or name, as
    # the pro copied it when sending the scan) has the session's client key:
    # staff cannot compare a name with a key. Only the answer is kept, never
    # what was typed. None: not told (an audit answered before this field).
    client_matches = models.BooleanField(
        _("client of the invoice matches the session"), null=True, blank=True
    )

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("session audit")
        verbose_name_plural = _("session audits")
        permissions = [("decide_sessionaudit", _("Can decide document audits of sessions"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AuditStatus.values),
                name="session_audit_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"audit of session {self.session_id}"


class SessionAuditScan(AuditScanBase):
    """One scan of the invoice sent for a session audit, served to the
    company's members and the staff who decide."""

    audit = models.ForeignKey(SessionAudit, on_delete=models.CASCADE, related_name="scans")

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("session audit scan")
        verbose_name_plural = _("session audit scans")

    def __str__(self) -> str:
        return f"scan {self.pk} of session audit {self.audit_id}"


class SessionAuditEvent(StatusEvent):
    """One move of a session audit's status: who (none: the system), from,
    to, why. Write-once."""

    audit = models.ForeignKey(SessionAudit, on_delete=models.CASCADE, related_name="events")

    class Meta(StatusEvent.Meta):
        verbose_name = _("session audit history entry")
        verbose_name_plural = _("session audit history")

    def __str__(self) -> str:
        return f"session audit {self.audit_id}: {self.from_status}→{self.to_status}"


class SessionStrike(models.Model):
    """A failed or missed session audit, counted against the company. The
    reviews app keeps its own strikes (``reviews.models.Strike``, one per
    review audit); this app sits below it and cannot write them: the
    company's missed-audit count is the sum of both (see
    ``loyalty.selectors.session_strikes_since``)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="session_strikes")
    audit = models.OneToOneField(SessionAudit, on_delete=models.CASCADE, related_name="strike")
    missed = models.BooleanField(default=False)  # else failed
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("session strike")
        verbose_name_plural = _("session strikes")

    def __str__(self) -> str:
        return f"session strike of {self.company_id}"
