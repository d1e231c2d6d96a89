"""The gazetteer: the official geographic code with La Poste's postal codes,
loaded from packaged data (a sample of the real files, and once the whole)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from directory.models import Place, PlaceKind, PlaceName, PlaceNameKind, PostalCode
from directory.places.gazetteer import load_gazetteer
from tests.gazetteer_sample import SAMPLE, SAMPLE_COMMUNES

pytestmark = pytest.mark.django_db


def names_of(insee_code: str) -> dict[str, str]:
    return dict(PlaceName.objects.filter(place__insee_code=insee_code).values_list("name", "kind"))


def codes_of(insee_code: str) -> set[str]:
    return set(
        PostalCode.objects.filter(place__insee_code=insee_code).values_list("code", flat=True)
    )


def test_sample_loads_communes_arrondissements_names_and_postal_codes(places):
    assert Place.objects.filter(kind=PlaceKind.COMMUNE).count() == len(SAMPLE_COMMUNES)
    # 20 + 9 + 16 municipal arrondissements, each under its commune.
    paris, lyon, marseille = (Place.objects.get(insee_code=c) for c in ("75056", "69123", "13055"))
    assert (paris.arrondissements.count(), lyon.arrondissements.count()) == (20, 9)
    assert marseille.arrondissements.count() == 16
    paris_15 = Place.objects.get(insee_code="75115")
    assert paris_15.name == "Paris 15e Arrondissement"
    assert paris_15.label == "Paris 15e Arrondissement (75)"
    assert (paris_15.kind, paris_15.parent) == ("arrondissement", paris)
    assert paris_15.department_code == "75"
    # Every arrondissement in its city's département (geonames had put ten of
    # Paris's in 92, 93 and 94).
    assert set(paris.arrondissements.values_list("department_code", flat=True)) == {"75"}
    assert set(marseille.arrondissements.values_list("department_code", flat=True)) == {"13"}
    assert Place.objects.get(insee_code="69383").name == "Lyon 3e Arrondissement"
    assert Place.objects.get(insee_code="13208").name == "Marseille 8e Arrondissement"


def test_arrondissements_have_their_codes_and_the_city_has_them_all(places):
    assert codes_of("75115") == {"75015"}
    assert codes_of("75116") == {"75016", "75116"}
    assert codes_of("13208") == {"13008"}
    assert codes_of("69383") == {"69003"}
    assert codes_of("75056") == {f"750{n:02d}" for n in range(1, 21)} | {"75116"}
    assert codes_of("69123") == {f"6900{n}" for n in range(1, 10)}


def test_overseas_communes_have_their_departement_and_codes(places):
    saint_denis = Place.objects.get(insee_code="97411")
    assert (saint_denis.name, saint_denis.department_code) == ("Saint-Denis", "974")
    assert saint_denis.label == "Saint-Denis (974)"
    assert saint_denis.latitude == pytest.approx(-20.88, abs=0.05)
    assert {"97400", "97490"} <= codes_of("97411")
    fort_de_france = Place.objects.get(insee_code="97209")
    assert (fort_de_france.department_code, codes_of("97209") >= {"97200"}) == ("972", True)
    assert Place.objects.get(insee_code="97101").name == "Les Abymes"
    mamoudzou = Place.objects.get(insee_code="97611")
    assert (mamoudzou.department_code, mamoudzou.population > 50_000) == ("976", True)
    assert Place.objects.get(insee_code="2A004").department_code == "2A"
    assert Place.objects.get(insee_code="2B033").department_code == "2B"


def test_names_carry_their_article(places):
    havre = Place.objects.get(insee_code="76351")
    assert havre.name == "Le Havre"
    assert names_of("76351") == {
        "Le Havre": "official",
        "Havre": "official",
        "Rouelles": "associated",
    }


def test_delegated_associated_and_former_communes_are_other_names(places):
    assert names_of("50129")["Cherbourg-Octeville"] == PlaceNameKind.DELEGATED
    assert names_of("50129")["Tourlaville"] == PlaceNameKind.DELEGATED
    # Bellegarde kept a delegated commune; Évry and Courcouronnes did not,
    # they come from geonames, inside the new commune's outline.
    assert names_of("01033")["Bellegarde-sur-Valserine"] == PlaceNameKind.DELEGATED
    assert names_of("91228")["Évry"] == PlaceNameKind.FORMER
    assert names_of("91228")["Courcouronnes"] == PlaceNameKind.FORMER
    # A name a commune of the same département bears is not repeated.
    assert "Saint-Denis" in names_of("93066")
    saint_denis = PlaceName.objects.filter(place__insee_code="93066", search_name="saint denis")
    assert saint_denis.count() == 1


def test_a_postal_code_may_serve_several_communes_across_departements(places):
    served = PostalCode.objects.filter(code="33220").select_related("place")
    by_code = {row.place.insee_code: row.place.department_code for row in served}
    assert by_code["24335"] == "24"  # Port-Sainte-Foy-et-Ponchapt, Dordogne
    assert by_code["33324"] == "33"  # Pineuilh, Gironde
    assert by_code["33402"] == "33"  # Sainte-Foy-la-Grande


def test_positions_are_town_halls_inside_france(places):
    paris_15 = Place.objects.get(insee_code="75115")
    assert (paris_15.latitude, paris_15.longitude) == pytest.approx((48.84, 2.30), abs=0.02)
    cherbourg = Place.objects.get(insee_code="50129")
    assert (cherbourg.latitude, cherbourg.longitude) == pytest.approx((49.64, -1.62), abs=0.05)
    # Paris has no town-hall point in the data: the centre of its outline.
    paris = Place.objects.get(insee_code="75056")
    assert (paris.latitude, paris.longitude) == pytest.approx((48.86, 2.34), abs=0.03)


def test_loading_again_changes_nothing(places):
    counts = (Place.objects.count(), PlaceName.objects.count(), PostalCode.objects.count())
    ids = set(Place.objects.values_list("pk", flat=True))
    coverage = load_gazetteer(source=SAMPLE)
    assert (Place.objects.count(), PlaceName.objects.count(), PostalCode.objects.count()) == counts
    assert set(Place.objects.values_list("pk", flat=True)) == ids
    assert coverage.communes == len(SAMPLE_COMMUNES)
    assert coverage.arrondissements == 45


def test_loading_a_restricted_set_keeps_the_others(places):
    before = Place.objects.count()
    coverage = load_gazetteer(source=SAMPLE, insee_codes={"97411"})
    assert (coverage.communes, coverage.overseas, coverage.arrondissements) == (1, 1, 0)
    assert Place.objects.count() == before
    assert codes_of("75115") == {"75015"}


def test_load_places_if_empty_leaves_a_loaded_gazetteer_alone(places):
    out = io.StringIO()
    before = Place.objects.count()
    call_command("load_places", if_empty=True, stdout=out)
    assert "already loaded" in out.getvalue()
    assert Place.objects.count() == before


@pytest.mark.postgres
def test_a_load_leaves_the_planner_statistics_of_what_it_loaded(db):
    """Where autovacuum is off (or has not run yet), the planner would
    take the freshly loaded tables for empty ones: the load ANALYZEs them,
    so that a postal code's places are read through its index."""
    from django.db import connection

    load_gazetteer(source=SAMPLE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN "
            "('directory_place', 'directory_placename', 'directory_postalcode')"
        )
        estimated = dict(cursor.fetchall())
    assert estimated == {
        "directory_place": Place.objects.count(),
        "directory_placename": PlaceName.objects.count(),
        "directory_postalcode": PostalCode.objects.count(),
    }
