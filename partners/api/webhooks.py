"""Webhook management in the partner API (scope ``webhooks:manage``),
under ``/api/v1/webhooks``: a partner's endpoints (the secret shown once,
at creation and at each rotation), their delivery log (cursor pages,
newest first) and replays. The writes are :mod:`partners.webhooks`'s."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from common.ids import get_by_id_or_404

from .. import webhooks
from ..models import (
    PUBLIC_EVENT_TYPES,
    EndpointScope,
    EventType,
    Scope,
    WebhookDelivery,
    WebhookEndpoint,
)
from .base import PartnerAPIView
from .fields import UtcDateTimeField
from .pagination import FeedCursorPagination
from .schema import (
    UNKNOWN_FIELDS_NOTE,
    cursor_parameter,
    id_parameter,
    limit_parameter,
    problem_responses,
    read_responses,
)
from .writes import StrictCharField, StrictSerializer

SCOPE_NOTE = "Scope: `webhooks:manage`."
TAGS = ["webhooks"]


def _invalid(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's refusal as a 400 problem, with its message per field."""
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
        )
    return exceptions.ValidationError({"non_field_errors": [str(m) for m in error.messages]})


class EventTypeOutput(serializers.Serializer):
    type = serializers.CharField()
    description = serializers.CharField()
    public = serializers.BooleanField(
        help_text="Sent to endpoints of scope `public` for every company; otherwise only for "
        "the companies that connected the partner."
    )


class EndpointOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    scope = serializers.ChoiceField(choices=EndpointScope.choices)
    status = serializers.CharField(help_text="`active` or `disabled`.")
    disabled_reason = serializers.CharField(
        help_text="`gone` (answered 410), `failing` (every delivery failed for days), `staff`, "
        "or empty."
    )
    disabled_at = UtcDateTimeField(allow_null=True)
    created_at = UtcDateTimeField()


class EndpointCreatedOutput(EndpointOutput):
    secret = serializers.CharField(
        help_text="The signing secret (`whsec_…`): shown this once, keep it safe."
    )


class EndpointInput(StrictSerializer):
    """An endpoint to subscribe."""

    # Strings that are strings: DRF's CharField would take 0 for "0".
    url = StrictCharField(max_length=2000, help_text="HTTPS, on a public address.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), min_length=1, max_length=20
    )
    scope = serializers.ChoiceField(choices=EndpointScope.choices, default=EndpointScope.CONNECTED)
    description = StrictCharField(max_length=200, required=False, default="", allow_blank=True)


class SecretOutput(serializers.Serializer):
    secret = serializers.CharField(help_text="The new secret: shown this once.")
    previous_expires_at = UtcDateTimeField(
        help_text="Until then deliveries also carry a signature by the previous secret."
    )


class DeliveryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.CharField(help_text="The `webhook-id` header of its requests.")
    event_type = serializers.CharField(source="event.type")
    status = serializers.CharField(help_text="`pending`, `delivered`, `failed` or `gone`.")
    attempts = serializers.IntegerField()
    next_attempt_at = UtcDateTimeField(allow_null=True)
    last_attempt_at = UtcDateTimeField(allow_null=True)
    status_code = serializers.IntegerField(allow_null=True, help_text="Of the last answer.")
    latency_ms = serializers.IntegerField(allow_null=True)
    error_code = serializers.CharField(
        help_text="Why no answer came: `timeout`, `connect_failed`, `tls_failed`, "
        "`bad_response`, `webhook_url_*` or `endpoint_disabled`."
    )
    response_excerpt = serializers.CharField(help_text="The start of the last answer's body.")
    created_at = UtcDateTimeField()


ENDPOINT_EXAMPLE = {
    "id": 7,
    "url": "https://hooks.example.fr/plusquepro",
    "description": "Production",
    "events": ["review.published", "review.removed"],
    "scope": "connected",
    "status": "active",
    "disabled_reason": "",
    "disabled_at": None,
    "created_at": "2026-11-30T09:00:00Z",
}


DELIVERY_EXAMPLE = {
    "id": 4211,
    "event_id": "msg_01JDZ8W5K3P7Q2R9S4T6V8X0YA",
    "event_type": "review.published",
    "status": "pending",
    "attempts": 2,
    "next_attempt_at": "2026-11-30T09:35:00Z",
    "last_attempt_at": "2026-11-30T09:05:00Z",
    "status_code": 503,
    "latency_ms": 184,
    "error_code": "",
    "response_excerpt": "Service Unavailable",
    "created_at": "2026-11-30T09:04:55Z",
}

ENDPOINT_ID = id_parameter("endpoint_id", ENDPOINT_EXAMPLE["id"], "The endpoint's `id`.")


def _endpoint_of(request: Request, raw: str) -> WebhookEndpoint:
    """The partner's endpoint ``raw``; another partner's is a 404."""
    return get_by_id_or_404(WebhookEndpoint, raw, partner=request.user.partner)


class EventTypeList(PartnerAPIView):
    required_scopes = (Scope.WEBHOOKS_MANAGE,)

    @extend_schema(
        operation_id="webhook_event_types",
        tags=TAGS,
        summary="Event types",
        description="The events an endpoint may subscribe to. " + SCOPE_NOTE,
        responses=read_responses(EventTypeOutput(many=True)),
        examples=[
            OpenApiExample(
                "Event types",
                value=[
                    {
                        "type": "review.published",
                        "description": "Un avis a été publié",
                        "public": True,
                    }
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(
            [
                {"type": value, "description": str(label), "public": value in PUBLIC_EVENT_TYPES}
                for value, label in EventType.choices
            ]
        )


class EndpointList(PartnerAPIView):
    required_scopes = (Scope.WEBHOOKS_MANAGE,)

    @extend_schema(
        operation_id="webhooks_list",
        tags=TAGS,
        summary="Webhook endpoints",
        description="The partner's endpoints, oldest first (never their secrets). " + SCOPE_NOTE,
        responses=read_responses(EndpointOutput(many=True)),
        examples=[OpenApiExample("Endpoints", value=[ENDPOINT_EXAMPLE], response_only=True)],
    )
    def get(self, request: Request) -> Response:
        endpoints = WebhookEndpoint.objects.filter(partner=request.user.partner)
        return Response(EndpointOutput(endpoints, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        tags=TAGS,
        summary="Create an endpoint",
        description=(
            "Subscribe a URL to events, for the companies that connected the partner "
            "(`scope: connected`) or, for public events, every company (`scope: public`). "
            "The URL must be HTTPS on a public address: private, loopback and link-local "
            "addresses are refused (400). The answer holds the signing secret, shown this "
            "once. " + SCOPE_NOTE + UNKNOWN_FIELDS_NOTE
        ),
        request=EndpointInput,
        responses={
            201: EndpointCreatedOutput,
            **problem_responses(400, 401, 403, 429),
        },
        examples=[
            OpenApiExample(
                "Create",
                value={
                    "url": "https://hooks.example.fr/plusquepro",
                    "events": ["review.published", "review.removed"],
                    "scope": "connected",
                    "description": "Production",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Created",
                value={**ENDPOINT_EXAMPLE, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        given = EndpointInput(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            endpoint, secret = webhooks.endpoint_create(
                partner=request.user.partner, **given.validated_data
            )
        except DjangoValidationError as error:
            raise _invalid(error) from error
        body = {**EndpointOutput(endpoint).data, "secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)


class EndpointDetail(PartnerAPIView):
    required_scopes = (Scope.WEBHOOKS_MANAGE,)

    @extend_schema(
        operation_id="webhooks_retrieve",
        tags=TAGS,
        summary="An endpoint",
        description=SCOPE_NOTE,
        parameters=[ENDPOINT_ID],
        responses=read_responses(EndpointOutput, 404),
        examples=[OpenApiExample("Endpoint", value=ENDPOINT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        return Response(EndpointOutput(_endpoint_of(request, endpoint_id)).data)

    @extend_schema(
        operation_id="webhooks_delete",
        tags=TAGS,
        summary="Delete an endpoint",
        description="With its secrets and delivery log; nothing more is sent to it. " + SCOPE_NOTE,
        parameters=[ENDPOINT_ID],
        responses={204: None, **problem_responses(400, 401, 403, 404, 429)},
    )
    def delete(self, request: Request, endpoint_id: str) -> Response:
        webhooks.endpoint_delete(endpoint=_endpoint_of(request, endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointSecretRotate(PartnerAPIView):
    required_scopes = (Scope.WEBHOOKS_MANAGE,)

    @extend_schema(
        operation_id="webhooks_rotate_secret",
        tags=TAGS,
        summary="Rotate the signing secret",
        description=(
            "A new secret, shown this once. The previous one keeps signing until "
            "`previous_expires_at` (24 hours): meanwhile every delivery carries both "
            "signatures, so the receiver can switch at any moment. " + SCOPE_NOTE
        ),
        parameters=[ENDPOINT_ID],
        request=None,
        responses={201: SecretOutput, **problem_responses(400, 401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "Rotated",
                value={
                    "secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
                    "previous_expires_at": "2026-12-01T09:00:00Z",
                },
                response_only=True,
                status_codes=["201"],
            )
        ],
    )
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = _endpoint_of(request, endpoint_id)
        secret, until = webhooks.endpoint_secret_rotate(endpoint=endpoint)
        body = SecretOutput({"secret": secret.secret, "previous_expires_at": until}).data
        return Response(body, status=status.HTTP_201_CREATED)


class DeliveryPagination(FeedCursorPagination):
    # Ids grow with time and never change; a batch shares its created_at.
    ordering = ("-id",)


class DeliveryList(PartnerAPIView):
    required_scopes = (Scope.WEBHOOKS_MANAGE,)
    pagination_class = DeliveryPagination

    @extend_schema(
        operation_id="webhooks_deliveries",
        tags=TAGS,
        summary="Delivery log of an endpoint",
        description=(
            "Newest first, by cursor (`next`): status, attempts, the last answer's code, "
            "latency and first characters. " + SCOPE_NOTE
        ),
        parameters=[
            ENDPOINT_ID,
            cursor_parameter(),
            limit_parameter("Deliveries"),
        ],
        responses=read_responses(DeliveryOutput(many=True), 404),
        examples=[
            OpenApiExample(
                "Delivery log",
                value={
                    "next": "https://plusquepro.fr/api/v1/webhooks/7/deliveries?cursor=cD0yMDI2",
                    "previous": None,
                    "results": [DELIVERY_EXAMPLE],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        endpoint = _endpoint_of(request, endpoint_id)
        paginator = self.pagination_class()
        rows = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(DeliveryOutput(page, many=True).data)


class DeliveryReplay(PartnerAPIView):
    required_scopes = (Scope.WEBHOOKS_MANAGE,)

    @extend_schema(
        operation_id="webhooks_replay",
        tags=TAGS,
        summary="Replay a delivery",
        description=(
            "Send a delivered, failed or gone delivery again, from its first attempt, with "
            "the same `webhook-id`. Refused (400) while it is still pending or when its "
            "endpoint is disabled. " + SCOPE_NOTE
        ),
        parameters=[
            ENDPOINT_ID,
            id_parameter("delivery_id", DELIVERY_EXAMPLE["id"], "The delivery's `id`."),
        ],
        request=None,
        responses={
            202: OpenApiResponse(DeliveryOutput, description="Queued."),
            **problem_responses(400, 401, 403, 404, 429),
        },
        examples=[
            OpenApiExample(
                "Replayed",
                value={
                    **DELIVERY_EXAMPLE,
                    "attempts": 0,
                    "status_code": None,
                    "latency_ms": None,
                    "response_excerpt": "",
                },
                response_only=True,
                status_codes=["202"],
            )
        ],
    )
    def post(self, request: Request, endpoint_id: str, delivery_id: str) -> Response:
        endpoint = _endpoint_of(request, endpoint_id)
        delivery = get_by_id_or_404(
            WebhookDelivery.objects.select_related("event", "endpoint"),
            delivery_id,
            endpoint=endpoint,
        )
        try:
            with transaction.atomic():
                delivery = webhooks.delivery_replay(delivery=delivery)
        except DjangoValidationError as error:
            raise _invalid(error) from error
        return Response(DeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)
