"""Ids read from what a visitor sends (a form's hidden field, a query
string), checked before they reach the ORM.

A path converter (``<int:pk>``) already refuses anything but digits; a
value of ``request.POST`` or ``request.GET`` is whatever the browser sent.
``get_object_or_404(Model, pk="abc")`` raises ``ValueError`` (a 500), and a
number beyond a 64-bit integer overflows SQLite's driver. Every view that
takes an id from request data reads it through :func:`id_parse` or
:func:`get_by_id_or_404`: a value that is not an id is a 404 and changes
nothing, like an id that names no row.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

# The largest primary key a bigint column holds (PostgreSQL, SQLite): 2**63 - 1.
MAX_ID = 9_223_372_036_854_775_807

_M = TypeVar("_M", bound=Model)


def id_parse(raw: object) -> int | None:
    """``raw`` as a primary key: ASCII digits only (no sign, space, point,
    exponent or other script's digits), from 1 to :data:`MAX_ID`; else
    None."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit():
        return None
    if len(raw) > len(str(MAX_ID)):  # before int(): a huge string costs nothing
        return None
    number = int(raw)
    return number if 1 <= number <= MAX_ID else None


def get_by_id_or_404(queryset: type[_M] | QuerySet[_M], raw: object, **filters: Any) -> _M:
    """The row of ``queryset`` (a model or a queryset) whose primary key is
    ``raw``, a value the visitor sent; Http404 when ``raw`` is not an id
    (:func:`id_parse`) or names no row."""
    pk = id_parse(raw)
    if pk is None:
        raise Http404("not an id")
    return get_object_or_404(queryset, pk=pk, **filters)
