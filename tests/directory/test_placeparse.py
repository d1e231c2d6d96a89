"""The place parser (pure): what people type, taken apart."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.places.parse import PlaceQuery, department_code, parse_place


@pytest.mark.parametrize(
    ("text", "city", "arrondissement"),
    [
        ("Paris 15e", "paris", 15),
        ("Paris 15", "paris", 15),
        ("paris 15ème", "paris", 15),
        ("Paris 15 eme", "paris", 15),
        ("Paris XVe", "paris", 15),
        ("Paris XV", "paris", 15),
        ("15e arrondissement de Paris", "paris", 15),
        ("Paris 15e arrondissement", "paris", 15),
        ("Paris 15e Arrondissement (75)", "paris", 15),
        ("Paris 16 ème arr.", "paris", 16),
        ("Paris 1er", "paris", 1),
        ("Paris Ier", "paris", 1),
        ("1er arrondissement de Paris", "paris", 1),
        ("Paris dix-septième", "paris", 17),
        ("Paris 20e", "paris", 20),
        ("Lyon 3e", "lyon", 3),
        ("Lyon 3ème", "lyon", 3),
        ("LYON 3EME", "lyon", 3),
        ("Lyon arrondissement 3", "lyon", 3),
        ("3e arrondissement de Lyon", "lyon", 3),
        ("Marseille 8e", "marseille", 8),
        ("Marseille 08", "marseille", 8),
        ("Marseille VIIIe", "marseille", 8),
        ("Marseille 16e", "marseille", 16),
    ],
)
def test_arrondissements_in_every_spelling(text, city, arrondissement):
    query = parse_place(text)
    assert (query.city, query.arrondissement) == (city, arrondissement)


@pytest.mark.parametrize(
    ("text", "city", "department"),
    [
        ("Saint-Denis (974)", "saint denis", "974"),
        ("Saint-Denis (93)", "saint denis", "93"),
        ("Saint-Denis 974", "saint denis", "974"),
        ("974 Saint-Denis", "saint denis", "974"),
        ("Saint-Denis, 974", "saint denis", "974"),
        ("Saint-Denis (La Réunion)", "saint denis", "974"),
        ("Saint-Denis, Réunion", "saint denis", "974"),
        ("Ajaccio (2A)", "ajaccio", "2A"),
        ("Lyon 69", "lyon", "69"),
        # Past the last arrondissement, a number is a département.
        ("Paris 75", "paris", "75"),
        ("Paris 21", "paris", "21"),
        # "Lot" ends the name; only parentheses or a comma make a département.
        ("Villeneuve-sur-Lot", "villeneuve sur lot", ""),
    ],
)
def test_city_with_its_departement(text, city, department):
    query = parse_place(text)
    assert (query.city, query.department, query.arrondissement) == (city, department, None)


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("33", "33"),
        ("2A", "2A"),
        ("2b", "2B"),
        ("974", "974"),
        ("Gironde", "33"),
        ("Guadeloupe", "971"),
        ("La Réunion", "974"),
        ("Réunion", "974"),
        ("seine-saint-denis", "93"),
        ("Corse-du-Sud", "2A"),
        ("département 33", "33"),
    ],
)
def test_departement_by_number_or_name(text, department):
    assert parse_place(text) == PlaceQuery(department=department)


def test_paris_is_a_city_not_its_departement():
    assert parse_place("Paris") == PlaceQuery(city="paris")


@pytest.mark.parametrize(
    ("text", "postal_code", "city", "arrondissement", "cedex"),
    [
        ("97400", "97400", "", None, False),
        ("33220", "33220", "", None, False),
        ("75007 Paris", "75007", "paris", None, False),
        ("Paris 75007", "75007", "paris", None, False),
        ("Lyon (69003)", "69003", "lyon", None, False),
        ("75015 Paris 15e", "75015", "paris", 15, False),
        ("69441 Lyon Cedex 03", "69441", "lyon", None, True),
        ("Lyon Cedex 03 69441", "69441", "lyon", None, True),
        ("PARIS CEDEX 08", "", "paris", None, True),
        ("Paris Cedex 07", "", "paris", None, True),
        ("Paris cedex07", "", "paris", None, True),
        ("Bordeaux CEDEX", "", "bordeaux", None, True),
        ("12 rue de la Paix 75002 Paris", "75002", "paris", None, False),
    ],
)
def test_postal_codes_and_cedex(text, postal_code, city, arrondissement, cedex):
    query = parse_place(text)
    assert (query.postal_code, query.city) == (postal_code, city)
    assert (query.arrondissement, query.cedex) == (arrondissement, cedex)


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("St-Étienne", "saint etienne"),
        ("ST ETIENNE", "saint etienne"),
        ("St. Étienne", "saint etienne"),
        ("Ste-Foy-lès-Lyon", "sainte foy les lyon"),
        ("Sainte Foy les Lyon", "sainte foy les lyon"),
        ("  Évry-Courcouronnes ", "evry courcouronnes"),
        ("L'Abergement-Clémenciat", "l abergement clemenciat"),
    ],
)
def test_city_names_in_normal_form(text, city):
    assert parse_place(text) == PlaceQuery(city=city)


@pytest.mark.parametrize(
    ("text", "coordinates"),
    [
        ("45.76,4.83", (45.76, 4.83)),
        ("45.76, 4.83", (45.76, 4.83)),
        ("-20.88 55.45", (-20.88, 55.45)),
        ("45,76; 4,83", (45.76, 4.83)),
        ("45,76 4,83", (45.76, 4.83)),
    ],
)
def test_coordinates(text, coordinates):
    assert parse_place(text).coordinates == coordinates


@pytest.mark.parametrize("text", ["95.0, 4.83", "45.0, 190.5"])
def test_coordinates_out_of_range_are_not_coordinates(text):
    assert parse_place(text).coordinates is None


@pytest.mark.parametrize("text", ["", "   ", "\x00", "()", "cedex", "(((", ", ,"])
def test_nothing_to_read_is_empty(text):
    assert parse_place(text).is_empty


def test_departement_codes():
    assert department_code("1") == "01"
    assert department_code("2a") == "2A"
    assert department_code("20") == ""
    assert department_code("99") == ""
    assert department_code("Seine Saint Denis") == "93"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_read_without_error(text):
    query = parse_place(text)
    assert isinstance(query, PlaceQuery)
    assert query.postal_code == "" or (len(query.postal_code) == 5 and query.postal_code.isdigit())
    assert query.arrondissement is None or 1 <= query.arrondissement <= 99


_PIECES = st.sampled_from(
    [
        "Paris", "Lyon", "Marseille", "15e", "XVe", "3ème", "1er", "arrondissement", "de",
        "(974)", "(", ")", "Cedex", "08", "75007", "69441", "St", "Ste", "-", ",", "2A",
        "Gironde", "Réunion", "45.7", "4.8", "dix", "septième", "0", "00000", "ⅩⅤ", "é",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=8).map(" ".join))
def test_place_like_text_is_read_without_error(text):
    assert isinstance(parse_place(text), PlaceQuery)
