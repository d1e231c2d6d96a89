"""Reads of the reviews app."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from common.types import User
from directory.models import Company

from . import invoice_columns
from .models import (
    Appeal,
    AppealStatus,
    Review,
    ReviewFlag,
    ReviewRequest,
    ReviewRequestStatus,
    ReviewStatus,
    Sanction,
    Strike,
)


def invoice_columns_for(*, company: Company, header: tuple[str, ...], width: int) -> dict[str, int]:
    """The columns of each field of an invoice file: the company's remembered
    choice for this header if there is one, else the names recognised."""
    remembered = (
        company.invoice_column_mappings.filter(signature=invoice_columns.signature(header))
        .values_list("columns", flat=True)
        .first()
    )
    if remembered is not None and invoice_columns.valid(remembered, width):
        return remembered
    return invoice_columns.recognise(header)


# The orders a visitor can choose; the default is the newest first, as the
# consumer code requires.
ORDERS = {
    "recent": ("-published_at", "-pk"),
    "best": ("-rating", "-published_at"),
    "worst": ("rating", "-published_at"),
}
PAGE_SIZE = 10


def published_reviews(company: Company, order: str = "recent") -> QuerySet[Review]:
    return (
        company.reviews.published()
        .select_related("reply")
        .prefetch_related("updates")
        .order_by(*ORDERS.get(order, ORDERS["recent"]))
    )


def active_sanction(company: Company) -> Sanction | None:
    return company.review_sanctions.active().first()


def unpublished_reviews(company: Company, limit: int = 20) -> QuerySet[Review]:
    """Reviews taken down after a failed document audit, shown as such."""
    return company.reviews.filter(status=ReviewStatus.UNPUBLISHED).order_by("-status_changed_at")[
        :limit
    ]


def reviews_by_author(email: str, limit: int = 100) -> QuerySet[Review]:
    return Review.objects.filter(author_email__iexact=email).select_related("company")[:limit]


def company_reviews(company: Company, limit: int = 200) -> QuerySet[Review]:
    """The pro space's list: every review but those withdrawn by their author."""
    return (
        company.reviews.exclude(status=ReviewStatus.WITHDRAWN)
        .select_related("reply")
        .order_by("-created_at")[:limit]
    )


def moderation_backlog(limit: int = 100) -> dict:
    """What waits for the moderation team, oldest first."""
    return {
        "pending": Review.objects.filter(status=ReviewStatus.PENDING)
        .select_related("company")
        .order_by("created_at")[:limit],
        "flags": ReviewFlag.objects.filter(resolved_at__isnull=True)
        .select_related("review__company")
        .order_by("created_at")[:limit],
        "appeals": Appeal.objects.filter(status=AppealStatus.OPEN).select_related(
            "review__company"
        )[:limit],
        # Clients whose invoice the company has not registered: staff follow up.
        "waiting": ReviewRequest.objects.filter(status=ReviewRequestStatus.WAITING).select_related(
            "company"
        )[:limit],
    }


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
