"""A département typed in a place box is offered as the département
(found by a fresh-user trial: ``/api/v1/places?q=2A`` and ``?q=Gironde``
offered no département although the search reads both as one). Every
suggestion reads back, through the search's parser, as what it offers."""

from __future__ import annotations

import pytest

from directory.places.models import Place, PlaceName
from directory.places.parse import PlaceQuery, departments_matching, parse_place
from directory.places.resolve import DepartmentPlace, autocomplete_places, resolve_place

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "codes", "exact"),
    [
        ("33", ["33"], True),
        ("01", ["01"], True),
        ("1", ["01"], True),
        ("9", ["09"], True),
        ("2A", ["2A"], True),
        ("2b", ["2B"], True),
        ("20", ["2A", "2B"], True),
        ("974", ["974"], True),
        ("976", ["976"], True),
        ("département 33", ["33"], True),
        ("dpt 2a", ["2A"], True),
        ("Gironde", ["33"], True),
        ("GIRONDE", ["33"], True),
        ("cotes d'armor", ["22"], True),
        ("Côtes-d'Armor", ["22"], True),
        ("cotes-d-armor", ["22"], True),
        ("seine saint denis", ["93"], True),
        ("Seine-St-Denis", ["93"], True),
        ("La Réunion", ["974"], True),
        ("reunion", ["974"], True),
        ("département de la Gironde", ["33"], True),
        ("Corse du Sud", ["2A"], True),
        ("seine", ["77", "76", "93"], False),
        ("Hauts", ["92"], False),
        ("gir", ["33"], False),
        ("cotes d", ["22"], False),
        ("cote", ["21", "22"], False),
        ("gi", [], False),
        # Paris is a city (the search reads it so); its number is the département.
        ("Paris", [], False),
        ("75", ["75"], True),
        ("99", [], False),
        ("0", [], False),
        ("97", [], False),
        ("330", [], False),
        ("", [], False),
        ("Lyon", [], False),
    ],
)
def test_what_names_a_departement(text, codes, exact):
    assert departments_matching(text) == (codes, exact)


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("Gironde (département 33)", "33"),
        ("Corse-du-Sud (département 2A)", "2A"),
        ("La Réunion (département 974)", "974"),
        ("Paris (département 75)", "75"),
        ("Gironde (département)", "33"),
        ("(département 33)", "33"),
        ("département de la Gironde", "33"),
        ("département du Nord", "59"),
        ("département de l'Ain", "01"),
        ("1", "01"),
        ("département 1", "01"),
        ("seine st denis", "93"),
        ("Cotes d'Armor", "22"),
    ],
)
def test_the_parser_reads_a_departement_said_so(text, department):
    assert parse_place(text) == PlaceQuery(department=department)


def test_a_commune_beside_the_word_departement_stays_a_commune():
    assert parse_place("Bordeaux (département 33)") == PlaceQuery(city="bordeaux", department="33")
    assert parse_place("Saint-Denis (département)").city == "saint denis"


def labels(text: str) -> list[str]:
    return [p.label for p in autocomplete_places(text)]


def test_a_code_offers_the_departement_then_its_communes(places):
    assert labels("33")[:2] == ["Gironde (département 33)", "Bordeaux (33)"]
    assert "Pineuilh (33)" in labels("33")
    assert labels("2A") == ["Corse-du-Sud (département 2A)", "Ajaccio (2A)"]
    assert labels("2b") == ["Haute-Corse (département 2B)", "Bastia (2B)"]
    assert labels("20")[:2] == ["Corse-du-Sud (département 2A)", "Haute-Corse (département 2B)"]
    assert labels("974")[0] == "La Réunion (département 974)"
    assert labels("1") == ["Ain (département 01)", "Valserhône (01)"]
    assert labels("01") == ["Ain (département 01)", "Valserhône (01)"]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Gironde", "Gironde (département 33)"),
        ("gironde", "Gironde (département 33)"),
        ("seine saint denis", "Seine-Saint-Denis (département 93)"),
        ("Seine-St-Denis", "Seine-Saint-Denis (département 93)"),
        ("Seine-Saint-Denis", "Seine-Saint-Denis (département 93)"),
        ("reunion", "La Réunion (département 974)"),
        ("corse du sud", "Corse-du-Sud (département 2A)"),
        ("Cantal", "Cantal (département 15)"),
        ("departement 33", "Gironde (département 33)"),
    ],
)
def test_a_name_offers_the_departement_first(places, text, first):
    offered = autocomplete_places(text)
    assert offered[0].label == first
    assert isinstance(offered[0], DepartmentPlace)
    assert len(offered) > 1  # then its communes
    assert {p.department_code for p in offered[1:]} == {offered[0].code}


def test_a_name_being_typed_offers_the_departements_it_starts(places):
    assert labels("seine")[:2] == [
        "Seine-Maritime (département 76)",
        "Seine-Saint-Denis (département 93)",
    ]
    # Seine-et-Marne (77) has no commune in the sample: a search could not
    # centre it, so it is not offered.
    assert "Seine-et-Marne (département 77)" not in labels("seine")
    assert labels("hauts")[0] == "Hauts-de-Seine (département 92)"


def test_departements_take_at_most_half_the_list(places):
    assert len([p for p in autocomplete_places("haute") if p.kind == "department"]) <= 4


def test_communes_are_offered_as_before(places):
    assert labels("saint d")[:3] == ["Saint-Denis (974)", "Saint-Denis (93)", "Saint-Denis (11)"]
    assert labels("Paris")[0] == "Paris (75)"
    assert labels("Lyo")[0] == "Lyon (69)"
    assert labels("s") == []


@pytest.mark.parametrize(
    "text",
    [
        "33",
        "2A",
        "2B",
        "20",
        "974",
        "1",
        "Gironde",
        "seine",
        "reunion",
        "Paris 15",
        "saint d",
        "3322",
        "97400",
        "Lyon",
        "hauts",
        "cantal",
        "corse",
    ],
)
def test_every_suggestion_reads_back_as_itself(places, text):
    """What the autocomplete offers, sent back as a search's place, is
    read by the search's parser as the place offered."""
    for offered in autocomplete_places(text):
        resolution = resolve_place(offered.label)
        assert resolution.error == "", (offered.label, resolution.error)
        position = resolution.position
        if isinstance(offered, DepartmentPlace):
            assert position.label.startswith(f"{offered.name} ({offered.code}) · ")
            assert (position.latitude, position.longitude) == (
                offered.latitude,
                offered.longitude,
            )
        else:
            assert position.place == offered, offered.label


def test_a_commune_named_as_its_departement_stays_the_commune(places):
    """Mayenne (53) is a commune of the Mayenne: its label is the commune,
    the département's label the département."""
    laval = Place.objects.create(
        insee_code="53130", name="Laval", search_name="laval", department_code="53",
        latitude=48.07, longitude=-0.77, population=49_000,
    )  # fmt: skip
    mayenne = Place.objects.create(
        insee_code="53147", name="Mayenne", search_name="mayenne", department_code="53",
        latitude=48.30, longitude=-0.61, population=13_000,
    )  # fmt: skip
    for place in (laval, mayenne):
        PlaceName.objects.create(
            place=place, name=place.name, search_name=place.search_name, kind="official",
            population=place.population,
        )  # fmt: skip
    offered = autocomplete_places("Mayenne")
    assert [p.label for p in offered] == ["Mayenne (département 53)", "Mayenne (53)", "Laval (53)"]
    assert resolve_place("Mayenne (53)").position.place == mayenne
    assert resolve_place("Mayenne (département 53)").position.place == laval
    # Without a commune of its name there, "Name (code)" is the département.
    assert resolve_place("Gironde (33)").position.label == "Gironde (33) · Bordeaux"


def test_the_api_offers_departements(api, places):
    body = api.client.get("/api/v1/places", {"q": "2A"}).json()
    assert body[0] == {
        "label": "Corse-du-Sud (département 2A)",
        "name": "Corse-du-Sud",
        "kind": "department",
        "department": "2A",
        "insee_code": "2A",
        "latitude": body[1]["latitude"],
        "longitude": body[1]["longitude"],
    }
    assert body[1]["kind"] == "commune"
    assert body[1]["name"] == "Ajaccio"
    gironde = api.client.get("/api/v1/places", {"q": "Gironde"}).json()
    assert gironde[0]["label"] == "Gironde (département 33)"
    search = api.client.get("/api/v1/companies", {"place": gironde[0]["label"], "limit": 1})
    assert search.status_code == 200, search.content


def test_the_sites_autocomplete_offers_departements(client, places):
    body = client.get("/lieux/suggestions/", {"q": "Gironde"}).json()
    assert body["results"][0] == {
        "label": "Gironde (département 33)",
        "name": "Gironde",
        "department": "33",
    }
