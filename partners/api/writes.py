"""What every write endpoint of the API shares (``POST companies/{slug}/…``):
the body's size and parsing, the company's consent, input serializers that
only check the shape (unknown fields refused, strings that are strings),
the service's ``ValidationError`` as a ``422`` problem, and batches.

Batches: ``{"items": [...]}``, 1 to :data:`MAX_BATCH_ITEMS` items, each
validated and processed on its own, in its own transaction (a savepoint
when the request has an ``Idempotency-Key``: the batch's writes then
commit with its stored response). One bad item rolls back only itself.
The answer is ``200`` with one result per item, in order:
``{"index", "status": 201|200|422, …}``; an item that is not a JSON
object (null, a number, a string, a list) is a ``422`` result of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request

from partners.models import Partner
from partners.selectors import connection_active

from .base import PartnerAPIView
from .problems import field_errors

MAX_BATCH_ITEMS = 500
# The field name of a service error that names no field.
NON_FIELD = "non_field_errors"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = _("The request body is too large.")


class TooManyItems(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_many_items"


class WriteConflict(exceptions.APIException):
    """A constraint refused a write the service had checked: a concurrent
    request wrote the same thing meanwhile."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "write_conflict"
    default_detail = _("A concurrent request wrote the same record: retry this one.")


class NotConnected(exceptions.PermissionDenied):
    default_code = "not_connected"
    default_detail = _("This company has not connected this partner.")


class Unprocessable(exceptions.APIException):
    """The content is well formed but the service refused it: ``422``
    with the fields at fault (``problem_errors``)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"
    default_detail = _("The request is well formed but could not be processed.")

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__()
        self.problem_errors = errors


# Django's codes of a unique constraint's refusal; the error's
# params["unique_check"] names the constraint's fields.
UNIQUE_CODES = frozenset({"unique", "unique_together"})


def service_errors(
    error: DjangoValidationError, input_fields: Iterable[str] = ()
) -> list[dict[str, str]]:
    """A service's ``ValidationError`` as ``[{"field", "detail"}]``. A
    unique constraint's refusal, which Django files under no field when
    the constraint spans several (the company and the invoice number), is
    named by the one of its fields the partner sent (``input_fields``):
    ``{"field": "number", "detail": "This invoice number is already
    registered."}``; its message is the model's (``unique_messages``)."""
    sent = frozenset(input_fields)
    if not hasattr(error, "error_dict"):
        return [{"field": NON_FIELD, "detail": str(message)} for message in error.messages]
    out: list[dict[str, str]] = []
    for name, errors in error.error_dict.items():
        for each in errors:
            field = NON_FIELD if name == "__all__" else name
            params = each.params or {}
            if name == "__all__" and each.code in UNIQUE_CODES and "unique_check" in params:
                named = [f for f in params["unique_check"] if f in sent]
                if len(named) == 1:
                    field = named[0]
            out += [{"field": field, "detail": str(message)} for message in each.messages]
    return out


def require_connection(request: Request, company_id: int) -> None:
    """403 unless the company has connected the calling partner."""
    partner: Partner = request.auth.partner
    if not connection_active(partner, company_id):
        raise NotConnected()


class PartnerWriteView(PartnerAPIView):
    """A write endpoint: after the key, its scopes and its rate limit, the
    body is refused past ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413) and parsed
    once (malformed or absurdly nested JSON: 400), then the partner's
    right to write there is checked (:meth:`check_write_access`: the
    company's consent). All of this runs in ``initial``, before the
    handler, so before an ``Idempotency-Key`` replay
    (``partners.api.idempotency``): a stored response is never replayed to
    a key, partner or company that would be refused today."""

    # Set once check_write_access passed: idempotency refuses to replay
    # for a view that never checked it.
    write_access_checked = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            raise PayloadTooLarge()
        try:
            request.data  # noqa: B018 - parse now, inside our error handling
        except RecursionError as error:
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from error
        self.check_write_access(request, *args, **kwargs)
        self.write_access_checked = True

    def check_write_access(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Raise a 404 or 403 problem unless the partner may write here;
        keep what the handler needs (the company) on the view."""
        raise NotImplementedError("a write view says who may write through it")

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, IntegrityError):
            exc = WriteConflict()
        return super().handle_exception(exc)


class StrictCharField(serializers.CharField):
    """A string, not a number or a boolean turned into one."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class StrictDecimalField(serializers.DecimalField):
    """An amount as the schema documents it: a decimal string ("129.90"),
    not a JSON number, which a float may already have rounded."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# An unknown field's name in an error, cut (a key may be any string).
UNKNOWN_NAME_MAX = 100
# At most this many unknown fields are named.
UNKNOWN_NAMED_MAX = 20


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (a typo such as ``client_mail``
    would otherwise drop data silently), naming each: ``{"field":
    "client_mail", "detail": "Unknown field."}``, beside the errors of the
    fields it knows (the same request, one answer with every fault)."""

    @classmethod
    def field_names(cls) -> frozenset[str]:
        return frozenset(cls().fields)

    def unknown_fields(self, data: Any) -> dict[str, list[Any]]:
        if not isinstance(data, dict):
            return {}
        unknown = sorted(str(name) for name in set(data) - set(self.fields))
        return {
            name[:UNKNOWN_NAME_MAX]: [_("Unknown field.")] for name in unknown[:UNKNOWN_NAMED_MAX]
        }

    def run_validation(self, data: Any = serializers.empty) -> Any:
        # A body that is JSON ``null``: DRF's answer is "No data provided",
        # in English whatever the language (hard-coded in its
        # ``Serializer.errors``); here it is said like every other refusal.
        if data is None and self.parent is None:
            raise serializers.ValidationError(
                {NON_FIELD: [_("The request body is null: send a JSON object.")]}, code="null"
            )
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> Any:
        unknown = self.unknown_fields(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **unknown}) from error
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class BatchInput(StrictSerializer):
    # Any JSON value, null included: an item that is not an object is
    # refused in its own result (batch_run), not with the whole batch.
    items = serializers.ListField(
        child=serializers.JSONField(allow_null=True),
        min_length=1,
        help_text=f"1 to {MAX_BATCH_ITEMS} items, each as the single endpoint takes it.",
    )


class BatchResult(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in `items`, from 0.")
    status = serializers.IntegerField(
        help_text=(
            "201 created, 200 already recorded (same reference), 422 refused, 409 written "
            "meanwhile by a concurrent request (retry the item)."
        ),
    )
    errors = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        help_text='Only when refused: `[{"field", "detail"}]`.',
    )


def batch_items(request: Request) -> list[Any]:
    """The items of a batch body; 400 when it is not ``{"items": [...]}``,
    413 past :data:`MAX_BATCH_ITEMS`."""
    data = request.data
    items = data.get("items") if isinstance(data, dict) else None
    if isinstance(items, list) and len(items) > MAX_BATCH_ITEMS:
        raise TooManyItems(
            _("A batch holds at most %(max)d items; this one has %(count)d.")
            % {"max": MAX_BATCH_ITEMS, "count": len(items)}
        )
    body = BatchInput(data=data)
    body.is_valid(raise_exception=True)
    return list(body.validated_data["items"])


# An item's processing: its (status, result fields); raises DRF's or
# Django's ValidationError when refused.
ItemProcess = Callable[[Any], tuple[int, dict[str, Any]]]


def json_kind(value: Any) -> str:
    """What a JSON value that is not an object is, for a message: "null",
    "a number", "a string", "a list", "a boolean"."""
    if value is None:
        return str(_("null"))
    if isinstance(value, bool):
        return str(_("a boolean"))
    if isinstance(value, int | float):
        return str(_("a number"))
    if isinstance(value, str):
        return str(_("a string"))
    return str(_("a list"))


def not_an_object(index: int, item: Any) -> dict[str, Any]:
    """The result of a batch item that is not a JSON object (null, a
    number, a string, a list): refused alone, as any invalid item."""
    detail = _("Item %(index)d is %(kind)s: each item must be a JSON object.") % {
        "index": index,
        "kind": json_kind(item),
    }
    return {"index": index, "status": 422, "errors": [{"field": NON_FIELD, "detail": detail}]}


def batch_run(
    items: list[Any], process: ItemProcess, input_fields: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Each item processed in its own transaction; one result each. An
    item refused by the service names its fields as a single write's
    problem does (:func:`service_errors` with ``input_fields``)."""
    results: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            results.append(not_an_object(index, item))
            continue
        try:
            with transaction.atomic():
                code, fields = process(item)
        except serializers.ValidationError as error:
            results.append({"index": index, "status": 422, "errors": field_errors(error.detail)})
        except DjangoValidationError as error:
            errors = service_errors(error, input_fields)
            results.append({"index": index, "status": 422, "errors": errors})
        except IntegrityError:
            detail = str(WriteConflict.default_detail)
            results.append(
                {"index": index, "status": 409, "errors": [{"field": NON_FIELD, "detail": detail}]}
            )
        else:
            results.append({"index": index, "status": code, **fields})
    return results
