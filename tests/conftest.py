from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import clear_url_caches
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from directory.models import Place, Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load

from .gazetteer_sample import SAMPLE


@receiver(setting_changed)
def _url_caches_follow_the_default_language(*, setting: str, **kwargs) -> None:
    """The URL resolver keeps its reverse map per language, with the
    language prefix computed when it was built (none for the default
    language). A test that changes LANGUAGE_CODE would leave later tests an
    English map without /en/: Django clears these caches only for
    ROOT_URLCONF, so clear them here too."""
    if setting in ("LANGUAGE_CODE", "LANGUAGES"):
        clear_url_caches()


ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# Property tests check what is true, not how fast: no per-example deadline,
# which a loaded 2-core CI machine can miss on a perfectly correct example.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request the test
    client made in English (LocaleMiddleware) leaves English active in the
    thread, and a later test on the same worker would read English
    messages (a French ``match=`` failed that way, by test order only)."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    # The process's fragments too: a test may change the URLs or languages.
    for alias in ("default", "process"):
        caches[alias].clear()
    yield
    for alias in ("default", "process"):
        caches[alias].clear()


@pytest.fixture
def taxonomy(db) -> dict[str, Profession]:
    """The real sectors and trades shipped with the project, by slug."""
    taxonomy_load()
    return Profession.objects.in_bulk(field_name="slug")


# Communes of the gazetteer sample (tests/gazetteer_sample.py) by key.
CITIES = {
    "lyon": "69123",
    "villeurbanne": "69266",
    "saint-etienne": "42218",
    "paris": "75056",
    "marseille": "13055",
    "saint-denis-93": "93066",
    "saint-denis-11": "11339",
    "saint-denis-974": "97411",
    "ajaccio": "2A004",
    "cherbourg": "50129",
}


@pytest.fixture
def places(db):
    """The real gazetteer, restricted to a sample of communes (with their
    arrondissements, other names and postal codes), loaded by the real
    loader from an extract of the packaged files."""
    load_gazetteer(source=SAMPLE)
    by_code = Place.objects.in_bulk(CITIES.values(), field_name="insee_code")
    return {key: by_code[code] for key, code in CITIES.items()}


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


@pytest.fixture
def partner(db):
    """A partner of the API (a comparison site)."""
    from partners.models import Partner, PartnerKind

    return Partner.objects.create(
        name="Comparateur Test", kind=PartnerKind.COMPARISON_SITE, contact_email="api@comp.test"
    )


@pytest.fixture
def api(partner) -> SimpleNamespace:
    """An API client sending a key of ``partner`` that holds every scope."""
    from rest_framework.test import APIClient

    from .factories import make_partner_key

    key, secret = make_partner_key(partner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return SimpleNamespace(client=client, key=key, secret=secret, partner=partner)


@pytest.fixture
def connected(partner) -> SimpleNamespace:
    """A listed company that connected ``partner``, and a client holding
    the write scopes (``tests.partners.writes.connected_setup``)."""
    from .partners.writes import connected_setup

    return connected_setup(partner)


@pytest.fixture
def rate_window():
    """Stop the clock 5 s into the next hour: a test that counts requests
    against a per-minute or per-hour quota must not see its window reset
    because it ran across a boundary (the counters are fixed windows,
    ``partners.api.ratelimit``)."""
    import time

    import time_machine

    with time_machine.travel((time.time() // 3600 + 1) * 3600 + 5, tick=False):
        yield
