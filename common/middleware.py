"""Request middleware of the shared library."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict

from .control_characters import (
    ANY_CONTROL_CHARACTER,
    has_control_characters,
    strip_control_characters,
)


def _cleaned(data: QueryDict) -> tuple[QueryDict, frozenset[str]]:
    """``data`` itself when clean, else a copy whose keys and values are
    stripped of control characters (immutable, like the original); and the
    (cleaned) names of the fields that held one."""
    stripped = frozenset(
        strip_control_characters(key)
        for key, values in data.lists()
        if has_control_characters(key) or any(has_control_characters(value) for value in values)
    )
    if not stripped:
        return data, stripped
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(
            strip_control_characters(key), [strip_control_characters(value) for value in values]
        )
    cleaned._mutable = False
    return cleaned, stripped


def fields_stripped_of_control_characters(request: HttpRequest) -> frozenset[str]:
    """The names of the query or form fields of ``request`` that
    :class:`ControlCharactersMiddleware` stripped of control characters:
    a form for which a removed character makes another value (an e-mail
    address: "jean\\x00@exemple.fr" is not "jean@exemple.fr") refuses
    those fields instead of taking what remains."""
    return getattr(request, "control_characters_stripped", frozenset())


class ControlCharactersMiddleware:
    """Every form and view sees request data without control characters.

    ``request.GET`` and ``request.POST`` are replaced by copies stripped of
    C0 controls and DEL (tab and line breaks kept, see
    :mod:`common.control_characters`), so a NUL typed or pasted anywhere
    never reaches PostgreSQL (a 500) or a stored row. A path holding a
    control character (``/entreprise/x%00/``) names nothing: 400.
    Uploaded files are not text and are left to their validators. The
    names of the fields stripped are kept on the request
    (:func:`fields_stripped_of_control_characters`).

    The body of a path under ``settings.CONTROL_CHARACTERS_OWN_BODY_PATHS``
    is not read here: its views parse it themselves (the partner API, JSON
    only, answers a form body with its own 415 problem, which it could not
    tell once a multipart stream was read here).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if ANY_CONTROL_CHARACTER.search(request.path_info):
            return HttpResponseBadRequest()
        query, stripped = _cleaned(request.GET)
        request.GET = cast(Any, query)
        own_body = request.path_info.startswith(tuple(settings.CONTROL_CHARACTERS_OWN_BODY_PATHS))
        if request.method == "POST" and not own_body:
            form, stripped_from_form = _cleaned(request.POST)
            request.POST = cast(Any, form)
            stripped |= stripped_from_form
        request.control_characters_stripped = stripped  # type: ignore[attr-defined]
        return self.get_response(request)
