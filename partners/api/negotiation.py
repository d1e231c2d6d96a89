"""Content negotiation of the API: DRF's, which reads ``Accept`` without
its weights, behind the RFC 9110 §12.5.1 reading of them, and whose two
refusals say what the API offers, in the request's language. DRF answers
an ``Accept`` it cannot meet with its own French ("L'en-tête « Accept »
n'a pas pu être satisfaite.", wrong besides), and a ``?format=`` naming no
renderer (``format=xml``, ``format=csv``) with a 404 "Not found" on an
endpoint that exists.

Weights: a media type's weight is that of the most specific range that
matches it (``application/json`` before ``application/*`` before
``*/*``; equally specific ranges, the highest weight), and a weight of 0
means "not acceptable" (§12.4.2): ``Accept: */*;q=0``, or
``application/json;q=0, */*``, is a 406, not JSON. A ``q`` outside the
RFC's grammar (``q=abc``, ``q=2``, ``q=0.0001``, ``q=-1``) is no weight:
the range counts at the default weight 1, as if ``q`` were absent.
Ranges that are no media range (``json``, ``*/json``) are ignored; an
``Accept`` holding none at all is refused (406) as before; an empty one
is no preference."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request

# The longest format name shown back in a message.
FORMAT_SHOWN_MAX = 20
# RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
_QVALUE = re.compile(r"(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)\Z")
# RFC 9110 §5.6.2 token characters, for the type and the subtype.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+\Z")


@dataclass(frozen=True)
class AcceptedRange:
    """One media range of an ``Accept`` header, lower-cased, and its weight."""

    main_type: str
    sub_type: str
    weight: float

    def specificity(self, media_type: str) -> int:
        """How specifically this range names ``media_type`` ("type/subtype",
        lower case): 3 exactly, 2 as ``type/*``, 1 as ``*/*``, 0 not at all."""
        main_type, _slash, sub_type = media_type.partition("/")
        if self.main_type == "*":
            return 1
        if self.main_type != main_type:
            return 0
        if self.sub_type == "*":
            return 2
        return 3 if self.sub_type == sub_type else 0


def accepted_range(element: str) -> AcceptedRange | None:
    """``"application/json; q=0.5"`` → its range and weight; None when the
    element is no media range. Never raises."""
    media_range, *parameters = element.split(";")
    main_type, slash, sub_type = media_range.strip().lower().partition("/")
    main_type, sub_type = main_type.strip(), sub_type.strip()
    if not (slash and _TOKEN.match(main_type) and _TOKEN.match(sub_type)):
        return None
    if main_type == "*" and sub_type != "*":
        return None
    weight = 1.0
    for parameter in parameters:
        name, _equals, value = parameter.partition("=")
        if name.strip().lower() == "q":
            # What follows the weight is accept-ext, not media type parameters.
            value = value.strip()
            if _QVALUE.match(value):
                weight = float(value)
            break
    return AcceptedRange(main_type, sub_type, weight)


def media_type_weight(ranges: Iterable[AcceptedRange], media_type: str) -> float | None:
    """The weight ``ranges`` give ``media_type`` (RFC 9110 §12.5.1: that of
    the most specific matching range; the highest of equally specific
    ones), or None when no range matches it."""
    bare = media_type.split(";")[0].strip().lower()
    best: tuple[int, float] | None = None
    for accepted in ranges:
        specificity = accepted.specificity(bare)
        if specificity and (best is None or (specificity, accepted.weight) > best):
            best = (specificity, accepted.weight)
    return None if best is None else best[1]


class ContentNegotiation(DefaultContentNegotiation):
    def acceptable(self, request: Request, renderers: list[Any]) -> list[Any]:
        """The renderers the request's ``Accept`` gives a weight above 0
        (all of them without an ``Accept``)."""
        if request.headers.get("accept") is None:
            return renderers
        ranges = [
            parsed
            for element in self.get_accept_list(request)
            if (parsed := accepted_range(element)) is not None
        ]
        return [r for r in renderers if (media_type_weight(ranges, r.media_type) or 0) > 0]

    def select_renderer(
        self, request: Request, renderers: list[Any], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        try:
            fmt = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
            if fmt:
                renderers = self.filter_renderers(renderers, fmt)
            header = request.headers.get("accept")
            if header is not None and not header.strip():
                # An empty Accept states no preference (DRF would refuse it).
                return renderers[0], renderers[0].media_type
            acceptable = self.acceptable(request, renderers)
            if not acceptable:
                raise exceptions.NotAcceptable()
            return super().select_renderer(request, acceptable, format_suffix)
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
