"""Request middleware of the taxonomy."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .selectors import _REQUEST_MEMO


class TaxonomyVersionMiddleware:
    """Reads ``taxonomy_version`` at most once per request (see
    ``_REQUEST_MEMO`` in selectors.py);
    a page is built from one version of the taxonomy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _REQUEST_MEMO.set({})
        try:
            return self.get_response(request)
        finally:
            _REQUEST_MEMO.reset(token)
