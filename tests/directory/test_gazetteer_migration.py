"""Existing companies are re-attached to the new gazetteer (migration 0008)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from directory.models import Company, CompanyProfession, Place
from directory.places.gazetteer import reattach_companies
from tests.factories import CompanyFactory
from tests.gazetteer_sample import SAMPLE

pytestmark = pytest.mark.django_db

migration = importlib.import_module("directory.migrations.0008_gazetteer_reattach_companies")

# Where the geonames gazetteer had put some of them.
PARIS_CENTRE = (48.85341, 2.3488)
SAINT_DENIS_93 = (48.93564, 2.35387)


def company(city: str, postal_code: str, position: tuple[float, float], **kwargs) -> Company:
    latitude, longitude = position
    return CompanyFactory(
        city=city,
        postal_code=postal_code,
        latitude=latitude,
        longitude=longitude,
        place=None,
        **kwargs,
    )


def search_position(company: Company) -> tuple[float, float]:
    link = CompanyProfession.objects.get(company=company, is_primary=True)
    return link.latitude, link.longitude


def test_companies_are_placed_by_postal_code_and_city(places):
    paris = company("Paris", "75015", PARIS_CENTRE)
    cherbourg = company("Cherbourg-Octeville", "50100", (49.6333, -1.6333))
    cedex = company("Lyon Cedex 03", "69441", (45.7597, 4.8422))
    arrondissement = company("Marseille 8e", "13008", (43.2437, 5.3797))
    report = reattach_companies()
    assert (report.placed, report.moved, report.unplaced) == (4, 0, [])
    for row, insee_code in [
        (paris, "75115"),
        (cherbourg, "50129"),
        (cedex, "69123"),
        (arrondissement, "13208"),
    ]:
        row.refresh_from_db()
        assert row.place.insee_code == insee_code
        assert row.city == row.place.name
    # Near their place: their own coordinates (an address) are kept.
    assert (paris.latitude, paris.longitude) == PARIS_CENTRE


def test_a_company_far_from_its_place_moves_there_with_its_search_copies(places):
    # Saint-Denis 97400 put on the homonym of Seine-Saint-Denis.
    reunion = company("Saint-Denis", "97400", SAINT_DENIS_93)
    report = reattach_companies()
    assert (report.placed, report.moved) == (1, 1)
    reunion.refresh_from_db()
    saint_denis = Place.objects.get(insee_code="97411")
    assert reunion.place == saint_denis
    assert (reunion.latitude, reunion.longitude) == (saint_denis.latitude, saint_denis.longitude)
    assert search_position(reunion) == (saint_denis.latitude, saint_denis.longitude)


def test_a_code_of_another_commune_of_the_departement_is_placed_and_reported(places):
    # The old forms only checked the département of the code.
    bordeaux = company("Bordeaux", "33220", (44.8378, -0.5792), trade_name="Mauvais Code")
    report = reattach_companies()
    assert (report.placed, report.unplaced) == (1, [])
    assert report.code_mismatches == [f"#{bordeaux.pk} Mauvais Code (33220 Bordeaux)"]
    bordeaux.refresh_from_db()
    assert bordeaux.place.insee_code == "33063"
    assert "postal code serves another commune: #" in "\n".join(report.lines())


def test_companies_that_cannot_be_placed_are_reported_and_keep_their_position(places):
    lost = company("Atlantide", "99999", PARIS_CENTRE, trade_name="Atlantide Services")
    elsewhere = company("Bordeaux", "75015", PARIS_CENTRE, trade_name="Ailleurs")
    report = reattach_companies()
    assert report.placed == 0
    assert report.unplaced == [
        f"#{lost.pk} Atlantide Services (99999 Atlantide)",
        f"#{elsewhere.pk} Ailleurs (75015 Bordeaux)",
    ]
    assert "not placed: #" in "\n".join(report.lines())
    lost.refresh_from_db()
    assert (lost.place, lost.latitude, lost.longitude) == (None, *PARIS_CENTRE)
    assert search_position(lost) == PARIS_CENTRE


def test_companies_already_placed_are_left_alone(places):
    placed = company("Lyon", "69002", (45.76, 4.83))
    Company.objects.filter(pk=placed.pk).update(place=places["villeurbanne"])
    assert reattach_companies().placed == 0
    placed.refresh_from_db()
    assert placed.place == places["villeurbanne"]


def test_migration_on_an_empty_database_loads_nothing(db):
    migration.reattach(django_apps, None)
    assert not Place.objects.exists()


def test_migration_loads_the_gazetteer_when_companies_wait(db, capsys, caplog):
    company("Saint-Denis (974)", "97400", SAINT_DENIS_93)
    lost = company("Atlantide", "99999", PARIS_CENTRE, trade_name="Atlantide Services")
    migration.reattach(django_apps, None, source=SAMPLE)
    assert Place.objects.filter(insee_code="97411").exists()
    output = capsys.readouterr().out
    assert "1 companies re-attached to the gazetteer, 1 moved to their commune, 1 not placed" in (
        output
    )
    assert "not placed: #" in output
    assert f"#{lost.pk} Atlantide Services" in caplog.text
