"""Reads of the gazetteer: resolve what a visitor typed as a place, and
suggest places as they type."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from .departments import department_for_postal_code, departments
from .models import Place
from .text import normalize_place

AUTOCOMPLETE_LIMIT = 8
SUGGESTION_LIMIT = 5
# Below this, a fuzzy suggestion is more noise than help.
SUGGESTION_MIN_SCORE = 70
# "Lyon (69)", "Saint-Denis 93": a name followed by its département.
_NAME_WITH_DEPARTMENT = re.compile(r"^(?P<name>.+?)\s*\(?\s*(?P<dep>\d{2,3}|2[abAB])\s*\)?$")
_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Position:
    """Where a search is centred, with a label to show the visitor."""

    label: str
    latitude: float
    longitude: float
    place: Place | None = None


@dataclass(frozen=True)
class PlaceResolution:
    position: Position | None = None
    error: str = ""
    suggestions: list[Place] = field(default_factory=list)


def resolve_place(raw: str) -> PlaceResolution:
    """Turn "Lyon", "saint etienne", "Saint-Denis (93)", "69003" or
    "45.76,4.83" into a position, or explain why not with suggestions."""
    text = raw.strip()
    if not text:
        return PlaceResolution()
    if match := _COORDINATES.match(text):
        latitude, longitude = float(match[1]), float(match[2])
        if -90 <= latitude <= 90 and -180 <= longitude <= 180:
            return PlaceResolution(Position(_("your position"), latitude, longitude))
    if text.isdigit() and len(text) == 5:
        return _resolve_department(department_for_postal_code(text), label=text)
    if text.upper() in departments():
        return _resolve_department(text.upper(), label=departments()[text.upper()])

    department = None
    name = text
    if (match := _NAME_WITH_DEPARTMENT.match(text)) and match["dep"].upper() in departments():
        name, department = match["name"], match["dep"].upper()
    place = find_place(name, department)
    if place is not None:
        return PlaceResolution(Position(place.label, place.latitude, place.longitude, place))
    return PlaceResolution(
        error=_("We don't know the place “%(place)s”.") % {"place": text[:80]},
        suggestions=suggest_places(name),
    )


def _resolve_department(code: str | None, label: str) -> PlaceResolution:
    """A postal code or département is centred on its most populous place."""
    place = (
        Place.objects.filter(department_code=code).order_by("-population").first() if code else None
    )
    if place is None:
        return PlaceResolution(
            error=_("We don't know the postal code or département “%(code)s”.")
            % {"code": label[:10]}
        )
    return PlaceResolution(
        Position(f"{label} ({place.name})", place.latitude, place.longitude, place)
    )


def find_place(name: str, department: str | None = None) -> Place | None:
    """The most populous place whose name is, or else starts with, ``name``."""
    key = normalize_place(name)
    if not key:
        return None
    places = Place.objects.all()
    if department:
        places = places.filter(department_code=department)
    exact = places.filter(search_name=key).order_by("-population").first()
    if exact is not None or len(key) < 3:
        return exact
    return places.filter(search_name__startswith=key).order_by("-population").first()


def autocomplete_places(prefix: str, limit: int = AUTOCOMPLETE_LIMIT) -> list[Place]:
    key = normalize_place(prefix)
    if len(key) < 2:
        return []
    return list(Place.objects.filter(search_name__startswith=key).order_by("-population")[:limit])


def suggest_places(name: str, limit: int = SUGGESTION_LIMIT) -> list[Place]:
    """Places whose name looks like ``name`` (typos included)."""
    key = normalize_place(name)[:60]
    if len(key) < 3:
        return []
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        return list(
            Place.objects.filter(search_name__trigram_similar=key)
            .annotate(similarity=TrigramSimilarity("search_name", key))
            .order_by("-similarity", "-population")[:limit]
        )
    # Elsewhere: candidates sharing the first two letters (an indexed range,
    # a few hundred rows at most), ranked by rapidfuzz.
    candidates = list(
        Place.objects.filter(search_name__startswith=key[:2]).only(
            "id", "name", "search_name", "department_code", "population"
        )
    )
    ranked = process.extract(
        key,
        {index: place.search_name for index, place in enumerate(candidates)},
        scorer=fuzz.ratio,
        limit=limit,
        score_cutoff=SUGGESTION_MIN_SCORE,
    )
    return [candidates[index] for _name, _score, index in ranked]


def bounding_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, ...]:
    """(min_lat, max_lat, min_lng, max_lng) of a square around a point."""
    delta_lat = radius_km / 111.2
    delta_lng = radius_km / (111.2 * max(math.cos(math.radians(latitude)), 0.01))
    return latitude - delta_lat, latitude + delta_lat, longitude - delta_lng, longitude + delta_lng
