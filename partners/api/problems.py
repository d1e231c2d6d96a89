"""Every error of the API as an RFC 9457 problem (``application/problem+json``):
``type``, ``title``, ``status``, ``detail``, and ``errors`` (one per field)
for invalid input. Titles and details follow the request's language
(French unless ``Accept-Language`` asks for English). A problem sent with
``Retry-After`` (429, 503) says the same wait in its detail."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from common.control_characters import ANY_CONTROL_CHARACTER

logger = logging.getLogger(__name__)

# partners may not import config (config.errors has the same pair).
DATABASE_OUTAGE = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER_SECONDS = 60

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Problem types are names, not pages (RFC 9457 § 3.1.1 allows a
# non-resolvable URI): a tag URI, stable whatever the host.
TYPE_BASE = "tag:plusquepro.fr,2026:problems/"


def problem_titles() -> dict[str, str]:
    """Code → title, translated when called."""
    return {
        "not_authenticated": _("Authentication required"),
        "invalid_key": _("Invalid API key"),
        "ambiguous_credentials": _("Ambiguous credentials"),
        "revoked_key": _("Revoked API key"),
        "expired_key": _("Expired API key"),
        "partner_suspended": _("Partner suspended"),
        "insufficient_scope": _("Insufficient scope"),
        "permission_denied": _("Forbidden"),
        "not_found": _("Not found"),
        "invalid_parameters": _("Invalid parameters"),
        "parse_error": _("Malformed request"),
        "method_not_allowed": _("Method not allowed"),
        "not_acceptable": _("Not acceptable"),
        "unsupported_media_type": _("Unsupported media type"),
        "rate_limited": _("Too many requests"),
        "not_connected": _("Company not connected"),
        "write_conflict": _("Write conflict"),
        "unprocessable": _("Unprocessable content"),
        "payload_too_large": _("Request too large"),
        "length_required": _("Length required"),
        "too_many_items": _("Too many items"),
        "idempotency_key_invalid": _("Invalid idempotency key"),
        "idempotency_key_reused": _("Idempotency key reused"),
        "idempotency_key_in_progress": _("Request already in progress"),
        "server_error": _("Server error"),
        "service_unavailable": _("Service unavailable"),
    }


# The codes DRF gives its own exceptions, mapped to ours.
_DRF_CODES = {
    "authentication_failed": "invalid_key",
    "throttled": "rate_limited",
    "invalid": "invalid_parameters",
    "error": "server_error",
}


def problem(
    code: str, status_code: int, detail: str = "", errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": problem_titles().get(code, code),
        "status": status_code,
        "detail": detail or problem_titles().get(code, code),
    }
    if errors is not None:
        body["errors"] = errors
    return body


def field_errors(data: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error dict as a flat list: ``{"field", "detail"}``."""
    out: list[dict[str, str]] = []
    if isinstance(data, dict):
        for name, value in data.items():
            field = f"{prefix}.{name}" if prefix else str(name)
            out += field_errors(value, field)
    elif isinstance(data, list):
        for value in data:
            if isinstance(value, dict | list):
                out += field_errors(value, prefix)
            else:
                out.append({"field": prefix or "non_field_errors", "detail": str(value)})
    else:
        out.append({"field": prefix or "non_field_errors", "detail": str(data)})
    return out


def retry_after(wait: float) -> int:
    """The wait of a ``Retry-After`` header: whole seconds, at least 1."""
    return max(math.ceil(wait), 1)


def with_retry(detail: str, seconds: int) -> str:
    """A problem's detail ending with when to retry, the same number of
    seconds as its ``Retry-After``: "… Retry in 42 seconds." """
    retry = ngettext("Retry in %(seconds)d second.", "Retry in %(seconds)d seconds.", seconds) % {
        "seconds": seconds
    }
    return f"{detail.strip()} {retry}".strip()


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's ``EXCEPTION_HANDLER``: a problem for every exception, a 500
    problem (logged with its traceback) for one that is a bug."""
    headers: dict[str, str] = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if not isinstance(exc, exceptions.ValidationError) else "invalid"
        code = code if isinstance(code, str) else "invalid"
        code = _DRF_CODES.get(code, code)
        if isinstance(exc, exceptions.ValidationError):
            body = problem(
                "invalid_parameters",
                status.HTTP_400_BAD_REQUEST,
                _("Some parameters are invalid."),
                errors=field_errors(exc.detail),
            )
        else:
            detail = str(exc.detail) if isinstance(exc.detail, str) else ""
            # A 429 (or any exception with a wait) says when to retry, in
            # its detail as in Retry-After.
            wait = getattr(exc, "wait", None)
            if wait is not None:
                seconds = retry_after(wait)
                headers["Retry-After"] = str(seconds)
                detail = with_retry(detail or problem_titles().get(code, code), seconds)
            # An exception may name the fields at fault (a service's
            # ValidationError turned into a 422: partners.api.writes).
            body = problem(
                code, exc.status_code, detail, errors=getattr(exc, "problem_errors", None)
            )
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        status_code = exc.status_code
    elif isinstance(exc, DATABASE_OUTAGE):
        # As the site's pages do (config/errors.py): an outage, not a bug.
        logger.warning("API request during a database outage: %s", type(exc).__name__)
        status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        detail = with_retry(_("The service is briefly unavailable."), DATABASE_RETRY_AFTER_SECONDS)
        body = problem("service_unavailable", status_code, detail)
        headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    else:
        logger.exception("API error", exc_info=exc)
        status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
        body = problem("server_error", status_code, _("An unexpected error occurred."))
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


# Where the API's own 404 answers (config/api_urls.py's last route).
API_PREFIX = "/api/v1/"


class ApiPathMiddleware:
    """Placed before ``common.middleware.ControlCharactersMiddleware``: an
    API path holding a control character names no endpoint, and is
    answered as every such path of the API is — a 404 problem — rather
    than with the site's empty HTML 400, which no API client can read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(API_PREFIX) and ANY_CONTROL_CHARACTER.search(path):
            return not_found(request)
        return self.get_response(request)


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under /api/v1/ that names no endpoint, whatever the method:
    exempt from CSRF as the API's views are (no cookie session), so that a
    POST gets this 404 problem, not the site's HTML 403 page."""
    from .base import activate_request_language

    language = activate_request_language(request)
    response = JsonResponse(
        problem("not_found", 404, _("No endpoint at this address.")),
        status=404,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Language"] = language
    return response
