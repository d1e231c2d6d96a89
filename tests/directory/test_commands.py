"""Reference data and demo data commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from stdnum.fr import siren

from directory.models import (
    Company,
    CompanyProfession,
    EligibilityCategory,
    Place,
    PlaceKind,
    Profession,
)
from directory.places.resolve import resolve_place

pytestmark = pytest.mark.django_db


def test_taxonomy_covers_the_seed_scope(taxonomy):
    public = Profession.objects.public()
    assert public.count() >= 120
    assert Profession.objects.filter(is_trust_profession=True).count() >= 15
    for slug in ("garde-enfants", "menage-domicile", "implantologie-dentaire"):
        assert taxonomy[slug].is_trust_profession
    assert taxonomy["restaurant"].eligibility_category == EligibilityCategory.EXCLUDED
    assert taxonomy["traiteur"].eligibility_category == EligibilityCategory.EXCEPTION
    assert "nounou" in taxonomy["garde-enfants"].synonyms
    assert "chauffagiste" in taxonomy["installateur-chauffage"].synonyms


def test_load_professions_is_idempotent(taxonomy):
    count = Profession.objects.count()
    call_command("load_professions", verbosity=0)
    assert Profession.objects.count() == count


@pytest.mark.slow
def test_load_places_builds_the_gazetteer_with_departements():
    """The whole official code (tens of seconds): coverage, départements,
    resolution of loose spellings and postal codes, idempotence."""
    out = io.StringIO()
    call_command("load_places", verbosity=0, stdout=out)
    assert "34875 communes (129 overseas), 45 municipal arrondissements" in out.getvalue()
    assert "with a position" in out.getvalue()
    communes = Place.objects.filter(kind=PlaceKind.COMMUNE)
    assert communes.count() >= 34_800
    assert communes.filter(department_code__startswith="97").count() == 129
    assert Place.objects.filter(kind=PlaceKind.MUNICIPAL_ARRONDISSEMENT).count() == 45
    assert communes.exclude(postal_codes__isnull=False).count() <= 5
    for name, department in [
        ("Lyon", "69"),
        ("Saint-Étienne", "42"),
        ("Marseille", "13"),
        ("Ajaccio", "2A"),
        ("Bastia", "2B"),
        ("Strasbourg", "67"),
        ("Brest", "29"),
        ("Fort-de-France", "972"),
        ("Mamoudzou", "976"),
        ("Cayenne", "973"),
        ("Port-Sainte-Foy-et-Ponchapt", "24"),
    ]:
        place = communes.filter(name=name).order_by("-population").first()
        assert place.department_code == department, name
    # Spelled loosely, or by postal code: the commune of the code.
    assert resolve_place("saint etienne").position.place.name == "Saint-Étienne"
    assert resolve_place("69003").position.place.name == "Lyon 3e Arrondissement"
    assert resolve_place("13001").position.place.name == "Marseille 1er Arrondissement"
    assert resolve_place("20000").position.place.name == "Ajaccio"
    assert resolve_place("97400").position.place.label == "Saint-Denis (974)"
    assert resolve_place("Paris 15e").position.place.insee_code == "75115"
    assert resolve_place("Valserhône").position.place.insee_code == "01033"
    assert resolve_place("Évry").position.place.insee_code == "91228"
    assert resolve_place("33220").position.place.department_code in ("24", "33")
    # Idempotent.
    total = Place.objects.count()
    call_command("load_places", verbosity=0, stdout=io.StringIO())
    assert Place.objects.count() == total


def test_seed_demo_creates_valid_companies_idempotently(taxonomy, places):
    call_command("seed_demo", companies=60, verbosity=0)
    assert Company.objects.count() == 60
    call_command("seed_demo", companies=80, verbosity=0)
    assert Company.objects.count() == 80
    call_command("seed_demo", companies=80, verbosity=0)
    assert Company.objects.count() == 80
    for company in Company.objects.all():
        assert siren.is_valid(company.siren)
        company.full_clean()
    assert Company.objects.listed().count() >= 75
    assert CompanyProfession.objects.count() >= 80
    assert Profession.objects.filter(listed_company_count__gt=0).exists()


def test_seed_demo_explains_what_is_missing(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="load_professions"):
        call_command("seed_demo", companies=5, verbosity=0)
