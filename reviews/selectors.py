"""Reads of the reviews app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    When,
)
from django.db.models.functions import Cast, Coalesce, JSONObject
from django.utils import timezone
from django.utils.translation import gettext as _

from common.file_imports import column_mapping_recall
from common.types import User
from directory.models import Company

from . import invoice_columns
from .models import (
    FIXABLE_REJECTION_REASONS,
    AdditionStatus,
    Appeal,
    AppealStatus,
    AuditEvent,
    AuditStatus,
    InvitationPolicy,
    InvitationRuleChange,
    Invoice,
    LedgerKind,
    ModerationDecision,
    RejectionReason,
    Reply,
    Review,
    ReviewEvent,
    ReviewFlag,
    ReviewLogEntry,
    ReviewRequest,
    ReviewRequestStatus,
    ReviewStatus,
    ReviewUpdate,
    Sanction,
    SanctionKind,
    Strike,
)
from .services.ledger import digest


def invoice_columns_for(*, company: Company, header: tuple[str, ...], width: int) -> dict[str, int]:
    """The columns of each field of an invoice file: the company's remembered
    choice for this header if there is one, else the names recognised."""
    return column_mapping_recall(
        company.invoice_column_mappings, header=header, width=width, scheme=invoice_columns.SCHEME
    )


# The orders a visitor can choose; the default is the newest first, as the
# consumer code requires.
ORDERS = {
    "recent": ("-published_at", "-pk"),
    "best": ("-rating", "-published_at"),
    "worst": ("rating", "-published_at"),
}
PAGE_SIZE = 10


def published_reviews(company: Company, order: str = "recent") -> QuerySet[Review]:
    """The company's published reviews in the visitor's ``order``, each
    annotated with what its document audit found, in the same query (a
    LEFT JOIN): ``invoice_checked_on`` (the datetime of a passed audit, else
    None: the label "invoice checked on …") and ``invoice_missing_since``
    (the datetime the company missed the audit, else None: the public note
    "invoice not provided by the company")."""
    return public_review_rows(company.reviews.published()).order_by(
        *ORDERS.get(order, ORDERS["recent"])
    )


def public_review_rows(reviews: QuerySet[Review]) -> QuerySet[Review]:
    """``reviews`` with what their public rendering reads, without a query
    per review: the reply, the published updates (``published_updates``,
    a list, oldest first), and the audit's
    ``invoice_checked_on`` / ``invoice_missing_since`` (a LEFT JOIN). The
    company page's reviews and the API's (``reviews.api``)."""
    return (
        reviews.select_related("reply")
        .prefetch_related(
            # As a list (``to_attr``): a related manager and a queryset per
            # review cost a feed page of 50 about a fifth of its CPU.
            Prefetch(
                "updates",
                queryset=ReviewUpdate.objects.filter(status=AdditionStatus.PUBLISHED),
                to_attr="published_updates",
            )
        )
        .annotate(
            invoice_checked_on=Case(
                When(audit__status=AuditStatus.PASSED, then=F("audit__decided_at")),
                default=None,
            ),
            invoice_missing_since=Case(
                When(audit__status=AuditStatus.MISSED, then=F("audit__decided_at")),
                default=None,
            ),
        )
    )


def active_sanction(company: Company) -> Sanction | None:
    """The company's active freeze (fake reviews found by staff), if any."""
    return company.review_sanctions.active().freezes().first()


def public_sanctions(company: Company) -> list[Sanction]:
    """Every sanction in force shown to visitors: the automatic warning
    for missed audits and staff's freeze, freeze first. One query."""
    return sorted(company.review_sanctions.active(), key=lambda s: s.kind != SanctionKind.FREEZE)


def unpublished_reviews(company: Company, limit: int = 20) -> QuerySet[Review]:
    """Reviews taken down after a failed document audit, shown as such."""
    return company.reviews.filter(status=ReviewStatus.UNPUBLISHED).order_by("-status_changed_at")[
        :limit
    ]


def reviews_by_author(email: str, limit: int = 100) -> QuerySet[Review]:
    """The reviews written from ``email``, each annotated with its last
    moderation decision (``last_decision_id``, ``last_decision``,
    ``last_decision_reason``; None without one) and whether the author's
    appeal waits (``author_appeal_open``), in one query: enough to offer the
    correction link of a fixable refusal (:func:`fixable_decision_id`)."""
    last = ModerationDecision.objects.filter(review=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        Review.objects.filter(author_email__iexact=email)
        .select_related("company")
        .annotate(
            last_decision_id=Subquery(last.values("pk")[:1]),
            last_decision=Subquery(last.values("decision")[:1]),
            last_decision_reason=Subquery(last.values("reason")[:1]),
            author_appeal_open=Exists(
                Appeal.objects.filter(
                    review=OuterRef("pk"), by=Appeal.By.AUTHOR, status=AppealStatus.OPEN
                )
            ),
        )[:limit]
    )


def fixable_decision_id(review: Review) -> int | None:
    """The refusal of a review from :func:`reviews_by_author` that its
    author may fix and send again now (the rules of
    ``reviews.services.reviews.fixable_rejection`` and ``appeal_pending``,
    from the annotations)."""
    fixable = (
        review.status == ReviewStatus.REJECTED
        and getattr(review, "last_decision", None) == ModerationDecision.Decision.REJECT
        and getattr(review, "last_decision_reason", None) in FIXABLE_REJECTION_REASONS
        and not getattr(review, "author_appeal_open", False)
    )
    return getattr(review, "last_decision_id", None) if fixable else None


def company_reviews(company: Company, limit: int = 200) -> QuerySet[Review]:
    """The pro space's list: every review but those withdrawn by their author."""
    return (
        company.reviews.exclude(status=ReviewStatus.WITHDRAWN)
        .select_related("reply")
        .order_by("-created_at")[:limit]
    )


# Reviews per page of the moderation queue.
MODERATION_PAGE_SIZE = 25


def pending_reviews(
    *, reason: str = "", rating: int | None = None, min_age_days: int | None = None
) -> QuerySet[Review]:
    """Reviews waiting for a moderator, oldest first, narrowed to one
    failed check (a code of ``ModerationCheck``), one rating, and those
    waiting for at least ``min_age_days`` days (since submission). One
    query when evaluated (the company joined)."""
    reviews = Review.objects.filter(status=ReviewStatus.PENDING)
    if reason:
        # The JSON list's text holds each code between quotes, on SQLite and
        # PostgreSQL alike ("contains" on a JSON array is PostgreSQL-only).
        reviews = reviews.annotate(reasons_text=Cast("moderation_reasons", TextField())).filter(
            reasons_text__contains=f'"{reason}"'
        )
    if rating is not None:
        reviews = reviews.filter(rating=rating)
    if min_age_days is not None:
        reviews = reviews.filter(created_at__lte=timezone.now() - timedelta(days=min_age_days))
    return reviews.select_related("company").order_by("created_at", "pk")


def moderation_backlog(limit: int = 100) -> dict:
    """What else waits for the moderation team, oldest first: open flags
    and appeals, updates and replies held by the text checks
    (``held_updates``, ``held_replies``), clients waiting for their
    invoice, and the number of
    reviews waiting (the reviews themselves are paged by the view, from
    :func:`pending_reviews`)."""
    return {
        "pending_total": Review.objects.filter(status=ReviewStatus.PENDING).count(),
        "flags": ReviewFlag.objects.filter(resolved_at__isnull=True)
        .select_related("review__company")
        .order_by("created_at")[:limit],
        "appeals": Appeal.objects.filter(status=AppealStatus.OPEN).select_related(
            "review__company"
        )[:limit],
        # Authors' updates and companies' replies held by the text checks.
        "held_updates": ReviewUpdate.objects.filter(status=AdditionStatus.PENDING)
        .select_related("review__company")
        .order_by("created_at")[:limit],
        "held_replies": Reply.objects.filter(status=AdditionStatus.PENDING)
        .select_related("review__company")
        .order_by("created_at")[:limit],
        # Clients whose invoice the company has not registered: staff follow up.
        "waiting": ReviewRequest.objects.filter(status=ReviewRequestStatus.WAITING).select_related(
            "company"
        )[:limit],
    }


CRITERIA = ("rating_reliability", "rating_quality", "rating_value", "rating_communication")


def criteria_average_values(company: Company) -> list[tuple[str, float]]:
    """(field name, average out of 5 rounded to 0.1) of each sub-rating
    over the company's published reviews, in the order of the form:
    reliability, quality, value, communication. One aggregate query; []
    without a published review."""
    averages = company.reviews.published().aggregate(**{name: Avg(name) for name in CRITERIA})
    return [(name, round(averages[name], 1)) for name in CRITERIA if averages[name] is not None]


def criteria_averages(company: Company) -> list[tuple[str, float]]:
    """:func:`criteria_average_values` with each criterion's label."""
    return [
        (str(Review._meta.get_field(name).verbose_name), average)
        for name, average in criteria_average_values(company)
    ]


STARS = range(5, 0, -1)


def review_figures_aggregates() -> dict[str, Aggregate]:
    """The aggregates of :func:`review_figures` over published reviews:
    ``stars_5`` … ``stars_1`` (counts) and each criterion's average."""
    return {
        **{f"stars_{stars}": Count("pk", filter=Q(rating=stars)) for stars in STARS},
        **{name: Avg(name) for name in CRITERIA},
    }


def review_figures_subquery() -> Subquery:
    """:func:`review_figures_aggregates` of the outer company's published
    reviews as one JSON object (NULL without any), for a subquery in the
    company's own row (the API's company profile, ``make bench-api``)."""
    return Subquery(
        Review.objects.published()
        .filter(company=OuterRef("pk"))
        .order_by()
        .values("company")
        .annotate(figures=JSONObject(**review_figures_aggregates()))
        .values("figures")
    )


def review_figures_of(
    figures: dict[str, Any],
) -> tuple[list[tuple[int, int, int]], list[tuple[str, float]]]:
    """The distribution — (stars, count, percent) for 5 → 1 stars — and
    (criterion field, average rounded to 0.1) of each criterion with one,
    from the values of :func:`review_figures_aggregates`."""
    total = sum(figures[f"stars_{stars}"] for stars in STARS) or 1
    distribution = [
        (stars, figures[f"stars_{stars}"], round(100 * figures[f"stars_{stars}"] / total))
        for stars in STARS
    ]
    criteria = [
        (name, round(float(figures[name]), 1)) for name in CRITERIA if figures[name] is not None
    ]
    return distribution, criteria


def review_figures(
    company: Company,
) -> tuple[list[tuple[int, int, int]], list[tuple[str, float]]]:
    """:func:`review_distribution` and :func:`criteria_average_values`
    together (:func:`review_figures_of`), in one aggregate query over the
    company's published reviews instead of two."""
    return review_figures_of(company.reviews.published().aggregate(**review_figures_aggregates()))


def review_distribution(company: Company) -> list[tuple[int, int, int]]:
    """(stars, count, percent) for 5 → 1 stars, published reviews only."""
    counts = dict(
        company.reviews.published().values_list("rating").annotate(n=Count("*")).order_by()
    )
    total = sum(counts.values()) or 1
    return [
        (stars, counts.get(stars, 0), round(100 * counts.get(stars, 0) / total))
        for stars in range(5, 0, -1)
    ]


def invitation_ratios(limit: int = 50):
    """Registered invoices and invited clients per company, the least
    invited first: a low ratio hints at clients left out."""
    return (
        Company.objects.filter(invoices__isnull=False)
        .annotate(
            registered=Count("invoices", distinct=True),
            invited=Count("invoices__invitation", distinct=True),
        )
        .values("trade_name", "registered", "invited")
        .order_by("invited", "-registered")[:limit]
    )


# The window of the invited / invoiced ratio shown on a company's page.
INVITATION_RATIO_WINDOW = timedelta(days=365)


def invitation_ratio(company: Company, now=None) -> dict | None:
    """The company's invitation rule and how it was applied, for its public
    page (issue 12, "Invitation rule"): ``invoiced`` (invoices registered
    over the last 12 months, ``INVITATION_RATIO_WINDOW``), ``invited`` (of
    those, the ones whose client got an invitation), ``percent`` (rounded,
    0-100), ``policy`` and ``min_amount`` (the rule today; None when never
    saved: every client is invited) and ``changed_at`` (its last change, or
    None). None when no invoice was registered in the window. One query."""
    since = (now or timezone.now()) - INVITATION_RATIO_WINDOW
    recent = Invoice.objects.filter(company=OuterRef("pk"), created_at__gte=since)

    def counted(invoices: QuerySet[Invoice]) -> Coalesce:
        total = invoices.order_by().values("company").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(total), 0)

    last_change = InvitationRuleChange.objects.filter(company=OuterRef("pk")).order_by(
        "-changed_at", "-pk"
    )
    row = (
        Company.objects.filter(pk=company.pk)
        .order_by()
        .annotate(
            invoiced=counted(recent),
            invited=counted(recent.filter(invitation__isnull=False)),
            policy=F("review_settings__policy"),
            min_amount=F("review_settings__min_amount"),
            changed_at=Subquery(last_change.values("changed_at")[:1]),
        )
        .values("invoiced", "invited", "policy", "min_amount", "changed_at")
        .first()
    )
    if not row or not row["invoiced"]:
        return None
    return {
        **row,
        "policy": row["policy"] or InvitationPolicy.ALL,
        "percent": round(100 * row["invited"] / row["invoiced"]),
    }


@dataclass(frozen=True)
class HistoryLine:
    """One line of a review's history on the staff page: entry ``seq``,
    when, ``what`` happened (French labels), ``actor`` (None: the system or
    the author's private link), ``reason`` (the text recorded with a move;
    ``reason_altered`` when it no longer matches the digest chained)."""

    seq: int
    at: datetime
    what: str
    actor: User | None
    reason: str
    reason_altered: bool


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _what(entry: ReviewLogEntry) -> str:
    data = entry.payload
    if entry.kind == LedgerKind.STATUS:
        to = _label(ReviewStatus, data.get("to", ""))
        if not data.get("from"):
            return _("Status: %(to)s") % {"to": to}
        return _("Status: %(from)s → %(to)s") % {
            "from": _label(ReviewStatus, data["from"]),
            "to": to,
        }
    if entry.kind == LedgerKind.AUDIT:
        to = _label(AuditStatus, data.get("to", ""))
        if not data.get("from"):
            return _("Document audit: %(to)s") % {"to": to}
        return _("Document audit: %(from)s → %(to)s") % {
            "from": _label(AuditStatus, data["from"]),
            "to": to,
        }
    if entry.kind == LedgerKind.DECISION:
        what = _("Moderation decision: %(decision)s") % {
            "decision": _label(ModerationDecision.Decision, data.get("decision", ""))
        }
        if data.get("reason"):
            what += f" · {_label(RejectionReason, data['reason'])}"
        return what
    if entry.kind == LedgerKind.APPEAL:
        by = _label(Appeal.By, data.get("by", ""))
        return _("Appeal (%(by)s): %(status)s") % {
            "by": by,
            "status": _label(AppealStatus, data.get("status", "")),
        }
    if entry.kind == LedgerKind.SANCTION:
        action = data.get("action")
        if data.get("kind") == SanctionKind.WARNING:
            if action == "lifted":
                return str(_("Automatic warning for missed audits lifted"))
            return str(_("Automatic public warning for missed audits"))
        if action == "lifted":
            return str(_("Company sanction lifted"))
        return str(_("Company sanction: public warning, new reviews frozen"))
    return entry.kind


def review_history(review: Review) -> list[HistoryLine]:
    """The record of ``review`` in order (``ReviewLogEntry``, oldest first)
    as lines for staff, in three queries (the entries with their actor, the
    texts of its status moves, of its audit's moves)."""
    entries = list(review.log_entries.select_related("actor").order_by("seq"))
    reasons = dict(ReviewEvent.objects.filter(review=review).values_list("pk", "reason"))
    audit_reasons = dict(
        AuditEvent.objects.filter(audit__review=review).values_list("pk", "reason")
    )
    lines = []
    for entry in entries:
        source = audit_reasons if entry.kind == LedgerKind.AUDIT else reasons
        reason = ""
        if entry.kind in (LedgerKind.STATUS, LedgerKind.AUDIT):
            reason = source.get(entry.payload.get("event"), "")
        altered = bool(reason) and digest(reason) != entry.payload.get("reason_sha256")
        lines.append(
            HistoryLine(entry.seq, entry.created_at, _what(entry), entry.actor, reason, altered)
        )
    return lines


def strikes_by_company(limit: int = 50):
    return (
        Strike.objects.values("company__trade_name", "company_id")
        .annotate(total=Count("*"))
        .order_by("-total")[:limit]
    )


def personal_data(user: User) -> list[dict]:
    """The reviews written from the user's address, for their data export
    (``settings.PERSONAL_DATA_SECTIONS``)."""
    reviews = Review.objects.filter(author_email__iexact=user.email).select_related("company")
    return [
        {
            "company": review.company.trade_name,
            "rating": review.rating,
            "title": review.title,
            "text": review.text,
            "author_name": review.author_name,
            "status": review.status,
            "created_at": review.created_at.isoformat(),
        }
        for review in reviews
    ]
