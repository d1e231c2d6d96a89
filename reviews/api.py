"""The reviews' endpoints of the partner API (issue 14): a company's
published reviews, the feed of every published review, and the invoices a
connected partner sends (one, or a batch) through the service of the pro
space's form. Exactly what
the company page shows of a review (``reviews/section.html``): the rating
and criteria, title, text, the author's shown name ("Sophie M."), the
dates, the invoice label and the audit note, the published updates and
the company's published reply. Never the author's full name or e-mail."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, QuerySet, Value
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from common.formats import parse_phone
from directory.api import (
    CompanySection,
    CompanyWriteView,
    company_for_api,
    company_for_write,
)
from directory.models import Company
from partners.api.base import PartnerAPIView, query_data
from partners.api.fields import UtcDateTimeField
from partners.api.idempotency import idempotent
from partners.api.pagination import FeedCursorPagination
from partners.api.schema import (
    company_batch_schema,
    company_write_schema,
    cursor_parameter,
    id_parameter,
    limit_parameter,
    read_responses,
    slug_parameter,
)
from partners.api.writes import (
    MAX_BATCH_ITEMS,
    BatchResult,
    StrictCharField,
    StrictDecimalField,
    StrictSerializer,
    Unprocessable,
    batch_items,
    batch_run,
    service_errors,
)
from partners.models import Scope

from .models import Invoice, InvoiceSource, Review, ReviewInvitation, ReviewSettings
from .selectors import (
    public_review_rows,
    published_reviews,
    review_figures_of,
    review_figures_subquery,
)
from .services import invitations
from .services.invoices import invoice_create, settings_for

SCOPE_NOTE = "Scope: `reviews:read`."


def company_review_figures(company: Company) -> dict[str, Any] | None:
    """The rating details of the company page: the distribution of the
    published reviews and each criterion's average, read in the profile's
    own query (``review_figures`` annotation); None without a published
    review."""
    figures = getattr(company, "review_figures", None)
    if not company.review_count or figures is None:
        return None
    distribution, criteria = review_figures_of(figures)
    return {
        "distribution": [
            {"stars": stars, "count": count} for stars, count, _percent in distribution
        ],
        "criteria": [
            {"criterion": name.removeprefix("rating_"), "average": average}
            for name, average in criteria
        ],
    }


# The API's company profile section (``API_COMPANY_SECTIONS``).
REVIEW_FIGURES_SECTION = CompanySection(
    annotations=lambda: {"review_figures": review_figures_subquery()},
    render=company_review_figures,
)


class ReplyOutput(serializers.Serializer):
    text = serializers.CharField()
    edited = serializers.SerializerMethodField()

    def get_edited(self, reply: Any) -> bool:
        return reply.edited_at is not None


class UpdateOutput(serializers.Serializer):
    text = serializers.CharField()
    created_at = UtcDateTimeField()


class CriteriaOutput(serializers.Serializer):
    reliability = serializers.IntegerField(source="rating_reliability")
    quality = serializers.IntegerField(source="rating_quality")
    value = serializers.IntegerField(source="rating_value")
    communication = serializers.IntegerField(source="rating_communication")


class ReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    company = serializers.SlugField(source="company_slug")
    rating = serializers.IntegerField()
    criteria = CriteriaOutput(source="*")
    title = serializers.CharField()
    text = serializers.CharField()
    author = serializers.CharField(
        source="display_name", help_text='First name and initial: "Sophie M."'
    )
    experience_date = serializers.DateField()
    published_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    invoice_verified = serializers.SerializerMethodField(
        help_text="Always true: every review is tied to an invoice in the client's name."
    )
    invoice_checked_on = UtcDateTimeField(
        allow_null=True, help_text="When a document audit checked the invoice."
    )
    invoice_missing_since = UtcDateTimeField(
        allow_null=True, help_text="When the company failed to provide the invoice to an audit."
    )
    updates = UpdateOutput(source="published_updates", many=True)
    reply = serializers.SerializerMethodField()

    def get_invoice_verified(self, review: Review) -> bool:
        return True

    def get_reply(self, review: Review) -> dict[str, Any] | None:
        reply = review.public_reply
        return dict(ReplyOutput(reply).data) if reply is not None else None

    def to_representation(self, review: Review) -> dict[str, Any]:
        """The fields above, built directly: DRF's generic walk over 20
        fields and 3 nested serializers cost about 0.3 ms a review, 15 ms
        of a feed page of 50 (``make bench-api``). Same output, the same
        date formats (DRF's own fields format them); a test compares both
        paths (tests/reviews/test_api.py)."""
        moment, day = _DATETIME.to_representation, _DATE.to_representation
        return {
            "id": review.id,
            "company": review.company_slug,
            "rating": review.rating,
            "criteria": {
                "reliability": review.rating_reliability,
                "quality": review.rating_quality,
                "value": review.rating_value,
                "communication": review.rating_communication,
            },
            "title": review.title,
            "text": review.text,
            "author": review.display_name,
            "experience_date": day(review.experience_date),
            "published_at": moment(review.published_at),
            "updated_at": moment(review.updated_at),
            "invoice_verified": True,
            "invoice_checked_on": moment(getattr(review, "invoice_checked_on", None)),
            "invoice_missing_since": moment(getattr(review, "invoice_missing_since", None)),
            "updates": [
                {"text": update.text, "created_at": moment(update.created_at)}
                for update in review.published_updates
            ],
            "reply": self._reply(review),
        }

    @staticmethod
    def _reply(review: Review) -> dict[str, Any] | None:
        reply = review.public_reply
        if reply is None:
            return None
        return {"text": reply.text, "edited": reply.edited_at is not None}


# The columns ReviewOutput reads of a review and its reply: a feed page
# of 50 loads these alone, not every column of the tables (a dozen
# datetimes to decode per row). The company's slug comes as the
# ``company_slug`` annotation (review_rows_for_output), not as a company
# built for each review.
REVIEW_OUTPUT_COLUMNS = (
    "id",
    "company",
    "rating",
    "rating_reliability",
    "rating_quality",
    "rating_value",
    "rating_communication",
    "title",
    "text",
    "author_name",
    "experience_date",
    "published_at",
    "updated_at",
    "reply__text",
    "reply__edited_at",
    "reply__status",
)


def review_rows_for_output(rows: QuerySet[Review], company_slug: Value | F) -> QuerySet[Review]:
    """``rows`` (from ``public_review_rows``) reduced to what ReviewOutput
    reads, with ``company_slug``: ``F("company__slug")`` for reviews of
    any company (a join), ``Value(slug)`` for one company's. Building a
    company per review cost the feed's page of 50 a tenth of its CPU."""
    return rows.only(*REVIEW_OUTPUT_COLUMNS).annotate(company_slug=company_slug)


# Unbound fields used for their formatting alone (ReviewOutput.to_representation).
_DATETIME = UtcDateTimeField()
_DATE = serializers.DateField()


REVIEW_EXAMPLE = {
    "id": 1042,
    "company": "alpha-electricite",
    "rating": 5,
    "criteria": {"reliability": 5, "quality": 5, "value": 4, "communication": 5},
    "title": "Travail soigné",
    "text": "Installation du tableau électrique en une journée, chantier propre.",
    "author": "Sophie M.",
    "experience_date": "2026-09-12",
    "published_at": "2026-09-20T08:04:11Z",
    "updated_at": "2026-09-21T06:00:00Z",
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
            slug_parameter(),
            cursor_parameter(),
            limit_parameter("Reviews"),
        ],
        responses=read_responses(ReviewOutput(many=True), 404),
        examples=[_page_example("Reviews of a company")],
    )
    def get(self, request: Request, slug: str) -> Response:
        company = company_for_api(slug)
        paginator = self.pagination_class()
        rows = review_rows_for_output(published_reviews(company), Value(company.slug))
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
            cursor_parameter(),
            limit_parameter("Reviews"),
        ],
        responses=read_responses(ReviewOutput(many=True)),
        examples=[_page_example("Feed")],
    )
    def get(self, request: Request) -> Response:
        params = FeedQuery(data=query_data(request))
        params.is_valid(raise_exception=True)
        reviews = Review.objects.published()
        since = params.validated_data["updated_since"]
        if since is not None:
            reviews = reviews.filter(updated_at__gte=since)
        paginator = self.pagination_class()
        rows = review_rows_for_output(public_review_rows(reviews), F("company__slug"))
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ReviewOutput(page, many=True).data)


# --- Invoices sent by a connected partner ----------------------------------

INVOICE_SCOPE_NOTE = "Scope: `invoices:write`, and the company must have connected the partner."


class InvoiceInput(StrictSerializer):
    """The shape of an invoice; the rules (number not yet registered, the
    date's range, the client's name, the amount the invitation rule needs)
    are the service's, refused as a 422 naming the field."""

    number = StrictCharField(max_length=50, help_text="The invoice's number, unique per company.")
    issued_on = serializers.DateField(help_text="ISO 8601 date, not in the future.")
    amount = StrictDecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            'Incl. tax, in euros, as a decimal string ("129.90"). Optional unless the '
            "company invites only above an amount."
        ),
    )
    client_name = StrictCharField(max_length=150, help_text="As written on the invoice.")
    client_company = StrictCharField(
        max_length=150, required=False, allow_blank=True, default="", help_text="B2B only."
    )
    client_email = serializers.EmailField(max_length=254)
    client_phone = StrictCharField(max_length=30, required=False, allow_blank=True, default="")

    def validate_client_phone(self, value: str) -> str:
        if not value:
            return ""
        try:
            return parse_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class InvoiceOutput(serializers.Serializer):
    """What the partner learns of the invoice it sent: never its client."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    issued_on = serializers.DateField()
    invited = serializers.BooleanField(
        help_text="Whether the client is invited to review (the e-mail leaves shortly)."
    )
    not_invited_reason = serializers.ChoiceField(
        choices=["too_old", "invitation_rule"],
        allow_null=True,
        help_text=(
            "Why not: `too_old` (past the age limit for an invitation), `invitation_rule` "
            "(the company's rule or the client's choice); null when invited."
        ),
    )


def invoice_invited(invoice: Invoice) -> bool:
    """Whether the invoice's client is invited: no query for an invoice
    just registered with its invitation (``invitation_create`` leaves it
    on the invoice)."""
    try:
        invoice.invitation  # noqa: B018 - the look-up is the question
    except ReviewInvitation.DoesNotExist:
        return False
    return True


def invoice_result(invoice: Invoice) -> dict[str, Any]:
    invited = invoice_invited(invoice)
    reason = None
    if not invited:
        reason = "too_old" if invitations.invoice_too_old(invoice.issued_on) else "invitation_rule"
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "issued_on": invoice.issued_on,
        "invited": invited,
        "not_invited_reason": reason,
    }


def invoice_process(company: Company, data: Any, rule: ReviewSettings | None = None) -> Invoice:
    """One invoice: its shape (DRF's ``ValidationError``), then the pro
    space's service (Django's ``ValidationError``): invoice, session,
    invitation by the company's rule (``rule``: read once for a batch)."""
    shape = InvoiceInput(data=data)
    shape.is_valid(raise_exception=True)
    return invoice_create(
        company=company,
        fields=dict(shape.validated_data),
        actor=None,
        source=InvoiceSource.API,
        rule=rule,
    )


def invoice_location(request: Request, company: Company, invoice: Invoice) -> str:
    return request.build_absolute_uri(
        reverse("api:company-invoice", kwargs={"slug": company.slug, "invoice_id": invoice.pk})
    )


INVOICE_EXAMPLE_IN = {
    "number": "F-2026-0142",
    "issued_on": "2026-11-02",
    "amount": "129.90",
    "client_name": "Sophie Martin",
    "client_email": "sophie.martin@example.org",
    "client_phone": "06 99 05 60 90",
}
INVOICE_EXAMPLE_OUT = {
    "id": 5812,
    "number": "F-2026-0142",
    "issued_on": "2026-11-02",
    "invited": True,
    "not_invited_reason": None,
}


class InvoiceBatchInput(StrictSerializer):
    """Invoices to register, each on its own."""

    items = InvoiceInput(many=True, help_text=f"1 to {MAX_BATCH_ITEMS} invoices.")


class InvoiceBatchResult(BatchResult):
    id = serializers.IntegerField(required=False)
    number = serializers.CharField(required=False)
    issued_on = serializers.DateField(required=False)
    invited = serializers.BooleanField(required=False)
    not_invited_reason = serializers.CharField(required=False, allow_null=True)


class InvoiceBatchOutput(serializers.Serializer):
    results = InvoiceBatchResult(many=True)


class CompanyInvoiceCreate(CompanyWriteView):
    required_scopes = (Scope.INVOICES_WRITE,)

    @company_write_schema(
        operation_id="company_invoices_create",
        summary="Send an invoice",
        description=(
            "Registers an invoice of the company as its pro space's form does: the invoice, "
            "its completed session (loyalty), and the review invitation of its client if the "
            "company's rule says so. The response says whether the client is invited and "
            "never repeats client data. A number already registered is a 422. "
        ),
        scope_note=INVOICE_SCOPE_NOTE,
        request=InvoiceInput,
        ok={201: InvoiceOutput},
        examples=[
            OpenApiExample("An invoice", value=INVOICE_EXAMPLE_IN, request_only=True),
            OpenApiExample(
                "Registered", value=INVOICE_EXAMPLE_OUT, response_only=True, status_codes=[201]
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        company = self.company
        try:
            invoice = invoice_process(company, request.data)
        except DjangoValidationError as error:
            raise Unprocessable(service_errors(error, InvoiceInput.field_names())) from error
        return Response(
            InvoiceOutput(invoice_result(invoice)).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": invoice_location(request, company, invoice)},
        )


class CompanyInvoiceBatch(CompanyWriteView):
    required_scopes = (Scope.INVOICES_WRITE,)

    @company_batch_schema(
        operation_id="company_invoices_batch",
        summary="Send invoices in a batch",
        items_noun="invoices",
        single_path="companies/{slug}/invoices",
        outcome="registered",
        item_statuses="201 with the invoice, or 422 with its `errors`",
        scope_note=INVOICE_SCOPE_NOTE,
        request=InvoiceBatchInput,
        ok=InvoiceBatchOutput,
        examples=[
            OpenApiExample(
                "Two invoices",
                value={"items": [INVOICE_EXAMPLE_IN, {**INVOICE_EXAMPLE_IN, "number": ""}]},
                request_only=True,
            ),
            OpenApiExample(
                "One registered, one refused",
                value={
                    "results": [
                        {"index": 0, "status": 201, **INVOICE_EXAMPLE_OUT},
                        {
                            "index": 1,
                            "status": 422,
                            "errors": [
                                {"field": "number", "detail": "Ce champ ne peut être vide."}
                            ],
                        },
                    ]
                },
                response_only=True,
                status_codes=[200],
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        company = self.company
        items = batch_items(request)
        # The company's invitation rule, as the batch starts, for every item.
        rule = settings_for(company)

        def process(item: Any) -> tuple[int, dict[str, Any]]:
            invoice = invoice_process(company, item, rule)
            return status.HTTP_201_CREATED, dict(InvoiceOutput(invoice_result(invoice)).data)

        return Response({"results": batch_run(items, process, InvoiceInput.field_names())})


class CompanyInvoiceDetail(PartnerAPIView):
    required_scopes = (Scope.INVOICES_WRITE,)

    @extend_schema(
        operation_id="company_invoice_detail",
        summary="An invoice sent through the API",
        description=(
            "What the invoice's `Location` names: the same fields as its creation, for an "
            "invoice sent through the API. " + INVOICE_SCOPE_NOTE
        ),
        parameters=[
            slug_parameter(),
            id_parameter("invoice_id", INVOICE_EXAMPLE_OUT["id"]),
        ],
        responses=read_responses(InvoiceOutput, 404),
        examples=[OpenApiExample("An invoice", value=INVOICE_EXAMPLE_OUT, response_only=True)],
    )
    def get(self, request: Request, slug: str, invoice_id: int) -> Response:
        company = company_for_write(request, slug)
        invoice = Invoice.objects.filter(
            company=company, pk=invoice_id, source=InvoiceSource.API
        ).first()
        if invoice is None:
            raise Http404
        return Response(InvoiceOutput(invoice_result(invoice)).data)
