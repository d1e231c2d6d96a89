"""Loyalty in the partner API: the section of a company's profile
(``settings.API_COMPANY_SECTIONS``, read by ``directory.api``), and the
completed sessions a connected partner sends (booking software), one or
in a batch, under the partner's own reference.

Django REST framework ships no types: its classes are ``Any`` to mypy,
hence the ``type: ignore[misc]`` on the classes built on them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from common.formats import parse_phone
from directory.api import CompanySection, CompanyWriteView, company_for_write
from directory.models import Company
from partners.api.base import PartnerAPIView
from partners.api.idempotency import idempotent
from partners.api.schema import (
    company_batch_schema,
    company_write_schema,
    id_parameter,
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

from .models import ServiceSession, SessionSource, SessionStatus
from .selectors import public_loyalty_of, public_loyalty_subquery
from .services.sessions import session_from_partner


def company_loyalty(company: Company) -> dict[str, Any] | None:
    """The public line of the company page as data, for a scored company
    only (None otherwise: never "0 %"), read in the profile's own query
    (``loyalty_figures`` annotation)."""
    if company.loyalty_score is None:
        return None
    loyalty = public_loyalty_of(getattr(company, "loyalty_figures", None))
    if loyalty is None:
        return None
    return {
        "percent": loyalty.percent,
        "trade_percent": loyalty.baseline_percent,
        "trade_baseline": loyalty.trade_baseline,
        "new_clients": loyalty.new_clients,
        "returned": loyalty.returned,
        "period_days": settings.LOYALTY_RETURN_DAYS,
    }


# The API's company profile section (``API_COMPANY_SECTIONS``).
LOYALTY_SECTION = CompanySection(
    annotations=lambda: {"loyalty_figures": public_loyalty_subquery()},
    render=company_loyalty,
)


# --- Sessions sent by a connected partner ----------------------------------

SESSION_SCOPE_NOTE = "Scope: `sessions:write`, and the company must have connected the partner."


class SessionInput(StrictSerializer):
    """The shape of a session; its rules (date, client identity, one
    session per reference) are the service's."""

    reference = StrictCharField(
        max_length=100,
        help_text="The partner's own id of the session, unique per company: a retry with "
        "the same reference returns the session already recorded (200).",
    )
    performed_on = serializers.DateField(help_text="ISO 8601 date, not in the future.")
    status = serializers.ChoiceField(
        choices=SessionStatus.choices,
        required=False,
        default=SessionStatus.COMPLETED,
        help_text="Only completed sessions count for loyalty.",
    )
    amount = StrictDecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text='Incl. tax, in euros, as a decimal string ("45.00").',
    )
    client_email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, default=""
    )
    client_phone = StrictCharField(max_length=30, required=False, allow_blank=True, default="")
    client_name = StrictCharField(max_length=150, required=False, allow_blank=True, default="")

    def validate_client_phone(self, value: str) -> str:
        if not value:
            return ""
        try:
            return parse_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if not (attrs["client_email"] or attrs["client_phone"] or attrs["client_name"]):
            raise serializers.ValidationError(_("Give the client's e-mail, phone number or name."))
        return attrs


class SessionOutput(serializers.Serializer):  # type: ignore[misc]
    """What the partner learns of the session: never its client."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    performed_on = serializers.DateField()
    status = serializers.ChoiceField(choices=SessionStatus.choices)


def session_result(session: ServiceSession) -> dict[str, Any]:
    return dict(
        SessionOutput(
            {
                "id": session.pk,
                "reference": session.reference,
                "performed_on": session.performed_on,
                "status": session.status,
            }
        ).data
    )


def session_process(company: Company, data: Any) -> tuple[ServiceSession, bool]:
    """One session: its shape (DRF's ``ValidationError``), then the
    service (Django's ``ValidationError``)."""
    shape = SessionInput(data=data)
    shape.is_valid(raise_exception=True)
    fields = shape.validated_data
    performed_on: date = fields["performed_on"]
    return session_from_partner(
        company=company,
        performed_on=performed_on,
        status=fields["status"],
        reference=fields["reference"],
        email=fields["client_email"],
        phone=fields["client_phone"],
        name=fields["client_name"],
        amount=fields["amount"],
    )


def session_location(request: Request, company: Company, session: ServiceSession) -> str:
    path = reverse("api:company-session", kwargs={"slug": company.slug, "session_id": session.pk})
    return str(request.build_absolute_uri(path))


SESSION_EXAMPLE_IN = {
    "reference": "RDV-88412",
    "performed_on": "2026-11-20",
    "status": "completed",
    "amount": "45.00",
    "client_email": "sophie.martin@example.org",
}
SESSION_EXAMPLE_ID = 90211
SESSION_EXAMPLE_OUT = {
    "id": SESSION_EXAMPLE_ID,
    "reference": "RDV-88412",
    "performed_on": "2026-11-20",
    "status": "completed",
}


class SessionBatchInput(StrictSerializer):
    """Sessions to record, each on its own."""

    items = SessionInput(many=True, help_text=f"1 to {MAX_BATCH_ITEMS} sessions.")


class SessionBatchResult(BatchResult):
    id = serializers.IntegerField(required=False)
    reference = serializers.CharField(required=False)
    performed_on = serializers.DateField(required=False)
    # ``status`` is the item's HTTP status (201, 200, 422): the session's
    # own status comes as ``session_status``.
    session_status = serializers.ChoiceField(choices=SessionStatus.choices, required=False)


class SessionBatchOutput(serializers.Serializer):  # type: ignore[misc]
    results = SessionBatchResult(many=True)


class CompanySessionCreate(CompanyWriteView):
    required_scopes = (Scope.SESSIONS_WRITE,)

    @company_write_schema(
        operation_id="company_sessions_create",
        summary="Send a session",
        description=(
            "Records a session of the company (completed, cancelled or no-show) under the "
            "partner's `reference`: 201 when recorded, 200 with the session already recorded "
            "when the reference was sent before (a retry; the session is not changed). The "
            "client is kept only as a key for loyalty and never returned. "
        ),
        scope_note=SESSION_SCOPE_NOTE,
        request=SessionInput,
        ok={201: SessionOutput, 200: SessionOutput},
        examples=[
            OpenApiExample("A session", value=SESSION_EXAMPLE_IN, request_only=True),
            OpenApiExample(
                "Recorded", value=SESSION_EXAMPLE_OUT, response_only=True, status_codes=[201]
            ),
            OpenApiExample(
                "Already recorded",
                value=SESSION_EXAMPLE_OUT,
                response_only=True,
                status_codes=[200],
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        company = self.company
        try:
            session, created = session_process(company, request.data)
        except DjangoValidationError as error:
            raise Unprocessable(service_errors(error, SessionInput.field_names())) from error
        return Response(
            session_result(session),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": session_location(request, company, session)},
        )


class CompanySessionBatch(CompanyWriteView):
    required_scopes = (Scope.SESSIONS_WRITE,)

    @company_batch_schema(
        operation_id="company_sessions_batch",
        summary="Send sessions in a batch",
        items_noun="sessions",
        single_path="companies/{slug}/sessions",
        outcome="recorded",
        item_statuses=(
            "201 (recorded), 200 (already recorded under this reference) or 422 with its `errors`"
        ),
        scope_note=SESSION_SCOPE_NOTE,
        request=SessionBatchInput,
        ok=SessionBatchOutput,
        examples=[
            OpenApiExample(
                "Two sessions",
                value={"items": [SESSION_EXAMPLE_IN, {**SESSION_EXAMPLE_IN, "reference": ""}]},
                request_only=True,
            ),
            OpenApiExample(
                "One recorded, one refused",
                value={
                    "results": [
                        {
                            "index": 0,
                            "status": 201,
                            "id": 90211,
                            "reference": "RDV-88412",
                            "performed_on": "2026-11-20",
                            "session_status": "completed",
                        },
                        {
                            "index": 1,
                            "status": 422,
                            "errors": [
                                {"field": "reference", "detail": "Ce champ ne peut être vide."}
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

        def process(item: Any) -> tuple[int, dict[str, Any]]:
            session, created = session_process(company, item)
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
            result = session_result(session)
            result["session_status"] = result.pop("status")
            return code, result

        return Response({"results": batch_run(items, process, SessionInput.field_names())})


class CompanySessionDetail(PartnerAPIView):
    required_scopes = (Scope.SESSIONS_WRITE,)

    @extend_schema(
        operation_id="company_session_detail",
        summary="A session sent through the API",
        description=(
            "What the session's `Location` names: the same fields as its creation, for a "
            "session sent through the API. " + SESSION_SCOPE_NOTE
        ),
        parameters=[
            slug_parameter(),
            id_parameter("session_id", SESSION_EXAMPLE_ID),
        ],
        responses=read_responses(SessionOutput, 404),
        examples=[OpenApiExample("A session", value=SESSION_EXAMPLE_OUT, response_only=True)],
    )
    def get(self, request: Request, slug: str, session_id: int) -> Response:
        company = company_for_write(request, slug)
        session = ServiceSession.objects.filter(
            company=company, pk=session_id, source=SessionSource.API
        ).first()
        if session is None:
            raise Http404
        return Response(session_result(session))
