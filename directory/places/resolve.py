"""Reads of the gazetteer: resolve what a visitor typed as a place, check a
postal code and a city together, and suggest places as they type.

Text is taken apart by :mod:`directory.placeparse` (pure); this module
looks the parts up: names (official, delegated, former) in ``PlaceName``,
postal codes in La Poste's table ``PostalCode``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from common.statements import MARKER, CompiledQuery
from common.text import normalize_place

from .departments import department_for_postal_code, departments
from .models import PLM_COMMUNES, Place, PlaceKind, PlaceName
from .parse import (
    DEPARTMENT_LABEL,
    PlaceQuery,
    department_code,
    departments_matching,
    parse_place,
)

AUTOCOMPLETE_LIMIT = 8
SUGGESTION_LIMIT = 5
# Below this, a fuzzy suggestion is more noise than help.
SUGGESTION_MIN_SCORE = 70
# The communes a postal-code error lists at most.
SERVED_LIST_LIMIT = 12
# First INSEE code of each city's arrondissements, minus one (75101 = Paris 1er).
_ARRONDISSEMENT_BASE = {"75056": 75100, "69123": 69380, "13055": 13200}


@dataclass(frozen=True)
class DepartmentPlace:
    """A département as the autocomplete offers it, beside communes (it
    has their ``label``, ``name``, ``department_code``, ``insee_code``,
    ``kind``, ``latitude``, ``longitude``): centred where a search for it
    is (its most populous commune, :func:`resolve_place`). Its label,
    "Gironde (département 33)", reads back as the département, never as a
    commune of that name ("Mayenne (53)" is the commune)."""

    code: str
    name: str
    latitude: float
    longitude: float
    kind: str = "department"

    @property
    def label(self) -> str:
        return DEPARTMENT_LABEL.format(name=self.name, code=self.code)

    @property
    def department_code(self) -> str:
        return self.code

    @property
    def insee_code(self) -> str:
        # The official geographic code numbers départements as communes.
        return self.code


# What the autocomplete suggests.
PlaceSuggestion = Place | DepartmentPlace


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
    # The other places a postal code serves (33220: six communes).
    candidates: list[Place] = field(default_factory=list)


@dataclass(frozen=True)
class AddressMatch:
    """A postal code and a city checked together: the place, or why not."""

    place: Place | None = None
    error: str = ""


def resolve_place(raw: str) -> PlaceResolution:
    """Turn "Lyon", "Saint-Denis (974)", "Paris 15e", "75007 Paris",
    "33220", "Gironde" or "45.76,4.83" into a position, or explain why not
    with suggestions. Never raises on what a visitor can type."""
    query = parse_place(raw)
    if query.is_empty:
        return PlaceResolution()
    if query.coordinates:
        latitude, longitude = query.coordinates
        return PlaceResolution(Position(_("your position"), latitude, longitude))
    if query.postal_code and query.city:
        match = _match_address(query.postal_code, query, typed=str(raw).strip())
        if match.place is None:
            return PlaceResolution(error=match.error, suggestions=served_places(query.postal_code))
        return _at(match.place)
    if query.postal_code:
        return _resolve_postal_code(query.postal_code)
    if not query.city:
        return _resolve_department(query.department)
    if (
        query.department
        and query.arrondissement is None
        and department_code(query.city) == query.department
    ):
        # "Gironde (33)": the département, unless a commune bears its name
        # there ("Mayenne (53)").
        named = _named(query)
        return _at(named[0]) if named else _resolve_department(query.department)
    place = _find(query)
    if place is not None:
        return _at(place)
    return PlaceResolution(
        error=_("We don't know the place “%(place)s”.") % {"place": str(raw).strip()[:80]},
        suggestions=suggest_places(query.city),
    )


def _at(place: Place, label: str = "") -> PlaceResolution:
    return PlaceResolution(Position(label or place.label, place.latitude, place.longitude, place))


def served_places(postal_code: str) -> list[Place]:
    """The places a postal code serves, most specific (an arrondissement
    rather than its city) and most populous first."""
    places = Place.objects.filter(postal_codes__code=postal_code).order_by("-population", "pk")
    arrondissements = [p for p in places if p.kind == PlaceKind.MUNICIPAL_ARRONDISSEMENT]
    if arrondissements:
        return arrondissements
    return list(places)


def _resolve_postal_code(postal_code: str) -> PlaceResolution:
    """A postal code is centred on its commune; when it serves several, on
    the most populous, the others offered. Never the département's largest
    town: that would be 70 km off for 33220."""
    served = served_places(postal_code)
    if not served:
        return PlaceResolution(
            error=_(
                "We don't know the postal code %(code)s (a CEDEX code? Add the city: "
                "“%(code)s Lyon”)."
            )
            % {"code": postal_code}
        )
    main = served[0]
    resolution = _at(main, label=f"{postal_code} {main.label}")
    return PlaceResolution(resolution.position, candidates=served[1:])


def _resolve_department(code: str) -> PlaceResolution:
    """A département is centred on its most populous commune."""
    place = (
        Place.objects.filter(department_code=code, kind=PlaceKind.COMMUNE)
        .order_by("-population", "pk")
        .first()
    )
    if place is None:
        return PlaceResolution(
            error=_("We don't know the département “%(code)s”.") % {"code": code[:10]}
        )
    name = departments().get(code, code)
    return _at(place, label=f"{name} ({code}) · {place.name}")


def _named(query: PlaceQuery) -> list[Place]:
    """Places bearing the query's city name exactly (any of their names),
    the most populous name first; with an arrondissement number, that
    arrondissement of Paris, Lyon or Marseille."""
    if query.arrondissement is None and not query.department:
        statement = _named_statement(connection.vendor)
        return list(Place.objects.raw(statement.sql, statement.params_with(query.city)))
    names = PlaceName.objects.filter(search_name=query.city)
    if query.arrondissement is not None:
        names = names.filter(place__insee_code__in=PLM_COMMUNES)
    elif query.department:
        names = names.filter(place__department_code=query.department)
    places: dict[int, Place] = {}
    for name in names.select_related("place").order_by("-population", "place_id"):
        places.setdefault(name.place_id, name.place)
    if query.arrondissement is None:
        return list(places.values())
    codes = [
        str(_ARRONDISSEMENT_BASE[city.insee_code] + query.arrondissement)
        for city in places.values()
    ]
    arrondissements = Place.objects.filter(
        insee_code__in=codes, kind=PlaceKind.MUNICIPAL_ARRONDISSEMENT
    )
    if query.department:
        arrondissements = arrondissements.filter(department_code=query.department)
    return list(arrondissements)


@functools.lru_cache(maxsize=2)
def _named_statement(vendor: str) -> CompiledQuery:
    """:func:`_named`'s look-up of a bare name ("Lyon"; most searches),
    compiled once per process and engine and run as a raw query: one join
    (a place bears a name once, ``place_name_unique``), the most populous
    name first. Compiling the queryset cost about as much CPU as the rest
    of a place's resolution (``resolve_place("Lyon")``: 3.4 ms a call
    under cProfile, 1.8 of them building the SQL)."""
    rows = Place.objects.filter(names__search_name=MARKER).order_by("-names__population", "pk")
    return CompiledQuery.of(rows)


def _find(query: PlaceQuery) -> Place | None:
    exact = _named(query)
    if exact or len(query.city) < 3 or query.arrondissement is not None:
        return exact[0] if exact else None
    prefix = PlaceName.objects.filter(search_name__startswith=query.city)
    if query.department:
        prefix = prefix.filter(place__department_code=query.department)
    name = prefix.select_related("place").order_by("-population", "place_id").first()
    return name.place if name else None


def find_place(name: str, department: str | None = None) -> Place | None:
    """The place called ``name`` ("Paris 15e", "Cherbourg-Octeville",
    "St-Denis"), optionally in a département; the most populous of
    homonyms, else the most populous whose name starts so."""
    query = parse_place(name)
    if not query.city:
        return None
    if department:
        query = PlaceQuery(
            city=query.city, department=department, arrondissement=query.arrondissement
        )
    return _find(query)


def match_postal_address(postal_code: str, city: str) -> AddressMatch:
    """Check a postal code and a city together against La Poste's table:
    "75015" + "Paris 15e", "75007" + "Paris" (→ Paris 7e), "50100" +
    "Cherbourg-Octeville" (→ Cherbourg-en-Cotentin), "97400" +
    "Saint-Denis", "69441" + "Lyon Cedex 03". A CEDEX code (not in the
    table) is accepted for a commune of its département."""
    code = "".join(str(postal_code).split())
    if len(code) != 5 or not (code.isascii() and code.isdigit()):
        return AddressMatch(error=_("Enter a five-digit postal code."))
    query = parse_place(city)
    if query.postal_code and query.postal_code != code:
        return AddressMatch(
            error=_("The city mentions the postal code %(other)s, not %(code)s.")
            % {"other": query.postal_code, "code": code}
        )
    if not query.city:
        return AddressMatch(error=_("Enter the name of the city."))
    return _match_address(code, query, typed=str(city).strip())


def _match_address(code: str, query: PlaceQuery, typed: str = "") -> AddressMatch:
    served = served_places(code)
    served_ids = {p.pk for p in served}
    served_parents = {p.parent_id: p for p in served if p.parent_id}
    named = _named(query)
    for place in named:
        if place.pk in served_ids:
            return AddressMatch(place=place)
        # "Paris" + 75007: the arrondissement that code serves.
        if place.pk in served_parents:
            return AddressMatch(place=served_parents[place.pk])
    department = department_for_postal_code(code)
    if not served or query.cedex:
        # CEDEX codes are not in La Poste's public table: the city must be a
        # commune of the code's département.
        for place in named:
            if place.department_code == department:
                return AddressMatch(place=place)
    if not named and typed:
        unknown = _("We don't know the city “%(city)s”.") % {"city": typed[:80]}
    else:
        unknown = ""
    if not served:
        return AddressMatch(
            error=unknown
            or _("No commune of that name in the département of %(code)s.") % {"code": code}
        )
    listed = ", ".join(p.label for p in served[:SERVED_LIST_LIMIT])
    if len(served) > SERVED_LIST_LIMIT:
        listed += ", …"
    serves = _("The postal code %(code)s serves %(places)s; check the city or the code.") % {
        "code": code,
        "places": listed,
    }
    return AddressMatch(error=f"{unknown} {serves}" if unknown else serves)


def autocomplete_places(prefix: str, limit: int = AUTOCOMPLETE_LIMIT) -> list[PlaceSuggestion]:
    """Places whose name (or postal code) starts with what was typed, most
    populous first. "Paris 15" offers Paris 15e directly. A département
    typed as the search reads one ("33", "2A", "1", "974", "Gironde",
    "cotes d'armor", "seine st denis") comes first, as a
    :class:`DepartmentPlace`, then the communes as before, then its most
    populous communes; a name being typed ("seine") offers the
    départements it starts, at most half the list
    (:func:`directory.places.parse.departments_matching`). A name with its
    département beside it, as the search reads it ("Saint-Denis (974)",
    a suggestion's own label; "saint denis 93"), offers that
    département's communes only."""
    codes, exact = departments_matching(prefix)
    offered: list[PlaceSuggestion] = list(_department_places(codes[: max(limit // 2, 1)]))
    communes = _communes_starting(prefix, limit)
    if exact and len(codes) == 1:
        communes += (
            Place.objects.filter(department_code=codes[0])
            .exclude(pk__in=[p.pk for p in communes])
            .order_by("-population", "pk")[: max(limit - len(offered) - len(communes), 0)]
        )
    return (offered + communes)[:limit]


def _department_places(codes: list[str]) -> list[DepartmentPlace]:
    """``codes``' départements, each centred on its most populous commune
    (as :func:`_resolve_department`), in one query; a département with no
    commune in the gazetteer is left out (a search could not centre it)."""
    if not codes:
        return []
    largest = (
        Place.objects.filter(department_code__in=codes, kind=PlaceKind.COMMUNE)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("department_code")],
                order_by=[F("population").desc(), F("pk").asc()],
            )
        )
        .filter(rank=1)
    )
    centres = {place.department_code: place for place in largest}
    names = departments()
    return [
        DepartmentPlace(code, names[code], centre.latitude, centre.longitude)
        for code in codes
        if (centre := centres.get(code)) is not None
    ]


def _communes_starting(prefix: str, limit: int) -> list[Place]:
    query = parse_place(prefix)
    if query.arrondissement is not None and query.city:
        place = _find(query)
        return [place] if place else []
    if query.postal_code:
        return served_places(query.postal_code)[:limit]
    text = prefix.strip()
    if text.isdigit() and 2 <= len(text) < 5:
        return list(
            Place.objects.filter(postal_codes__code__startswith=text)
            .distinct()
            .order_by("-population")[:limit]
        )
    # A département beside the name, as the search reads it ("Saint-Denis
    # (974)", the label of a suggestion; "saint denis 93"; "Saint-Denis,
    # Réunion"): the communes of that département whose name starts so.
    key, department = normalize_place(prefix), ""
    if query.department and query.city:
        key, department = query.city, query.department
    if len(key) < 2:
        return []
    names = PlaceName.objects.filter(search_name__startswith=key)
    if department:
        names = names.filter(place__department_code=department)
    names = names.select_related("place").order_by("-population", "place_id")[: limit * 3]
    places: dict[int, Place] = {}
    for name in names:
        places.setdefault(name.place_id, name.place)
    return list(places.values())[:limit]


def suggest_places(name: str, limit: int = SUGGESTION_LIMIT) -> list[Place]:
    """Places whose name looks like ``name`` (typos included)."""
    key = normalize_place(name)[:60]
    if len(key) < 3:
        return []
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        names = list(
            PlaceName.objects.filter(search_name__trigram_similar=key)
            .annotate(similarity=TrigramSimilarity("search_name", key))
            .select_related("place")
            .order_by("-similarity", "-population")[: limit * 3]
        )
    else:
        # Candidates sharing the first two letters (an indexed range, a few
        # thousand rows at most), ranked by rapidfuzz.
        candidates = list(
            PlaceName.objects.filter(search_name__startswith=key[:2]).select_related("place")
        )
        ranked = process.extract(
            key,
            {index: name.search_name for index, name in enumerate(candidates)},
            scorer=fuzz.ratio,
            limit=limit * 3,
            score_cutoff=SUGGESTION_MIN_SCORE,
        )
        names = [candidates[index] for _name, _score, index in ranked]
    places: dict[int, Place] = {}
    for place_name in names:
        places.setdefault(place_name.place_id, place_name.place)
    return list(places.values())[:limit]


def bounding_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, ...]:
    """(min_lat, max_lat, min_lng, max_lng) of a square around a point."""
    delta_lat = radius_km / 111.2
    delta_lng = radius_km / (111.2 * max(math.cos(math.radians(latitude)), 0.01))
    return latitude - delta_lat, latitude + delta_lat, longitude - delta_lng, longitude + delta_lng
