"""The reviews' read endpoints of the partner API (issue 14): a company's
published reviews and the feed of every published review. Exactly what
the company page shows of a review (``reviews/section.html``): the rating
and criteria, title, text, the author's shown name ("Sophie M."), the
dates, the invoice label and the audit note, the published updates and
the company's published reply. Never the author's full name or e-mail."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from directory.api import company_for_api
from directory.models import Company
from partners.api.base import PartnerAPIView
from partners.api.pagination import FeedCursorPagination
from partners.api.schema import read_responses
from partners.models import Scope

from .models import Review
from .selectors import (
    criteria_average_values,
    public_review_rows,
    published_reviews,
    review_distribution,
)

SCOPE_NOTE = "Scope: `reviews:read`."


def company_review_figures(company: Company) -> dict[str, Any] | None:
    """The rating details of the company page (``API_COMPANY_SECTIONS``):
    the distribution of the published reviews and each criterion's
    average; None without a published review (no query then)."""
    if not company.review_count:
        return None
    return {
        "distribution": [
            {"stars": stars, "count": count}
            for stars, count, _percent in review_distribution(company)
        ],
        "criteria": [
            {"criterion": name.removeprefix("rating_"), "average": average}
            for name, average in criteria_average_values(company)
        ],
    }


class ReplyOutput(serializers.Serializer):
    text = serializers.CharField()
    edited = serializers.SerializerMethodField()

    def get_edited(self, reply: Any) -> bool:
        return reply.edited_at is not None


class UpdateOutput(serializers.Serializer):
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class CriteriaOutput(serializers.Serializer):
    reliability = serializers.IntegerField(source="rating_reliability")
    quality = serializers.IntegerField(source="rating_quality")
    value = serializers.IntegerField(source="rating_value")
    communication = serializers.IntegerField(source="rating_communication")


class ReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    company = serializers.SlugField(source="company.slug")
    rating = serializers.IntegerField()
    criteria = CriteriaOutput(source="*")
    title = serializers.CharField()
    text = serializers.CharField()
    author = serializers.CharField(
        source="display_name", help_text='First name and initial: "Sophie M."'
    )
    experience_date = serializers.DateField()
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    invoice_verified = serializers.SerializerMethodField(
        help_text="Always true: every review is tied to an invoice in the client's name."
    )
    invoice_checked_on = serializers.DateTimeField(
        allow_null=True, help_text="When a document audit checked the invoice."
    )
    invoice_missing_since = serializers.DateTimeField(
        allow_null=True, help_text="When the company failed to provide the invoice to an audit."
    )
    updates = UpdateOutput(source="updates.all", many=True)
    reply = serializers.SerializerMethodField()

    def get_invoice_verified(self, review: Review) -> bool:
        return True

    def get_reply(self, review: Review) -> dict[str, Any] | None:
        reply = getattr(review, "reply", None)
        if reply is None or not reply.is_published:
            return None
        return dict(ReplyOutput(reply).data)


REVIEW_EXAMPLE = {
    "id": 1042,
    "company": "alpha-electricite",
    "rating": 5,
    "criteria": {"reliability": 5, "quality": 5, "value": 4, "communication": 5},
    "title": "Travail soigné",
    "text": "Installation du tableau électrique en une journée, chantier propre.",
    "author": "Sophie M.",
    "experience_date": "2026-09-12",
    "published_at": "2026-09-20T10:04:11+02:00",
    "updated_at": "2026-09-21T08:00:00+02:00",
    "invoice_verified": True,
    "invoice_checked_on": None,
    "invoice_missing_since": None,
    "updates": [],
    "reply": {"text": "Merci pour votre confiance !", "edited": False},
}


def _page_example(name: str) -> OpenApiExample:
    return OpenApiExample(
        name,
        value={
            "next": "https://plusquepro.fr/api/v1/reviews?cursor=cD0yMDI2LTA5",
            "previous": None,
            "results": [REVIEW_EXAMPLE],
        },
        response_only=True,
    )


class CompanyReviewPagination(FeedCursorPagination):
    ordering = ("-published_at", "-id")


class CompanyReviewList(PartnerAPIView):
    required_scopes = (Scope.REVIEWS_READ,)
    pagination_class = CompanyReviewPagination

    @extend_schema(
        operation_id="company_reviews_list",
        summary="A company's reviews",
        description=(
            "The company's published reviews, newest first, as its page shows them. "
            "Cursor pagination: follow `next`; `limit` up to 50. " + SCOPE_NOTE
        ),
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH),
            OpenApiParameter("cursor", str, description="From `next` or `previous`."),
            OpenApiParameter("limit", int, description="Reviews per page, 1 to 50 (default 50)."),
        ],
        responses=read_responses(ReviewOutput(many=True), 404),
        examples=[_page_example("Reviews of a company")],
    )
    def get(self, request: Request, slug: str) -> Response:
        company = company_for_api(slug)
        paginator = self.pagination_class()
        rows = published_reviews(company).select_related("company")
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ReviewOutput(page, many=True).data)


class FeedQuery(serializers.Serializer):
    updated_since = serializers.DateTimeField(
        required=False, default=None, help_text="ISO 8601; reviews changed at or after it."
    )


class FeedPagination(FeedCursorPagination):
    # Ascending on an order rows only move forward in: a partner syncs by
    # following ``next`` and keeps the last cursor for its next run.
    ordering = ("updated_at", "id")


class ReviewFeed(PartnerAPIView):
    required_scopes = (Scope.REVIEWS_READ,)
    pagination_class = FeedPagination

    @extend_schema(
        operation_id="reviews_feed",
        summary="Feed of published reviews",
        description=(
            "Every published review, oldest change first, in (`updated_at`, `id`) order: a "
            "review whose reply, update or audit changed comes again with its new "
            "`updated_at`. Follow `next` (cursor pagination: every page costs the same); "
            "start from `updated_since` to sync only what changed. Removed reviews leave "
            "the feed (webhooks will tell them). " + SCOPE_NOTE
        ),
        parameters=[
            FeedQuery,
            OpenApiParameter("cursor", str, description="From `next` or `previous`."),
            OpenApiParameter("limit", int, description="Reviews per page, 1 to 50 (default 50)."),
        ],
        responses=read_responses(ReviewOutput(many=True)),
        examples=[_page_example("Feed")],
    )
    def get(self, request: Request) -> Response:
        params = FeedQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        reviews = Review.objects.published()
        since = params.validated_data["updated_since"]
        if since is not None:
            reviews = reviews.filter(updated_at__gte=since)
        paginator = self.pagination_class()
        rows = public_review_rows(reviews).select_related("company")
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ReviewOutput(page, many=True).data)
