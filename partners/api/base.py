"""The base of every API endpoint: the request's language, the rate limit
of its key, and the headers that say both."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework import exceptions, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.models import PartnerKey

from . import ratelimit
from .permissions import required_scopes


def activate_request_language(request: HttpRequest) -> str:
    """French unless ``Accept-Language`` prefers a language we speak.
    Only the header counts: an API client has no language cookie, and
    the site's LocaleMiddleware gives unprefixed paths the default."""
    supported = {code for code, _name in settings.LANGUAGES}
    language = settings.LANGUAGE_CODE
    for tag, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        base = tag.split("-")[0].lower()
        if base in supported:
            language = base
            break
    translation.activate(language)
    request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
    return language


def query_data(request: Request) -> dict[str, str]:
    """The query string as a plain dict (the last value of a repeated
    parameter), for a query serializer. Not the ``QueryDict`` itself: DRF
    reads an empty value in a QueryDict as an HTML form's empty field, that
    is as absent, so ``updated_since=`` would silently give the whole feed.
    Here an empty value is the value sent, refused unless the parameter
    allows a blank."""
    return dict(request.query_params.dict())


class LengthRequired(exceptions.APIException):
    """A body sent in chunks, without ``Content-Length``: Django reads no
    byte of it (under gunicorn as under runserver), so the request would
    be judged as empty — "this field is required" for every field the
    partner did send."""

    status_code = status.HTTP_411_LENGTH_REQUIRED
    default_code = "length_required"
    default_detail = _(
        "Send the request body with a Content-Length header: a body sent in chunks "
        "(Transfer-Encoding: chunked) is not read."
    )


def body_unread(request: HttpRequest) -> bool:
    """Whether the request announces a body that will not be read: a
    ``Transfer-Encoding`` without a ``Content-Length``."""
    return bool(request.META.get("HTTP_TRANSFER_ENCODING")) and not request.META.get(
        "CONTENT_LENGTH"
    )


class PartnerAPIView(APIView):
    """Subclasses set ``required_scopes`` (``partners.models.Scope``
    values); authentication and the scope check come from
    ``REST_FRAMEWORK``'s defaults."""

    required_scopes: tuple[str, ...] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        activate_request_language(request)
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE_METHODS and body_unread(request):
            raise LengthRequired()

    def check_permissions(self, request: Request) -> None:
        # Counted once the key is known, before its scopes are checked: a
        # key hammering an endpoint it may not use is limited too.
        if isinstance(request.auth, PartnerKey):
            policy = ratelimit.policy_for(required_scopes(self))
            try:
                request.rate_limit = ratelimit.consume(request.auth.prefix, policy)  # type: ignore[attr-defined]
            except ratelimit.RateLimited as limited:
                request.rate_limit = limited.usage  # type: ignore[attr-defined]
                raise
        super().check_permissions(request)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        usage = getattr(request, "rate_limit", None)
        if usage is not None:
            for name, value in usage.headers().items():
                response[name] = value
        response["Content-Language"] = translation.get_language() or settings.LANGUAGE_CODE
        patch_vary_headers(response, ["Accept-Language", "Authorization", "X-Api-Key"])
        return response
