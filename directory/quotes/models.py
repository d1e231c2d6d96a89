"""Quote requests sent to a company, and its replies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.models import StatusEvent, new_nonce
from common.transitions import Transitions
from directory.companies.models import Company
from directory.taxonomy.models import Profession

QUOTE_NEED_MAX_LENGTH = 3000


class QuoteStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Awaiting e-mail confirmation")
    NEW = "new", _("New")
    READ = "read", _("Read")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


# Who may change a request's status, and how (common.transitions): the
# requester confirms an anonymous request; the company's members open,
# answer, close and reopen it. Every change is a QuoteRequestEvent.
_HANDLED = (QuoteStatus.NEW, QuoteStatus.READ, QuoteStatus.ANSWERED, QuoteStatus.CLOSED)
QUOTE_TRANSITIONS = Transitions(
    QuoteStatus,
    {
        (QuoteStatus.UNCONFIRMED, QuoteStatus.NEW): {"requester"},
        **{
            (start, to): {"member"}
            for start in _HANDLED
            for to in (QuoteStatus.READ, QuoteStatus.ANSWERED, QuoteStatus.CLOSED)
            if start != to
        },
    },
)


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


class QuoteDelivery(models.TextChoices):
    """Whom a request went to when it reached the company (confirmed):
    its active members' addresses, else the contact e-mail the company
    shows on its page, else nobody (``directory.quotes.selectors.quote_recipients``)."""

    MEMBERS = "members", _("The company's team, in its pro space")
    COMPANY_EMAIL = "company_email", _("The company's contact e-mail")
    NOBODY = "nobody", _("Nobody: the company has no address on the platform")


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
    # Set when the request reaches the company (sent or confirmed); empty before.
    delivery = models.CharField(
        _("delivered to"), max_length=14, choices=QuoteDelivery.choices, blank=True, editable=False
    )
    # The referral code the requester came with (``?parrain=``), cleaned
    # (``common.referral.clean_referral_code``); read by the pipeline, which
    # knows whose it is. Empty when none, or one that could not be a code.
    referral_code = models.CharField(max_length=16, blank=True, editable=False)

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


class QuoteRequestEvent(StatusEvent):
    """A quote request's status change: who, when, from, to and why
    (``QUOTE_TRANSITIONS``). ``from_status`` is empty for the request's
    creation; ``actor`` is empty for the requester without an account."""

    quote_request = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="events")

    class Meta(StatusEvent.Meta):
        verbose_name = _("quote request event")
        verbose_name_plural = _("quote request events")

    def __str__(self) -> str:
        return f"#{self.quote_request_id}: {self.from_status or '∅'}→{self.to_status}"
