"""Resolving places against the gazetteer (the real data, sampled)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.places.resolve import (
    autocomplete_places,
    find_place,
    match_postal_address,
    resolve_place,
    suggest_places,
)

pytestmark = pytest.mark.django_db


def resolved(text: str) -> str:
    resolution = resolve_place(text)
    assert resolution.error == "", resolution.error
    return resolution.position.place.insee_code


@pytest.mark.parametrize(
    ("text", "insee_code"),
    [
        # The arrondissements, and more spellings.
        ("Paris 15e", "75115"),
        ("Paris 15", "75115"),
        ("Paris XVe", "75115"),
        ("15e arrondissement de Paris", "75115"),
        ("Paris 15e Arrondissement (75)", "75115"),
        ("paris 1er", "75101"),
        ("Paris 16", "75116"),
        ("Lyon 3e", "69383"),
        ("Lyon 3ème", "69383"),
        ("Marseille 8e", "13208"),
        ("Marseille 13", "13213"),
        # Overseas.
        ("Saint-Denis (974)", "97411"),
        ("Saint-Denis, La Réunion", "97411"),
        ("97400", "97411"),
        ("97200", "97209"),
        ("Fort-de-France", "97209"),
        ("fort de france", "97209"),
        ("Les Abymes", "97101"),
        ("Abymes", "97101"),
        # Postal code and city in either order, CEDEX ignored.
        ("75007 Paris", "75107"),
        ("Paris 75007", "75107"),
        ("69441 Lyon Cedex 03", "69123"),
        ("75015 Paris 15e", "75115"),
        ("Paris Cedex 07", "75056"),
        ("PARIS CEDEX 08", "75056"),
        # Communes nouvelles, and the names they replaced.
        ("Cherbourg-en-Cotentin", "50129"),
        ("Cherbourg-Octeville", "50129"),
        ("Cherbourg", "50129"),
        ("Tourlaville", "50129"),
        ("Évry-Courcouronnes", "91228"),
        ("Evry Courcouronnes", "91228"),
        ("Évry", "91228"),
        ("Courcouronnes", "91228"),
        ("Valserhône", "01033"),
        ("Bellegarde-sur-Valserine", "01033"),
        # Homonyms: the most populous, unless the département says.
        ("Saint-Denis (93)", "93066"),
        ("Saint-Denis 93", "93066"),
        ("Saint-Denis (11)", "11339"),
        ("Évry (89)", "89162"),
        ("St-Étienne", "42218"),
        ("ste foy les lyon", "69202"),
        ("Le Havre", "76351"),
        ("Havre", "76351"),
        ("Lyon", "69123"),
        ("Lyo", "69123"),
        ("Ajaccio", "2A004"),
    ],
)
def test_places_resolve(places, text, insee_code):
    assert resolved(text) == insee_code


def test_postal_code_is_its_commune_not_the_departements_largest_town(places):
    # 33220 serves communes of Dordogne and Gironde: centred on the most
    # populous of them (Pineuilh), the others offered; never Bordeaux.
    resolution = resolve_place("33220")
    assert resolution.position.place.insee_code == "33324"
    assert resolution.position.label == "33220 Pineuilh (33)"
    assert {p.insee_code for p in resolution.candidates} == {"24335", "33402"}
    bordeaux = places["lyon"].__class__.objects.get(insee_code="33063")
    assert abs(resolution.position.longitude - bordeaux.longitude) > 0.3


def test_postal_code_of_an_arrondissement_is_that_arrondissement(places):
    assert resolved("75015") == "75115"
    assert resolved("75116") == "75116"
    assert resolved("69003") == "69383"
    assert resolved("13008") == "13208"
    assert resolved("50100") == "50129"


def test_departement_is_centred_on_its_largest_commune(places):
    assert resolved("33") == "33063"
    assert resolved("Gironde") == "33063"
    assert resolved("974") == "97411"
    assert resolved("La Réunion") == "97411"
    assert resolved("75") == "75056"
    # The COG gives Mayotte no population: geonames' is used.
    assert resolved("Mayotte") == "97611"
    assert resolved("976") == "97611"
    assert resolve_place("Gironde").position.label == "Gironde (33) · Bordeaux"


def test_coordinates_are_a_position(places):
    position = resolve_place("45.76, 4.83").position
    assert (position.latitude, position.longitude, position.place) == (45.76, 4.83, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Lyom", "Lyom"),
        ("Paris 15 (69)", "Paris 15 (69)"),
        ("Lyon 12e", "Lyon 12e"),
        ("Paris 21", "Paris 21"),
        ("Bordeaux 33220", "33220"),
        ("99999", "99999"),
        ("69441", "69441"),
        ("Zzyzx", "Zzyzx"),
    ],
)
def test_unknown_places_explain_instead_of_guessing(places, text, message):
    resolution = resolve_place(text)
    assert resolution.position is None
    assert message in resolution.error


def test_a_wrong_pair_suggests_the_communes_of_the_code(places):
    resolution = resolve_place("33220 Bordeaux")
    assert {p.insee_code for p in resolution.suggestions} == {"24335", "33324", "33402"}


def test_typos_get_suggestions(places):
    assert [p.insee_code for p in suggest_places("Lyom")][:1] == ["69123"]
    assert "91228" in [p.insee_code for p in suggest_places("Evry Courcouronne")]


def test_find_place_reads_arrondissements_and_departements(places):
    assert find_place("Paris 15e").insee_code == "75115"
    assert find_place("Saint-Denis", "974").insee_code == "97411"
    assert find_place("Saint-Denis", "93").insee_code == "93066"
    assert find_place("Saint-Denis", "75") is None
    assert find_place("") is None


def test_autocomplete_offers_names_arrondissements_and_postal_codes(places):
    assert [p.label for p in autocomplete_places("saint d")] == [
        "Saint-Denis (974)",
        "Saint-Denis (93)",
        "Saint-Denis (11)",
    ]
    assert [p.label for p in autocomplete_places("Paris 15")] == ["Paris 15e Arrondissement (75)"]
    assert [p.insee_code for p in autocomplete_places("cherbourg")] == ["50129"]
    assert [p.insee_code for p in autocomplete_places("97400")] == ["97411"]
    assert "Pineuilh (33)" in [p.label for p in autocomplete_places("3322")]
    assert autocomplete_places("s") == []


@pytest.mark.parametrize(
    ("postal_code", "city", "insee_code"),
    [
        ("75015", "Paris 15e", "75115"),
        ("75015", "Paris", "75115"),
        ("75015", "PARIS 15", "75115"),
        ("75015", "Paris XVe", "75115"),
        ("75007", "Paris", "75107"),
        ("75007", "Paris Cedex 07", "75107"),
        ("75008", "PARIS CEDEX 08", "75108"),
        ("69441", "Lyon Cedex 03", "69123"),
        ("75384", "Paris Cedex 08", "75056"),
        ("69003", "Lyon 3e", "69383"),
        ("13008", "Marseille", "13208"),
        ("50100", "Cherbourg-Octeville", "50129"),
        ("50100", "Cherbourg-en-Cotentin", "50129"),
        ("50130", "Cherbourg en Cotentin", "50129"),
        ("91000", "Évry", "91228"),
        ("91080", "Courcouronnes", "91228"),
        ("01200", "Bellegarde-sur-Valserine", "01033"),
        ("01200", "Valserhône", "01033"),
        ("97400", "Saint-Denis", "97411"),
        ("97400", "St Denis", "97411"),
        ("93200", "Saint-Denis", "93066"),
        ("97200", "Fort-de-France", "97209"),
        # 33220 crosses the Dordogne–Gironde line.
        ("33220", "Port-Sainte-Foy-et-Ponchapt", "24335"),
        ("33220", "Pineuilh", "33324"),
        ("33220", "Ste-Foy-la-Grande", "33402"),
        ("76600", "Le Havre", "76351"),
        ("76600", "LE HAVRE CEDEX", "76351"),
        ("75015", "Paris 15e Arrondissement (75)", "75115"),
        ("75015", "15e arrondissement de Paris", "75115"),
        ("13008", "MARSEILLE CEDEX 08", "13208"),
        ("97490", "Saint-Denis", "97411"),
        ("20000", "Ajaccio", "2A004"),
        ("20090", "ajaccio cedex 9", "2A004"),
        ("69100", "Villeurbanne", "69266"),
        ("69110", "Ste-Foy-lès-Lyon", "69202"),
    ],
)
def test_postal_code_and_city_are_checked_together(places, postal_code, city, insee_code):
    match = match_postal_address(postal_code, city)
    assert match.error == ""
    assert match.place.insee_code == insee_code


@pytest.mark.parametrize(
    ("postal_code", "city", "message"),
    [
        ("75015", "Paris 16e", "Paris 15e Arrondissement (75)"),
        ("33220", "Bordeaux", "Port-Sainte-Foy-et-Ponchapt (24)"),
        ("97400", "Saint-Denis (93)", "Saint-Denis (974)"),
        ("93200", "Fort-de-France", "Saint-Denis (93)"),
        ("69003", "Marseille", "Lyon 3e Arrondissement (69)"),
        ("75015", "Lyon Cedex", "Paris 15e Arrondissement (75)"),
        ("99999", "Paris", "99999"),
        ("69441", "Zzyzx", "Zzyzx"),
        ("7500", "Paris", "code postal"),
        ("٧٥٠١٥", "Paris", "code postal"),
        ("75015", "", ""),
        ("75015", "75016 Paris", "75016"),
    ],
)
def test_a_pair_that_does_not_match_says_why(places, postal_code, city, message):
    match = match_postal_address(postal_code, city)
    assert match.place is None
    assert message in match.error


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=120))
def test_any_text_resolves_without_error(places, text):
    resolution = resolve_place(text)
    assert resolution.position is None or resolution.error == ""
    match = match_postal_address("75015", text)
    assert (match.place is None) != (match.error == "")
