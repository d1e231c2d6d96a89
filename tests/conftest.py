from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache

from directory.models import Profession
from directory.services import taxonomy_load

from .factories import PlaceFactory

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def taxonomy(db) -> dict[str, Profession]:
    """The real sectors and trades shipped with the project, by slug."""
    taxonomy_load()
    return Profession.objects.in_bulk(field_name="slug")


# Real coordinates and populations (geonames), with a homonym pair.
CITIES = {
    "lyon": ("Lyon", "69", 45.74906, 4.84789, 520_774),
    "villeurbanne": ("Villeurbanne", "69", 45.76601, 4.8795, 154_781),
    "saint-etienne": ("Saint-Étienne", "42", 45.43389, 4.39, 176_280),
    "paris": ("Paris", "75", 48.85341, 2.3488, 2_138_551),
    "marseille": ("Marseille", "13", 43.29695, 5.38107, 877_215),
    "saint-denis-93": ("Saint-Denis", "93", 48.93564, 2.35387, 112_091),
    "saint-denis-11": ("Saint-Denis", "11", 43.35, 2.23333, 480),
    "ajaccio": ("Ajaccio", "2A", 41.91886, 8.73812, 54_364),
}


@pytest.fixture
def places(db):
    return {
        key: PlaceFactory(
            name=name, department_code=dep, latitude=lat, longitude=lng, population=pop
        )
        for key, (name, dep, lat, lng, pop) in CITIES.items()
    }


PASSWORD = "correct horse battery staple"


@pytest.fixture
def cast(taxonomy, places):
    """Two companies, their people, a consumer and a vetting staff member."""
    from django.contrib.auth.models import Group

    from directory.models import MembershipRole

    from .factories import CompanyFactory, MembershipFactory, UserFactory

    company_a = CompanyFactory(
        trade_name="Alpha Électricité",
        slug="alpha-electricite",
        primary_profession=taxonomy["electricien"],
        place=places["lyon"],
    )
    company_b = CompanyFactory(
        trade_name="Bêta Plomberie", slug="beta-plomberie", primary_profession=taxonomy["plombier"]
    )
    owner_a = MembershipFactory(
        company=company_a, role=MembershipRole.OWNER, user__email="owner-a@example.fr"
    ).user
    member_a = MembershipFactory(
        company=company_a, role=MembershipRole.MEMBER, user__email="member-a@example.fr"
    ).user
    owner_b = MembershipFactory(
        company=company_b, role=MembershipRole.OWNER, user__email="owner-b@example.fr"
    ).user
    staff = UserFactory(email="staff@example.fr", is_staff=True)
    staff.groups.add(Group.objects.get(name="vetting"))
    return SimpleNamespace(
        company_a=company_a,
        company_b=company_b,
        owner_a=owner_a,
        member_a=member_a,
        owner_b=owner_b,
        consumer=UserFactory(email="consumer@example.fr"),
        staff=staff,
    )
