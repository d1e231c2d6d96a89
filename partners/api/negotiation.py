"""Content negotiation of the API: DRF's, whose two refusals say what the
API offers, in the request's language. DRF answers an ``Accept`` it
cannot meet with its own French ("L'en-tête « Accept » n'a pas pu être
satisfaite.", wrong besides), and a ``?format=`` naming no renderer
(``format=xml``, ``format=csv``) with a 404 "Not found" on an endpoint
that exists."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request

# The longest format name shown back in a message.
FORMAT_SHOWN_MAX = 20


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: list[Any], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            asked = str(
                format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
            )
            raise exceptions.NotAcceptable(
                _(
                    "The API answers in JSON only: the format “%(format)s” is not available. "
                    "Leave out the format parameter."
                )
                % {"format": asked[:FORMAT_SHOWN_MAX]}
            ) from None
        except exceptions.NotAcceptable:
            raise exceptions.NotAcceptable(
                _(
                    "The API answers in JSON only: send Accept: application/json, or no "
                    "Accept header."
                )
            ) from None
