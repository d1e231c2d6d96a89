"""What the OpenAPI schema says about the shared machinery: the API-key
scheme with each operation's scopes (OpenAPI 3.1 lets a non-OAuth
requirement list roles), the problem shape, the rate-limit headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from . import idempotency
from .problems import PROBLEM_CONTENT_TYPE, TYPE_BASE
from .writes import MAX_BATCH_ITEMS

SECURITY_SCHEME = "PartnerKey"


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "partners.api.auth.PartnerKeyAuthentication"
    name = SECURITY_SCHEME

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Authorization: Api-Key <key>` (or `X-Api-Key: <key>`). Keys are created by "
                "staff; each holds scopes: directory:read, reviews:read, invoices:write, "
                "sessions:write, webhooks:manage."
            ),
        }

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[str]]:
        return {self.name: list(getattr(auto_schema.view, "required_scopes", ()))}


class StrictSerializerScheme(OpenApiSerializerExtension):
    """A ``StrictSerializer`` refuses unknown fields: its schema says so
    (``additionalProperties: false``)."""

    target_class = "partners.api.writes.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        return schema


class ProblemFieldError(serializers.Serializer):
    field = serializers.CharField()
    detail = serializers.CharField()


class Problem(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text=f"A tag URI naming the problem: {TYPE_BASE}<code>.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ProblemFieldError(many=True, required=False, help_text="Invalid parameters, one each.")


_EXAMPLES = {
    400: ("invalid_parameters", "Paramètres invalides", "Certains paramètres sont invalides."),
    401: ("invalid_key", "Clé d’API invalide", "La clé d’API est invalide."),
    403: (
        "insufficient_scope",
        "Portée insuffisante",
        "Il manque à cette clé d’API la portée directory:read.",
    ),
    404: ("not_found", "Introuvable", "Pas trouvé."),
    409: (
        "idempotency_key_in_progress",
        "Requête déjà en cours",
        "Une requête avec cette clé d’idempotence est en cours : réessayez dans un instant.",
    ),
    413: (
        "too_many_items",
        "Trop d’éléments",
        "Un lot contient au plus 500 éléments.",
    ),
    422: (
        "unprocessable",
        "Contenu impossible à traiter",
        "La requête est bien formée mais n’a pas pu être traitée.",
    ),
    429: (
        "rate_limited",
        "Trop de requêtes",
        "Limite de requêtes dépassée pour cette clé d’API. Réessayez dans 42 secondes.",
    ),
}


def problem_responses(*codes: int) -> dict[int | tuple[int, str], Any]:
    """The problem responses of an operation, with an example each."""
    out: dict[int | tuple[int, str], Any] = {}
    for code in codes:
        name, title, detail = _EXAMPLES[code]
        value: dict[str, Any] = {
            "type": TYPE_BASE + name,
            "title": title,
            "status": code,
            "detail": detail,
        }
        if code == 400:
            value["errors"] = [
                {
                    "field": "limit",
                    "detail": "Assurez-vous que cette valeur est inférieure ou égale à 50.",
                }
            ]
        if code == 422:
            value["errors"] = [{"field": "amount", "detail": AMOUNT_ERROR_EXAMPLE}]
        out[(code, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(
            Problem,
            description=title,
            examples=[OpenApiExample(name, value=value, response_only=True, status_codes=[code])],
        )
    return out


AMOUNT_ERROR_EXAMPLE = (
    "le montant manque : votre règle d’invitation invite les clients des factures "
    "au-delà d’un montant"
)


def write_responses(ok: dict[int, Any]) -> dict[int | tuple[int, str], Any]:
    """The successful responses of a write (``{201: …, 200: …}``) and the
    problems every write may answer: 400 (shape), 401, 403 (scope or no
    consent), 404 (company), 409 and 422 (``Idempotency-Key``, or the
    service refused the content), 413, 429."""
    return {**ok, **problem_responses(400, 401, 403, 404, 409, 413, 422, 429)}


def read_responses(ok: Any, *extra: int) -> dict[int | tuple[int, str], Any]:
    """200 and the problems every read may answer."""
    return {200: ok, **problem_responses(400, 401, 403, 429, *extra)}


IDEMPOTENCY_NOTE = (
    " Send an `Idempotency-Key` header (1 to 255 printable ASCII characters, a UUID is "
    "ideal) to retry safely: the first successful response is stored and replayed for "
    "24 h with `Idempotent-Replayed: true`; the same key with another body is a 422 "
    "problem, and while the first request runs, a 409. A replay is checked as a fresh "
    "request is (key, scope, rate limit, the company's consent): refused today, it gets "
    "the same problem, never the stored response. An error response is not stored: "
    "fix the cause and retry with the same key. Without the header, each request is "
    "processed."
)
UNKNOWN_FIELDS_NOTE = (
    ' Unknown fields are refused, each named (`{"field": "client_mail", "detail": '
    '"Unknown field."}`) beside the other faults: a 400 problem for the body, a 422 '
    "result for a batch item."
)


# What Django's ``<slug:…>`` path converter matches: any other value names
# no endpoint (a 404 problem).
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
# The company of every example of the schema.
EXAMPLE_SLUG = "alpha-electricite"
# common.ids.MAX_ID: the largest id a bigint column holds.
MAX_ID = 9_223_372_036_854_775_807


def slug_parameter() -> OpenApiParameter:
    """The ``{slug}`` of a company, as the path converter matches it."""
    return OpenApiParameter(
        "slug",
        {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 255},
        OpenApiParameter.PATH,
        description="The company's slug, as in its public page's address.",
        examples=[OpenApiExample(EXAMPLE_SLUG, value=EXAMPLE_SLUG)],
    )


def id_parameter(name: str, example: int, description: str = "") -> OpenApiParameter:
    """An id in the path: digits, from 1 to the largest bigint; any other
    value is a 404 problem."""
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        OpenApiParameter.PATH,
        description=description,
        examples=[OpenApiExample(str(example), value=example)],
    )


def limit_parameter(what: str) -> OpenApiParameter:
    """``limit`` of a cursor page: 1 to ``API_MAX_LIMIT`` (else a 400)."""
    return OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_LIMIT},
        description=f"{what} per page, 1 to {settings.API_MAX_LIMIT} (default 50).",
    )


def cursor_parameter() -> OpenApiParameter:
    return OpenApiParameter("cursor", str, description="From `next` or `previous`.")


# partners.api.idempotency.key_from_request: 1 to 255 printable ASCII
# characters, the first and last not a space (HTTP drops spaces around a
# field value), and no comma (the header sent twice reads as two keys
# joined by ", "); a structured-field string "…" is read without its quotes.
IDEMPOTENCY_KEY_PATTERN = r"^[!-+\--~]([ -+\--~]*[!-+\--~])?$"


def write_parameters(*response_statuses: int) -> list[OpenApiParameter]:
    """The ``Idempotency-Key`` request header and the headers of the
    successful responses."""
    return [
        OpenApiParameter(
            "Idempotency-Key",
            {
                "type": "string",
                "minLength": 1,
                "maxLength": idempotency.MAX_KEY_LENGTH,
                "pattern": IDEMPOTENCY_KEY_PATTERN,
            },
            OpenApiParameter.HEADER,
            required=False,
            description="Optional; makes a retry safe (see the description).",
        ),
        OpenApiParameter(
            "Idempotent-Replayed",
            str,
            OpenApiParameter.HEADER,
            response=list(response_statuses),
            description="`true` when this is the stored response of an earlier request.",
        ),
    ]


def location_parameter(*response_statuses: int) -> OpenApiParameter:
    return OpenApiParameter(
        "Location",
        str,
        OpenApiParameter.HEADER,
        response=list(response_statuses),
        description="The address of the resource written.",
    )


# A view method, decorated and returned as it was typed.
ViewMethod = TypeVar("ViewMethod", bound=Callable[..., Any])


def company_write_schema(
    *,
    operation_id: str,
    summary: str,
    description: str,
    scope_note: str,
    request: Any,
    ok: dict[int, Any],
    examples: list[OpenApiExample],
) -> Callable[[ViewMethod], ViewMethod]:
    """``extend_schema`` of a single write under ``companies/{slug}/…``:
    the ``slug``, the ``Idempotency-Key`` and ``Idempotent-Replayed``
    headers and ``Location`` on every success status of ``ok``, the
    problems of :func:`write_responses`, and the scope and idempotency
    notes after ``description``."""
    statuses = tuple(ok)
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description + scope_note + IDEMPOTENCY_NOTE + UNKNOWN_FIELDS_NOTE,
        parameters=[
            slug_parameter(),
            *write_parameters(*statuses),
            location_parameter(*statuses),
        ],
        request=request,
        responses=write_responses(ok),
        examples=examples,
    )


def company_batch_schema(
    *,
    operation_id: str,
    summary: str,
    items_noun: str,
    single_path: str,
    outcome: str,
    item_statuses: str,
    scope_note: str,
    request: Any,
    ok: Any,
    examples: list[OpenApiExample],
) -> Callable[[ViewMethod], ViewMethod]:
    """``extend_schema`` of a batch under ``companies/{slug}/…/batch``:
    up to ``MAX_BATCH_ITEMS`` ``items_noun`` in ``items``, each as
    ``single_path`` takes it, each in its own transaction; ``outcome``
    says what becomes of an item ("registered"), ``item_statuses`` the
    ``status`` an item's result may have. The answer is 200 with one
    result per item."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=(
            f"Up to {MAX_BATCH_ITEMS} {items_noun} in `items` (more: 413), each as "
            f"`POST {single_path}` takes it, each validated and {outcome} on "
            "its own, in its own transaction: one refused item changes nothing for the "
            "others. The answer is 200 with one result per item, in order: `status` "
            f"{item_statuses} (200 and a list rather than 207 Multi-Status, a WebDAV "
            "status with an XML body). " + scope_note + IDEMPOTENCY_NOTE + UNKNOWN_FIELDS_NOTE
        ),
        parameters=[slug_parameter(), *write_parameters(200)],
        request=request,
        responses=write_responses({200: ok}),
        examples=examples,
    )
