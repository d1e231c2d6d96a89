"""Document audits (contrôle des pièces) and fraud signals: the nightly
work that keeps reviews honest after publication. Nothing here deletes a
review. The audit proves the *client*: only a failed check of the client's
own proof (the scan does not match the review, staff's decision) unpublishes
a review, with a public note. A missed audit (the company sent nothing
within 15 days) leaves the review published with a dated public note and
counts a strike against the company (``sanctions.strikes_warn``). The
author is told of every outcome (``emails.send_audit_outcome``)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, TruncDate, Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from common.types import User
from directory.models import Company

from .. import emails
from ..models import (
    Audit,
    AuditReason,
    AuditScan,
    AuditStatus,
    Invoice,
    Review,
    ReviewStatus,
    Strike,
)
from . import sanctions, stats, transitions

AUDIT_DAYS = 15
# From this fraud score a review is audited whatever the sample; signals
# only weigh, a person decides.
FRAUD_AUDIT_THRESHOLD = 0.5
FRAUD_WINDOW_DAYS = 30
BURST_WINDOW_DAYS = 7
BURST_MIN_REVIEWS = 5
SHARED_DEVICE_MIN = 3
BULK_INVOICES_PER_DAY = 10
BULK_INVOICE_LEAD = timedelta(days=2)
# Memory of each hash of the night's fraud scoring (PostgreSQL's
# work_mem, for that statement alone).
FRAUD_WORK_MEM = "32MB"
# Bound of one night's work; the rest waits for the next night.
MAX_AUDITS_PER_RUN = 5000
# How much each signal weighs; a review's score is their sum, capped at 1.
WEIGHTS = {
    "burst": 0.3,
    "shared_ip": 0.4,
    "shared_user_agent": 0.2,
    "duplicate_text": 0.5,
    "bulk_invoices": 0.3,
    "company_domain": 0.6,
}


def _weight(condition, name: str):
    return Case(
        When(condition, then=Value(WEIGHTS[name])), default=Value(0.0), output_field=FloatField()
    )


def _having_at_least(queryset, group: str, minimum: int):
    return Exists(queryset.values(group).annotate(n=Count("*")).filter(n__gte=minimum))


def _counted(queryset, key, minimum: int):
    """The values of ``key`` (an expression) found on at least ``minimum``
    rows of ``queryset``: one uncorrelated subquery, which PostgreSQL runs
    once and hashes (SQLite: once, into a temporary index), where a
    correlated ``EXISTS … HAVING`` ran once per review scored."""
    return (
        queryset.order_by()
        .annotate(signal_key=key)
        .values("signal_key")
        .annotate(n=Count("*"))
        .filter(n__gte=minimum)
        .values("signal_key")
    )


def _agent_key(prefix: str = ""):
    """A company's browser as one value, (company, user agent) having no
    tuple IN in the ORM: ``"<company id> <hash>"``."""
    return Concat(
        Cast(f"{prefix}company_id", CharField()),
        Value(" "),
        f"{prefix}user_agent_hash",
        output_field=CharField(),
    )


def _invoice_day_key():
    return Concat(
        Cast("company_id", CharField()),
        Value(" "),
        Cast(TruncDate("created_at"), CharField()),
        output_field=CharField(),
    )


def fraud_signals(*, since=None):
    """Each signal as the reviews that carry it: ``{name: queryset of
    reviews}``, among those created from ``since`` on (every review when
    None); what makes a signal is counted over every review.

    Set-based: the shared devices, the duplicate texts and the days of
    bulk invoices are counted once (GROUP BY, restricted to the values the
    scored reviews carry) and the scored reviews are joined to them. As
    correlated subqueries (a count per scored review, with no index on the
    address, the browser or the text), one night on 2,000,000 reviews,
    111,000 of them in the window, read the whole table once per review:
    more than the step's 20 minutes (``make bench-nightly``)."""
    scored = Review.objects.all() if since is None else Review.objects.filter(created_at__gte=since)
    burst = _having_at_least(
        Review.objects.filter(
            company_id=OuterRef("company_id"),
            created_at__gte=OuterRef("created_at") - timedelta(days=BURST_WINDOW_DAYS),
            created_at__lte=OuterRef("created_at"),
        ),
        "company_id",
        BURST_MIN_REVIEWS,
    )
    # A review without an address or a browser shares none: "" is never
    # counted.
    shared_ips = _counted(
        Review.objects.exclude(ip_hash="").filter(ip_hash__in=scored.values("ip_hash")),
        F("ip_hash"),
        SHARED_DEVICE_MIN,
    )
    shared_agents = _counted(
        Review.objects.exclude(user_agent_hash="").filter(
            company_id__in=scored.values("company_id")
        ),
        _agent_key(),
        SHARED_DEVICE_MIN,
    )
    # The same text as another review, whatever the case: two of them.
    texts = _counted(
        Review.objects.annotate(upper_text=Upper("text")).filter(
            upper_text__in=scored.annotate(upper_text=Upper("text")).values("upper_text")
        ),
        Upper("text"),
        2,
    )
    # The invoice was registered just before its review, on a day (local)
    # the company registered many invoices at once.
    invoices = Invoice.objects.all()
    if since is not None:
        # An invoice of a scored review is registered from 2 days before
        # ``since``; its local day begins at most a day and the zone's
        # offset before that: every invoice of that day is counted.
        invoices = invoices.filter(created_at__gte=since - BULK_INVOICE_LEAD - timedelta(days=2))
    bulk_invoices = Invoice.objects.annotate(day_key=_invoice_day_key()).filter(
        day_key__in=_counted(invoices, _invoice_day_key(), BULK_INVOICES_PER_DAY)
    )
    return {
        "burst": scored.filter(burst),
        "shared_ip": scored.filter(ip_hash__in=shared_ips),
        "shared_user_agent": scored.annotate(agent_key=_agent_key()).filter(
            agent_key__in=shared_agents
        ),
        "duplicate_text": scored.annotate(upper_text=Upper("text")).filter(upper_text__in=texts),
        "bulk_invoices": scored.filter(
            invoice__created_at__gte=F("created_at") - BULK_INVOICE_LEAD,
            invoice__in=bulk_invoices,
        ),
        "company_domain": scored.filter(
            Exists(
                Company.objects.filter(
                    pk=OuterRef("company_id"),
                    email__iendswith=Concat(Value("@"), OuterRef("author_domain")),
                )
            )
        ),
    }


def fraud_scores_refresh(*, now=None) -> int:
    """Score the reviews of the last 30 days: each the sum of the weights
    of its signals, capped at 1. One UPDATE, the reviews joined to each
    signal's reviews (PostgreSQL and SQLite alike); only the scores that
    changed are written. Returns how many reviews were scored."""
    now = now or timezone.now()
    since = now - timedelta(days=FRAUD_WINDOW_DAYS)
    scored = Review.objects.filter(created_at__gte=since)
    base_sql, params = scored.order_by().values("id").query.sql_with_params()
    params = list(params)
    joins, terms, weights = [], [], []
    for n, (name, reviews) in enumerate(fraud_signals(since=since).items()):
        signal_sql, signal_params = reviews.order_by().values("id").query.sql_with_params()
        joins.append(f"LEFT JOIN ({signal_sql}) s{n} ON s{n}.id = r.id")
        params.extend(signal_params)
        terms.append(f"CASE WHEN s{n}.id IS NULL THEN 0.0 ELSE %s END")
        weights.append(WEIGHTS[name])
    total = " + ".join(terms)
    table = connection.ops.quote_name(Review._meta.db_table)
    # Identifiers come from the models, values are parameters.
    sql = f"""
        UPDATE {table} SET fraud_score = f.score
        FROM (
            SELECT r.id, CASE WHEN {total} > 1.0 THEN 1.0 ELSE {total} END AS score
            FROM ({base_sql}) r {" ".join(joins)}
        ) f
        WHERE {table}.id = f.id AND {table}.fraud_score <> f.score
    """  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A single run of a statement with a dozen joins: compiling it
            # (JIT) cost 4.6 s of 58, and with 4 MB a hash its counts of
            # texts and browsers went to disk (``make bench-nightly``).
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"SET LOCAL work_mem = '{FRAUD_WORK_MEM}'")
        cursor.execute(sql, [*weights, *weights, *params])
    return scored.count()


@dataclass(frozen=True)
class AuditReport:
    scored: int  # reviews of the fraud window scored
    opened: int
    missed: int


@transaction.atomic
def audits_open(*, now=None, seed: int | str | None = None) -> int:
    """Open audits on a random sample of the reviews published in the last
    day (REVIEW_AUDIT_RATE) and on every review scored suspicious. The
    sample is reproducible: the same seed draws the same reviews (default
    seed: the date)."""
    now = now or timezone.now()
    not_audited = Review.objects.published().filter(audit__isnull=True)
    fresh = list(
        not_audited.filter(published_at__gte=now - timedelta(days=1))
        .order_by("pk")
        .values_list("pk", flat=True)[:MAX_AUDITS_PER_RUN]
    )
    # A sample, not a secret: reproducible on purpose.
    rng = random.Random(seed if seed is not None else now.date().isoformat())  # noqa: S311
    sample = set(rng.sample(fresh, k=math.ceil(len(fresh) * settings.REVIEW_AUDIT_RATE)))
    suspicious = set(
        not_audited.filter(fraud_score__gte=FRAUD_AUDIT_THRESHOLD).values_list("pk", flat=True)[
            :MAX_AUDITS_PER_RUN
        ]
    )
    audits = [
        Audit(
            review_id=pk,
            reason=AuditReason.FRAUD if pk in suspicious else AuditReason.SAMPLE,
            opened_at=now,
            due_at=now + timedelta(days=AUDIT_DAYS),
        )
        for pk in sorted(sample | suspicious)
    ]
    opened = transitions.audits_start(audits=audits, at=now)
    emails.send_audit_requests([audit.pk for audit in opened])
    return len(audits)


def _fail(audit: Audit, note: str, actor: User, now=None) -> None:
    """Close the audit as failed (the scan does not match the client or
    the review) and unpublish its review with a public note. A review no
    longer published (withdrawn, rejected since) keeps its status; the
    strike stands either way. The author is told."""
    now = now or timezone.now()
    audit.note = note
    transitions.audit_move(
        audit=audit,
        to=AuditStatus.FAILED,
        by="staff",
        actor=actor,
        reason=note,
        at=now,
        also=["note"],
    )
    review = Review.objects.select_for_update().get(pk=audit.review_id)
    if review.status == ReviewStatus.PUBLISHED:
        review.status_note = _(
            "Unpublished: the invoice did not match the review during a document audit."
        )
        transitions.review_move(
            review=review,
            to=ReviewStatus.UNPUBLISHED,
            by="staff",
            actor=actor,
            reason=review.status_note,
            at=now,
            also=["status_note"],
        )
    Strike.objects.get_or_create(company_id=review.company_id, audit=audit)
    stats.company_review_stats_refresh(company_ids=[review.company_id])
    emails.send_audit_outcome(audit.pk)


@transaction.atomic
def audits_close_overdue(*, now=None) -> int:
    """Audits whose invoice never came (open after ``due_at``): missed,
    the company did not send the invoice in time. The review stays as it
    is (published: with the public note "invoice not provided by the
    company", dated by ``decided_at``); the company gets a strike, and a
    public warning from ``REVIEW_STRIKES_WARNING`` missed audits. The
    author is told.

    Set-based: a few statements for the whole batch (at most
    ``MAX_AUDITS_PER_RUN``, the rest the next night) whatever its size,
    the warnings recounted by batches of companies
    (``sanctions.strikes_warn_many``), one e-mail per author.
    Returns how many."""
    now = now or timezone.now()
    # Locked in key order, those another run holds skipped: two runs never
    # close the same audit, nor wait on each other.
    overdue = list(
        Audit.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=AuditStatus.OPEN, due_at__lt=now)
        .select_related("review")
        .order_by("pk")[:MAX_AUDITS_PER_RUN]
    )
    if not overdue:
        return 0
    transitions.audits_miss(audits=overdue, reason=_("Invoice not sent within 15 days."), at=now)
    Strike.objects.bulk_create(
        [Strike(company_id=audit.review.company_id, audit=audit) for audit in overdue],
        ignore_conflicts=True,
    )
    sanctions.strikes_warn_many(company_ids={audit.review.company_id for audit in overdue}, now=now)
    emails.send_audit_outcomes([audit.pk for audit in overdue])
    return len(overdue)


def audits_run(*, now=None, seed=None) -> AuditReport:
    """The nightly job: score, open audits, close the overdue ones, and
    lift the warnings whose strikes left the window."""
    scored = fraud_scores_refresh(now=now)
    opened = audits_open(now=now, seed=seed)
    missed = audits_close_overdue(now=now)
    with transaction.atomic():
        sanctions.warnings_refresh(now=now)
    return AuditReport(scored=scored, opened=opened, missed=missed)


@transaction.atomic
def audit_submit_scan(*, audit: Audit, upload, actor: User | None = None) -> None:
    """The company (``actor``: the member) sends the invoice's scan. Each
    scan is a new :class:`AuditScan` with its own file: a second scan is
    added to the first, never written over it (the evidence of the audit).
    Raises ValidationError for a closed audit or a file that is not a
    PDF, JPEG or PNG document."""
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    if audit.status not in (AuditStatus.OPEN, AuditStatus.SUBMITTED):
        raise ValidationError(_("This audit is closed."))
    scan = AuditScan(audit=audit, file=upload, sent_by=actor)
    scan.full_clean(exclude=["audit"])
    scan.save()
    again = audit.status == AuditStatus.SUBMITTED
    why = (
        _("Another scan of the invoice was sent.")
        if again
        else _("The scan of the invoice was sent.")
    )
    transitions.audit_move(
        audit=audit, to=AuditStatus.SUBMITTED, by="company", actor=actor, reason=why
    )


@transaction.atomic
def audit_decide(*, audit: Audit, actor: User, passed: bool, note: str = "") -> None:
    """Staff compared name, date and number of the scan with the review:
    ``passed`` stamps the review's label "invoice checked on …"; a failure
    (``note`` required, public reason) unpublishes it. The author is told
    either way. Raises ``ValidationError`` for an audit not waiting for a
    decision, or a failure without a note."""
    audit = Audit.objects.select_for_update().select_related("review").get(pk=audit.pk)
    if audit.status != AuditStatus.SUBMITTED:
        raise ValidationError(_("Only an audit whose invoice was sent can be decided."))
    if passed:
        audit.note = note
        why = note.strip() or _("The invoice matches the review.")
        transitions.audit_move(
            audit=audit, to=AuditStatus.PASSED, by="staff", actor=actor, reason=why, also=["note"]
        )
        emails.send_audit_outcome(audit.pk)
    else:
        if not note.strip():
            raise ValidationError(_("Say what does not match."))
        _fail(audit, note.strip(), actor=actor)
