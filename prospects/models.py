"""The prospect pipeline (issue 15): prospects, their interactions, the
write-once history of their stages, and referrers.

Two kinds of pipeline share one model: the platform's sales pipeline
(companies the platform wants to recruit, worked by the staff group
``sales``) and each company's own (its leads). A row belongs to exactly
one: ``pipeline`` says which, ``company`` is set for a company's pipeline
only (a database constraint).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.company_numbers import validate_siren
from common.file_imports import ColumnMapping, FileImportJob
from common.models import StatusEvent, WriteOnceQuerySet
from common.transitions import Transitions
from directory.models import Company, Profession


class Pipeline(models.TextChoices):
    PLATFORM = "platform", _("Platform sales")
    COMPANY = "company", _("Company leads")


class Stage(models.TextChoices):
    """Seed 001: suspect (might need the service, never contacted) → cold
    (contacted, no interest shown) → warm (interested, not buying now) →
    hot (very interested) → client; or lost."""

    SUSPECT = "suspect", _("Suspect")
    COLD = "cold", _("Cold")
    WARM = "warm", _("Warm")
    HOT = "hot", _("Hot")
    CLIENT = "client", _("Client")
    LOST = "lost", _("Lost")


OPEN_STAGES = (Stage.SUSPECT, Stage.COLD, Stage.WARM, Stage.HOT)
CONTACTED_STAGES = (Stage.COLD, Stage.WARM, Stage.HOT)
OWNER, SYSTEM = "owner", "system"

# The state machine, in one place. Roles: "owner" is a person working the
# pipeline (by hand), "system" an automatic rule (a quote request, an
# application, an invoice). "" is the stage a prospect is created with.
# Refused by omission: leaving client, going back to suspect once
# contacted, a move to the same stage, a creation as lost.
STAGE_TRANSITIONS = Transitions(
    Stage,
    {
        **{("", stage): {OWNER, SYSTEM} for stage in (*OPEN_STAGES, Stage.CLIENT)},
        # First contact.
        **{(Stage.SUSPECT, stage): {OWNER, SYSTEM} for stage in CONTACTED_STAGES},
        # Temperature changes: a person may warm or cool a prospect; a rule
        # only warms one (a quote request, a call asked for).
        **{
            (start, to): (
                {OWNER, SYSTEM}
                if CONTACTED_STAGES.index(to) > CONTACTED_STAGES.index(start)
                else {OWNER}
            )
            for start in CONTACTED_STAGES
            for to in CONTACTED_STAGES
            if start != to
        },
        # Won or lost, from any open stage.
        **{(stage, Stage.CLIENT): {OWNER, SYSTEM} for stage in OPEN_STAGES},
        **{(stage, Stage.LOST): {OWNER, SYSTEM} for stage in OPEN_STAGES},
        # A lost prospect comes back: reopened by hand, or by a new quote
        # request, or won by an invoice. Never back to suspect.
        (Stage.LOST, Stage.COLD): {OWNER},
        (Stage.LOST, Stage.WARM): {OWNER, SYSTEM},
        (Stage.LOST, Stage.HOT): {OWNER, SYSTEM},
        (Stage.LOST, Stage.CLIENT): {OWNER, SYSTEM},
    },
    message=_("A prospect cannot go from “%(from)s” to “%(to)s”."),
)


class LostReason(models.TextChoices):
    PRICE = "price", _("Price")
    TIMING = "timing", _("Timing")
    COMPETITOR = "competitor", _("Chose a competitor")
    # Seed 001: a relative non-client may buy one day, an absolute one never will.
    ABSOLUTE_NON_CLIENT = "non_client", _("Absolute non-client")
    NO_ANSWER = "no_answer", _("No answer")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", pgettext_lazy("prospect source", "Import")
    QUOTE_REQUEST = "quote_request", _("Quote request")
    APPLICATION = "application", _("Application")
    REFERRAL = "referral", _("Referral")


class Origin(models.TextChoices):
    """What an automatic entry of a prospect's timeline comes from (a
    history entry or an interaction the system wrote), with its reference
    in ``origin_ref`` (a quote request's number, an application's status
    or number, an invoice's number, a file import's number): stored for
    the machines (the score reads it), worded when shown, in the reader's
    language (``templatetags.pipelines.origin_text``)."""

    QUOTE_REQUEST = "quote_request", _("Quote request")
    APPLICATION = "application", _("Application")
    APPLICATION_LINK = "application_link", _("Application link")
    # The application link e-mailed by sales staff, and its first opening
    # by the prospect (``application_links``; the score reads the opening).
    LINK_SENT = "link_sent", _("Application link sent")
    LINK_OPENED = "link_opened", _("Application link opened")
    INVOICE = "invoice", _("Invoice")
    IMPORT = "import", pgettext_lazy("prospect source", "Import")


def _origin_fields() -> tuple[models.CharField[str, str], models.CharField[str, str]]:
    return (
        models.CharField(
            _("origin"),
            max_length=16,
            choices=Origin.choices,
            blank=True,
            default="",
            db_default="",
            editable=False,
        ),
        models.CharField(
            _("origin reference"),
            max_length=60,
            blank=True,
            default="",
            db_default="",
            editable=False,
        ),
    )


def _one_pipeline(prefix: str) -> models.CheckConstraint:
    """``company`` is set if and only if the row is in a company's pipeline."""
    return models.CheckConstraint(
        condition=Q(pipeline=Pipeline.PLATFORM, company__isnull=True)
        | Q(pipeline=Pipeline.COMPANY, company__isnull=False),
        name=f"{prefix}_company_iff_company_pipeline",
    )


# A referral code is typed as often as it is clicked: Crockford's base 32
# (no I, L, O, U: nothing to misread), 10 characters = 50 random bits, far
# beyond guessing behind the site's rate limits.
REFERRAL_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERRAL_CODE_LENGTH = 10


def new_referral_code() -> str:
    return "".join(secrets.choice(REFERRAL_CODE_ALPHABET) for _ in range(REFERRAL_CODE_LENGTH))


class Referrer(models.Model):
    """A person whose recommendations bring business (seed 004): a client,
    a former client, another pro, anyone, with a personal referral code.
    Owned by a pipeline, like the prospects they bring."""

    pipeline = models.CharField(_("pipeline"), max_length=10, choices=Pipeline.choices)
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="referrers"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("E.164"))
    # Seed 004: a referrer may be a client or anyone else (another pro, a
    # neighbour); said by whoever records them.
    is_client = models.BooleanField(_("client"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrers",
        verbose_name=_("account"),
    )
    prospect = models.ForeignKey(
        "Prospect",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="as_referrers",
        verbose_name=_("as a prospect or client"),
    )
    code = models.CharField(
        _("referral code"), max_length=16, unique=True, default=new_referral_code, editable=False
    )
    # Thanked by e-mail when a referral becomes a client: only if they said yes.
    thanks_opt_in = models.BooleanField(_("thank by e-mail"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("referrer")
        verbose_name_plural = _("referrers")
        constraints = [
            _one_pipeline("referrer"),
            models.CheckConstraint(
                condition=Q(pipeline__in=Pipeline.values), name="referrer_pipeline_valid"
            ),
        ]
        indexes = [models.Index(fields=["pipeline", "company"], name="referrer_owner_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ScoreModel(models.TextChoices):
    """What gave a prospect its temperature score (``prospects.scoring``)."""

    RULES = "rules", _("Rules")
    BAYES = "bayes", _("Learned from the pipeline's history")


class Prospect(models.Model):
    """Someone who might become a client: a person or an organisation, in
    one pipeline. The stage changes only through
    ``prospects.services.prospect_move`` (``STAGE_TRANSITIONS``), each move
    a ``ProspectEvent``."""

    pipeline = models.CharField(_("pipeline"), max_length=10, choices=Pipeline.choices)
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="prospects"
    )
    name = models.CharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    profession = models.ForeignKey(
        Profession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trade"),
    )
    town = models.CharField(_("town"), max_length=150, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    # The address as typed, for writing; its canonical form
    # (common.email_addresses.canonical_email), for recognising the person.
    email = models.EmailField(_("e-mail"), blank=True)
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("E.164"))
    # Normal forms (common.text.normalize) for the duplicate search.
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    town_key = models.CharField(max_length=150, blank=True, editable=False)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    stage_since = models.DateTimeField(_("in this stage since"), default=timezone.now)
    lost_reason = models.CharField(
        _("lost reason"), max_length=12, choices=LostReason.choices, blank=True
    )
    lost_note = models.TextField(_("lost note"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prospects",
        verbose_name=_("owner"),
    )
    source = models.CharField(_("source"), max_length=14, choices=Source.choices)
    referrer = models.ForeignKey(
        Referrer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referrer"),
    )
    budget = models.DecimalField(
        _("budget (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    last_interaction_at = models.DateTimeField(_("last interaction"), null=True, blank=True)
    # The nightly temperature score (``prospects.scoring``): 0–100, its top
    # reasons as codes and parameters (worded when shown, in the reader's
    # language), the model that gave it, and when it last changed (a night
    # that leaves it as it was writes nothing). Written by the nightly job
    # only (``queryset.update``/``bulk_update``: ``updated_at`` untouched).
    score = models.PositiveSmallIntegerField(
        _("temperature score"), null=True, blank=True, editable=False
    )
    score_reasons = models.JSONField(default=list, blank=True, editable=False)
    score_model = models.CharField(
        _("score model"), max_length=5, choices=ScoreModel.choices, blank=True, editable=False
    )
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True, editable=False)
    # The pre-filled application link of a platform prospect
    # (``prospects.application_links``): its nonce (blank: no live link;
    # changing it revokes the link) and when it was made (it expires
    # ``PROSPECT_APPLICATION_LINK_DAYS`` later). The application the link
    # started: its moves move the prospect.
    application_link_nonce = models.CharField(max_length=32, blank=True, editable=False)
    application_link_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the link was last e-mailed to the prospect (a second send within
    # ``PROSPECT_APPLICATION_LINK_RESEND_SECONDS`` is refused: a double
    # submit sends once), and when the live link was first opened (cleared
    # by a new link: each link's first opening is noted once).
    application_link_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    application_link_opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    application = models.ForeignKey(
        "eligibility.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("application"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("prospect")
        verbose_name_plural = _("prospects")
        permissions = [("work_platform_pipeline", "Can work the platform's sales pipeline")]
        constraints = [
            _one_pipeline("prospect"),
            models.CheckConstraint(
                condition=Q(pipeline__in=Pipeline.values), name="prospect_pipeline_valid"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="prospect_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="prospect_source_valid"
            ),
            # A lost prospect has a reason; no other has one.
            models.CheckConstraint(
                condition=Q(stage=Stage.LOST, lost_reason__in=LostReason.values)
                | (~Q(stage=Stage.LOST) & Q(lost_reason="")),
                name="prospect_lost_reason_iff_lost",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="prospect_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100),
                name="prospect_score_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(score_model__in=["", *ScoreModel.values]),
                name="prospect_score_model_valid",
            ),
        ]
        indexes = [
            # Funnel and board: stages per pipeline.
            models.Index(fields=["pipeline", "company", "stage"], name="prospect_board_idx"),
            # "À relancer" lists, per pipeline and per owner.
            models.Index(
                fields=["pipeline", "company", "next_follow_up"], name="prospect_follow_up_idx"
            ),
            models.Index(fields=["owner", "next_follow_up"], name="prospect_owner_follow_up_idx"),
            # Duplicate search within a pipeline.
            models.Index(fields=["pipeline", "company", "email_key"], name="prospect_email_idx"),
            models.Index(fields=["pipeline", "company", "phone"], name="prospect_phone_idx"),
            models.Index(fields=["pipeline", "company", "siren"], name="prospect_siren_idx"),
            models.Index(fields=["pipeline", "company", "town_key"], name="prospect_town_idx"),
            # The nightly anonymisation of long-lost prospects.
            models.Index(
                fields=["stage_since"],
                condition=Q(stage=Stage.LOST, anonymised_at__isnull=True),
                name="prospect_lost_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class ProspectEventQuerySet(WriteOnceQuerySet):
    def erase_texts(self) -> int:
        """Blank what a person wrote in these entries (``reason``) and the
        reference to the record an automatic one came from
        (``origin_ref``: a quote request's or an invoice's number, which
        would lead back to the person); their kind, stages, dates, lost
        reason and origin stay. The one write past the write-once guard,
        for the erasure of a prospect's personal data
        (``services``: on request, and by the nightly job). Returns how
        many."""
        return models.QuerySet.update(
            self.exclude(reason="", origin_ref=""), reason="", origin_ref=""
        )


class ProspectEvent(StatusEvent):
    """One entry of a prospect's history, write-once: a stage change (who
    — none for "système" —, when, from, to, why), a merge, or the erasure
    of its personal data on request. Events of a
    merged prospect are copied to the one kept, naming where they came
    from (``merged_from``)."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("Stage change")
        MERGE = "merge", _("Merge")
        # Personal data erased at the person's request (who, when; nothing
        # of what was erased).
        ERASURE = "erasure", _("Personal data erased on request")

    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TRANSITION)
    lost_reason = models.CharField(max_length=12, choices=LostReason.choices, blank=True)
    # The number of the prospect this entry was first written for, when it
    # came with a merge (that prospect no longer exists).
    merged_from = models.PositiveBigIntegerField(null=True, blank=True)
    # What an automatic move came from (a quote request, an application,
    # an invoice, a file import) and its reference; ``reason`` holds only
    # what a person wrote (a comment, an imported file's source).
    origin, origin_ref = _origin_fields()

    # The write-once manager with ``erase_texts`` (mypy reads a manager
    # redefined in a subclass as an instance variable; the plugin still
    # types it).
    objects = ProspectEventQuerySet.as_manager()  # type: ignore[misc]

    class Meta(StatusEvent.Meta):
        verbose_name = _("prospect history entry")
        verbose_name_plural = _("prospect history")
        indexes = [models.Index(fields=["prospect", "created_at"], name="prospect_event_idx")]

    def __str__(self) -> str:
        return f"#{self.prospect_id}: {self.from_status or '∅'}→{self.to_status}"


class Interaction(models.Model):
    """A contact with a prospect, or a note about one, with its outcome."""

    class Kind(models.TextChoices):
        CALL = "call", pgettext_lazy("interaction", "Call")
        EMAIL = "email", _("E-mail")
        MEETING = "meeting", _("Meeting")
        NOTE = "note", _("Note")

    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    happened_at = models.DateTimeField(_("when"), default=timezone.now)
    outcome = models.TextField(_("outcome"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    # The follow-up date this interaction set on the prospect (history).
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    # What an interaction the system wrote came from (a quote request, an
    # application started from the link) and its reference; ``outcome``
    # holds only what a person wrote.
    origin, origin_ref = _origin_fields()
    # The one-time token of the form that recorded it (blank: not from a
    # form): a second submit of the same form (a double click, a reload,
    # the back button) finds it taken and records nothing more.
    submission = models.CharField(
        max_length=32, blank=True, default="", db_default="", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_at", "-pk"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["call", "email", "meeting", "note"]),
                name="interaction_kind_valid",
            ),
            models.UniqueConstraint(
                fields=["submission"],
                condition=~Q(submission=""),
                name="interaction_submission_once",
            ),
        ]
        indexes = [
            models.Index(fields=["prospect", "happened_at"], name="interaction_prospect_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.prospect_id} {self.happened_at:%Y-%m-%d}"


# Client value (seed 001: value = margin − cost, issue 15 "Analytics"). The
# client is the loyalty key of their sessions (loyalty.identity.client_key):
# these rows name no one.
MARGIN_RATE_MAX = 100


class ClientValueSettings(models.Model):
    """A company's default margin rate (percent of the revenue, 0–100), from
    which each client's margin is computed: revenue × rate / 100."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, primary_key=True, related_name="client_value_settings"
    )
    margin_rate = models.DecimalField(
        _("default margin rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(MARGIN_RATE_MAX)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("client value settings")
        verbose_name_plural = _("client value settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(margin_rate__gte=0, margin_rate__lte=MARGIN_RATE_MAX),
                name="client_value_margin_rate_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.margin_rate} %"


class ClientCost(models.Model):
    """What one client cost the company (euros, ≥ 0): acquisition, travel,
    after-sales… entered by the pro. ``client_key`` is the key of the
    client's completed sessions at that company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="client_costs")
    client_key = models.CharField(max_length=64)
    cost = models.DecimalField(
        _("cost (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("client cost")
        verbose_name_plural = _("client costs")
        constraints = [
            models.UniqueConstraint(fields=["company", "client_key"], name="client_cost_once"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="client_cost_not_negative"),
        ]

    def __str__(self) -> str:
        # No client here: the key is pseudonymous, and __str__ ends up in logs.
        return f"{self.company_id}: {self.cost} €"


class ReferralThanks(models.Model):
    """The thanks e-mail sent to a referrer because a prospect they brought
    became a client: one per (prospect, referrer) ever, claimed by the
    unique constraint in the transaction of the win (a client lost and won
    again is not thanked twice)."""

    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="+")
    referrer = models.ForeignKey(Referrer, on_delete=models.CASCADE, related_name="thanks")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("referral thanks")
        verbose_name_plural = _("referral thanks")
        constraints = [
            models.UniqueConstraint(fields=["prospect", "referrer"], name="referral_thanks_once")
        ]

    def __str__(self) -> str:
        return f"#{self.prospect_id} ← {self.referrer_id}"


def new_digest_nonce() -> str:
    return secrets.token_urlsafe(16)


class DigestSubscription(models.Model):
    """A person's choice about the daily follow-up digest (on unless they
    opted out). ``nonce`` is in their opt-out links: changing it revokes
    every link sent before. No row: on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prospect_digest"
    )
    enabled = models.BooleanField(_("daily digest"), default=True)
    nonce = models.CharField(max_length=32, default=new_digest_nonce, editable=False)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow-up digest subscription")
        verbose_name_plural = _("follow-up digest subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id}: {'on' if self.enabled else 'off'}"


class DigestSent(models.Model):
    """One person's digest of one day (Europe/Paris), claimed before it is
    queued: a rerun of the job, or two workers, send it once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    prospects = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow-up digest sent")
        verbose_name_plural = _("follow-up digests sent")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_a_day")]
        indexes = [models.Index(fields=["day"], name="digest_sent_day_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class ProspectImport(FileImportJob):
    """A file of prospects (CSV or .xlsx) previewed, then imported by a
    worker (``prospects.imports``, ``common.file_imports``): into the
    platform's pipeline (``company`` empty) or a company's."""

    class PreviewStatus(models.TextChoices):
        """The preview of a big file, computed by a worker while the file
        is a draft (``imports.prospect_import_preview_run``); a small
        file's is computed in the request and has none."""

        NONE = "", _("In the request")
        PENDING = "pending", _("Waiting for a worker")
        RUNNING = "running", _("Checking the lines")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    pipeline = models.CharField(max_length=10, choices=Pipeline.choices)
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="prospect_imports"
    )
    preview_status = models.CharField(
        max_length=8, choices=PreviewStatus.choices, default=PreviewStatus.NONE, blank=True
    )
    # What the worker's check found (``imports.preview_data``): counts, the
    # lines shown, the duplicates' line numbers, or the errors.
    preview = models.JSONField(default=dict, blank=True)

    class Meta(FileImportJob.Meta):
        verbose_name = _("prospect import")
        verbose_name_plural = _("prospect imports")
        constraints = [
            _one_pipeline("prospect_import"),
            models.CheckConstraint(
                condition=Q(pipeline__in=Pipeline.values), name="prospect_import_pipeline_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.status})"


class ProspectColumnMapping(ColumnMapping):
    """The columns chosen for a header of prospect files: a company's own
    (``company``), or the platform's sales team's (``company`` empty),
    shared by its members as the pipeline is."""

    company = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="prospect_column_mappings",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "signature"],
                condition=Q(company__isnull=False),
                name="prospect_mapping_company_header_unique",
            ),
            models.UniqueConstraint(
                fields=["signature"],
                condition=Q(company__isnull=True),
                name="prospect_mapping_platform_header_unique",
            ),
        ]
        verbose_name = _("prospect column mapping")
        verbose_name_plural = _("prospect column mappings")

    def __str__(self) -> str:
        return f"prospect columns {self.pk} of {self.company_id or 'platform'}"
