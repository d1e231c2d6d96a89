from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.company_numbers import siren_in, validate_siren
from common.models import WriteOnceModel, private_storage, private_upload_to
from common.transitions import Transitions
from common.validators import DOCUMENT_EXTENSIONS, validate_document, validate_year_founded
from directory.models import Company, CompanyStatus, Profession

from .checks import check_choices, check_codes
from .screening import DecisionTime, InvoiceNames, Verdict

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting vetting")
    NEEDS_INFORMATION = "needs_information", _("Information requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# The state machine, in one place: who may move an application from where
# to where. Every move is recorded as an ApplicationEvent.
TRANSITIONS = Transitions(
    ApplicationStatus,
    {
        (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED): {"applicant"},
        (ApplicationStatus.SUBMITTED, ApplicationStatus.NEEDS_INFORMATION): {"staff"},
        (ApplicationStatus.NEEDS_INFORMATION, ApplicationStatus.SUBMITTED): {"applicant"},
        (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED): {"staff"},
        (ApplicationStatus.SUBMITTED, ApplicationStatus.REJECTED): {"staff"},
        (ApplicationStatus.NEEDS_INFORMATION, ApplicationStatus.REJECTED): {"staff"},
    },
    message=_("An application cannot go from “%(from)s” to “%(to)s” this way."),
)
IN_PROGRESS = (ApplicationStatus.SUBMITTED, ApplicationStatus.NEEDS_INFORMATION)


class RefusalReason(models.TextChoices):
    """Why the vetting team refused an application, beside the text sent
    to the applicant. The sales pipeline reads it (a prospect refused for
    the rules will never be a client; one refused as too early may)."""

    NOT_ELIGIBLE = "not_eligible", _("Does not fit the eligibility rules")
    TOO_EARLY = "too_early", _("Too early: not enough activity or history yet")
    NOT_VERIFIED = "not_verified", _("Information could not be verified")
    NO_ANSWER = "no_answer", _("No answer to our questions")
    OTHER = "other", _("Other reason")


# The company state machine, in one place: which decision moves a company
# from where to where. Every move goes through services._company_move and
# is recorded as a CompanyEvent: a listing is the approval of an
# application ("vetting"), a suspension or a reinstatement is a staff
# decision with a reason. Creating a company (pending by default; demo data
# creates listed ones) is not a move.
COMPANY_TRANSITIONS = Transitions(
    CompanyStatus,
    {
        (CompanyStatus.PENDING, CompanyStatus.LISTED): {"vetting"},
        (CompanyStatus.LISTED, CompanyStatus.SUSPENDED): {"staff"},
        (CompanyStatus.SUSPENDED, CompanyStatus.LISTED): {"staff"},
    },
    message=_("This company cannot take that status now."),
)

DECISION_TIME_CHOICES = [
    (DecisionTime.UNDER_5_MINUTES.value, _("Under 5 minutes")),
    (DecisionTime.UNDER_1_HOUR.value, _("Under an hour")),
    (DecisionTime.UNDER_1_DAY.value, _("Within a day")),
    (DecisionTime.DAYS_OR_MORE.value, _("Several days or more")),
]
INVOICE_NAMES_CHOICES = [
    (InvoiceNames.YES.value, _("Yes, always")),
    (InvoiceNames.SOMETIMES.value, _("Sometimes")),
    (InvoiceNames.NO.value, _("No")),
]
# "Restaurants and hotels: only exceptional events?", asked of hospitality
# trades only (screening.QUESTIONS); values as NullBooleanField reads them.
EXCEPTIONAL_EVENT_CHOICES = [
    ("True", _("Yes, only exceptional events")),
    ("False", _("No, also everyday meals or stays")),
]
VERDICT_CHOICES = [
    (Verdict.ELIGIBLE.value, _("Eligible")),
    (Verdict.NEEDS_REVIEW.value, _("Needs review")),
    (Verdict.INELIGIBLE.value, _("Ineligible")),
]


class ApplicationQuerySet(models.QuerySet["Application"]):
    def in_progress(self) -> ApplicationQuerySet:
        return self.filter(status__in=IN_PROGRESS)

    def lookup(self, text: str) -> ApplicationQuerySet:
        """Vetters find an application by SIREN (or SIRET, spaced or
        dotted), by part of its legal name or by its city."""
        siren = siren_in(text)
        return self.filter(
            (Q(siren=siren) if siren else Q(pk__in=[]))
            | Q(legal_name__icontains=text)
            | Q(city__icontains=text)
        )


class Application(models.Model):
    """A company's request to be listed, filled in steps by its applicant,
    screened by the rules, then decided by a person."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )
    # Step 1: identity
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True, validators=[validate_siren])
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(
        _("postal code"),
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{5}$", _("Enter a five-digit postal code."))],
    )
    city = models.CharField(_("city"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The legal representative, as on the registration extract: checked
    # against their identity document, and compared with the managers of
    # refused and suspended companies ("reopened under a new name").
    manager_name = models.CharField(
        _("name of the legal representative"), max_length=150, blank=True
    )
    # The pro profile's rule (directory.companies.models.Company): not
    # before 1800, not after this year.
    year_founded = models.PositiveSmallIntegerField(
        _("year founded"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), validate_year_founded],
    )
    # Step 2: activity
    professions = models.ManyToManyField(
        Profession, blank=True, related_name="applications", verbose_name=_("trades")
    )
    other_profession = models.CharField(
        _("other trade, if yours is not in the list"), max_length=150, blank=True
    )
    serves_consumers = models.BooleanField(_("households (B2C)"), default=True)
    serves_businesses = models.BooleanField(_("companies (B2B)"), default=False)
    services_description = models.TextField(_("your services"), max_length=3000, blank=True)
    # Step 3: questionnaire (seed 000)
    new_clients_per_day = models.DecimalField(
        _("new clients per day, on average"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10_000)],
    )
    average_amount_eur = models.PositiveIntegerField(
        _("average amount per service or product (€)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100_000_000)],
    )
    decision_time = models.CharField(
        _("time a client takes to choose a company"),
        max_length=20,
        choices=DECISION_TIME_CHOICES,
        blank=True,
    )
    invoices_name_client = models.CharField(
        _("do your invoices carry the client's name?"),
        max_length=10,
        choices=INVOICE_NAMES_CHOICES,
        blank=True,
    )
    exceptional_event = models.BooleanField(
        _("restaurants and hotels: only exceptional events (weddings, conventions…)?"),
        null=True,
        blank=True,
    )
    # Step 4: the screening, as last shown to the applicant (their words
    # to the vetting team are history messages)
    screening = models.JSONField(default=dict, blank=True, editable=False)
    verdict = models.CharField(
        _("screening verdict"), max_length=20, choices=VERDICT_CHOICES, blank=True
    )
    # The language of the applicant's pages when they sent it ("fr", "en"):
    # every e-mail about the application is written in it. Blank: the site's.
    language = models.CharField(_("language"), max_length=8, blank=True, editable=False)
    # The referral code the applicant came with (``/rejoindre/?parrain=``),
    # cleaned (``common.referral.clean_referral_code``); read by the sales
    # pipeline, which knows whose it is.
    referral_code = models.CharField(max_length=16, blank=True, editable=False)
    # Vetting
    refusal_reason = models.CharField(
        _("refusal reason"), max_length=12, choices=RefusalReason.choices, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_applications",
        verbose_name=_("assignee"),
    )
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="applications"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        permissions = [("vet_application", _("Can vet applications and suspend companies"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="application_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(refusal_reason__in=["", *RefusalReason.values]),
                name="application_refusal_reason_valid",
            ),
            # One application in progress per SIREN: two people cannot
            # both be vetted for the same company.
            models.UniqueConstraint(
                fields=["siren"],
                condition=Q(status__in=IN_PROGRESS),
                name="application_one_in_progress_per_siren",
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name or f"#{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.NEEDS_INFORMATION)

    @property
    def days_waiting(self) -> int | None:
        """Whole days since it was first sent, while it waits for a
        decision (submitted or answering a question); ``None`` otherwise.
        Under a day is 0."""
        if self.status not in IN_PROGRESS or self.submitted_at is None:
            return None
        return max(0, (timezone.now() - self.submitted_at).days)


class ApplicationEvent(WriteOnceModel):
    """One entry of an application's history: a transition, an assignment
    or a message. Write-once: never updated, never deleted by the app."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("Status change")
        ASSIGNMENT = "assignment", _("Assignment")
        MESSAGE = "message", _("Message")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.kind} {self.from_status}→{self.to_status}"

    @property
    def to_status_label(self) -> StrOrPromise:
        return ApplicationStatus(self.to_status).label if self.to_status else ""


class CompanyEvent(WriteOnceModel):
    """One move of a company's status (``COMPANY_TRANSITIONS``): who, when,
    from, to and why. An approval names the application it came from (its
    reason is the vetter's note, possibly empty); a suspension or a
    reinstatement has a reason. Write-once."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=10, choices=CompanyStatus.choices)
    to_status = models.CharField(max_length=10, choices=CompanyStatus.choices)
    reason = models.TextField(blank=True)
    application = models.ForeignKey(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="company_events",
        help_text=_("The approved application, for an approval."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("company decision")
        verbose_name_plural = _("company decisions")

    def __str__(self) -> str:
        return f"{self.company}: {self.from_status}→{self.to_status}"


class EligibilityFlag(models.Model):
    """A listed company that may no longer fit the rules, with the evidence,
    for a person to look at. Never suspends by itself."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="eligibility_flags")
    rule = models.CharField(max_length=40)
    evidence = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("eligibility flag")
        verbose_name_plural = _("eligibility flags")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "rule"],
                condition=Q(resolved_at__isnull=True),
                name="eligibility_flag_one_open_per_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company}: {self.rule}"


class CompanyScreening(models.Model):
    """The last screening of a listed company, redone nightly when the
    company's facts change after it (eligibility.tasks)."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="screening")
    screened_at = models.DateTimeField()
    verdict = models.CharField(max_length=20, choices=VERDICT_CHOICES)
    screening = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("company screening")
        verbose_name_plural = _("company screenings")

    def __str__(self) -> str:
        return f"{self.company}: {self.verdict}"


# --- Vetting checks with evidence (issue 17) ------------------------------------------


class CheckState(models.TextChoices):
    """Where one check of a company or an application stands. A decision
    records passed, failed or not applicable; "to do" is the absence of a
    decision, "expired" a pass whose validity ended (both computed)."""

    TODO = "todo", _("To do")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    EXPIRED = "expired", _("Expired")


CHECK_DECISIONS = (CheckState.PASSED, CheckState.FAILED, CheckState.NOT_APPLICABLE)
_ONE_SUBJECT = Q(application__isnull=False, company__isnull=True) | Q(
    application__isnull=True, company__isnull=False
)


class Evidence(WriteOnceModel):
    """One document sent for a check (a Kbis, an insurance certificate…),
    by the applicant (``application``) or, once listed, by a member of the
    company (``company``): never both. Private storage, served only to the
    applicant, the company's members and the vetting team
    (``eligibility.views.evidence_file``). Write-once: a new document adds
    a row; the old one stays for the record."""

    check_code = models.CharField(_("check"), max_length=30, choices=check_choices())
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="vetting_evidence"
    )
    file = models.FileField(
        _("document"),
        upload_to=private_upload_to,
        storage=private_storage,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS), validate_document],
    )
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("vetting evidence")
        verbose_name_plural = _("vetting evidence")
        constraints = [
            models.CheckConstraint(condition=_ONE_SUBJECT, name="evidence_one_subject"),
            models.CheckConstraint(
                condition=Q(check_code__in=check_codes()), name="evidence_check_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.check_code} #{self.pk}"


class CheckDecision(WriteOnceModel):
    """A vetter's decision on one check of an application or, once listed,
    of a company (never both): passed, failed or not applicable, with the
    evidence it was made on, until when a pass holds, what the vetter typed
    to compare (``reference``: the SIREN read on a Kbis) and why.
    Write-once: the latest decision of a check is its state; the earlier
    ones are its history."""

    check_code = models.CharField(_("check"), max_length=30, choices=check_choices())
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="check_decisions",
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="check_decisions"
    )
    state = models.CharField(_("state"), max_length=16, choices=CheckState.choices)
    evidence = models.ForeignKey(
        Evidence,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("evidence"),
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    reference = models.CharField(_("number read on the document"), max_length=40, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("check decision")
        verbose_name_plural = _("check decisions")
        constraints = [
            models.CheckConstraint(condition=_ONE_SUBJECT, name="check_decision_one_subject"),
            models.CheckConstraint(
                condition=Q(state__in=CHECK_DECISIONS), name="check_decision_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(check_code__in=check_codes()), name="check_decision_check_known"
            ),
        ]
        indexes = [models.Index(fields=["valid_until"], name="check_decision_valid_until")]

    def __str__(self) -> str:
        return f"{self.check_code}: {self.state}"


class CheckReminder(WriteOnceModel):
    """An e-mail sent ``days_before`` the end of a passed check
    (``decision``), so that each reminder goes once."""

    decision = models.ForeignKey(CheckDecision, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["decision", "days_before"], name="check_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.days_before} days"


class CompanyChecksDue(models.Model):
    """The date by which a listed company's required checks must be
    passed. A company listed through an approval is due on that day (its
    checks were passed); one listed before the checks existed is given
    ``VETTING_CHECKS_GRACE_DAYS`` from the night it was first seen
    (``eligibility.evidence_watch``). Past it, a missing check is a
    vetting flag, never a suspension."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="checks_due")
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("checks due date")
        verbose_name_plural = _("checks due dates")

    def __str__(self) -> str:
        return f"{self.company_id}: {self.due_on}"
