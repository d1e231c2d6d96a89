"""The directory's endpoints of the partner API: shapes, filters, the
search's window (has_more, caps), invalid input as 400 problems, and a
company's profile with the sections other apps add."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from directory.companies.services import company_search_keys_sync
from directory.models import Certification, CompanyStatus
from directory.search.query import SearchQuery
from directory.search.service import search_companies
from loyalty.models import LoyaltyScore
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def electricians(taxonomy, places):
    """Seven electricians in Lyon, at growing distances, and a plumber."""
    pros = [
        CompanyFactory(
            trade_name=f"Volt {n}",
            slug=f"volt-{n}",
            primary_profession=taxonomy["electricien"],
            place=places["lyon"],
            latitude=45.7640 + n * 0.01,
            longitude=4.8357,
            serves_businesses=n % 2 == 0,
        )
        for n in range(7)
    ]
    CompanyFactory(trade_name="Eaux Vives", primary_profession=taxonomy["plombier"])
    return pros


def problem_fields(response) -> set[str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/invalid_parameters")
    return {error["field"] for error in body["errors"]}


def test_professions_and_sectors(api, taxonomy):
    trades = api.client.get("/api/v1/professions").json()
    electricien = next(t for t in trades if t["slug"] == "electricien")
    assert electricien["name_fr"] == "Électricien"
    assert set(electricien) == {
        "slug", "name_fr", "name_en", "sector", "synonyms", "listed_companies"
    }  # fmt: skip
    sectors = api.client.get("/api/v1/sectors").json()
    building = next(s for s in sectors if s["slug"] == electricien["sector"])
    assert "electricien" in building["professions"]


def test_places_use_the_sites_autocomplete(api, places):
    body = api.client.get("/api/v1/places", {"q": "Lyo"}).json()
    assert body[0]["label"] == "Lyon (69)"
    assert body[0]["insee_code"] == "69123"
    assert (
        api.client.get("/api/v1/places", {"q": "Paris 15"}).json()[0]["name"].startswith("Paris 15")
    )
    assert api.client.get("/api/v1/places").json() == []
    assert problem_fields(api.client.get("/api/v1/places", {"q": "x" * 101})) == {"q"}


def test_the_search_is_the_sites_search_in_a_window(api, electricians):
    site = search_companies(SearchQuery(text="électricien", place="Lyon"))
    ranked = [c.slug for c in site.page.object_list]
    first = api.client.get(
        "/api/v1/companies", {"q": "électricien", "place": "Lyon", "limit": 3}
    ).json()
    assert [c["slug"] for c in first["results"]] == ranked[:3]
    assert first["has_more"] is True
    assert first["query"]["place"].startswith("Lyon")
    rest = api.client.get(
        "/api/v1/companies", {"q": "électricien", "place": "Lyon", "limit": 5, "offset": 3}
    ).json()
    assert [c["slug"] for c in rest["results"]] == ranked[3:7]
    assert rest["has_more"] is False
    result = first["results"][0]
    assert result["profession"] == "electricien"
    assert result["matched_trades"] == ["electricien"]
    assert result["rating"] == {"average": None, "count": 0}
    assert result["url"].endswith(f"/entreprises/{result['slug']}/")
    assert isinstance(result["distance_km"], float)


def test_the_search_filters(api, electricians, taxonomy):
    by_audience = api.client.get(
        "/api/v1/companies", {"profession": "electricien", "audience": "b2b", "limit": 50}
    ).json()["results"]
    assert {c["slug"] for c in by_audience} == {"volt-0", "volt-2", "volt-4", "volt-6"}
    near = api.client.get(
        "/api/v1/companies", {"q": "électricien", "place": "Lyon", "radius": 10, "sort": "name"}
    ).json()["results"]
    assert [c["trade_name"] for c in near] == sorted(c["trade_name"] for c in near)
    sector = taxonomy["plombier"].sector.slug
    in_sector = api.client.get("/api/v1/companies", {"sector": sector}).json()["results"]
    assert "Eaux Vives" in {c["trade_name"] for c in in_sector}
    understood = api.client.get("/api/v1/companies", {"q": "électricien Lyon"}).json()
    assert understood["query"]["text"] == "électricien"
    assert understood["results"]


def test_the_search_counts_nothing(api, electricians, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        api.client.get("/api/v1/companies", {"q": "électricien", "place": "Lyon"})
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "plombier", "limit": settings.API_MAX_LIMIT + 1}, "limit"),
        ({"q": "plombier", "limit": 0}, "limit"),
        ({"q": "plombier", "limit": "ten"}, "limit"),
        ({"q": "plombier", "offset": settings.API_MAX_OFFSET + 1}, "offset"),
        ({"q": "plombier", "offset": -1}, "offset"),
        ({"q": "plombier", "radius": 5000}, "radius"),
        ({"q": "plombier", "profession": "astronaute"}, "profession"),
        ({"q": "plombier", "sector": "nulle-part"}, "sector"),
        ({"q": "plombier", "audience": "aliens"}, "audience"),
        ({"q": "plombier", "sort": "best"}, "sort"),
        ({"q": "x" * 201}, "q"),
        ({}, "non_field_errors"),
        ({"q": "plombier", "place": "Zzyzxville"}, "place"),
    ],
)
def test_invalid_search_parameters_are_400_problems(api, electricians, params, field):
    assert field in problem_fields(api.client.get("/api/v1/companies", params))


def test_a_nul_character_is_refused_not_a_500(api, electricians):
    response = api.client.get("/api/v1/companies", {"q": "plomb\x00ier"})
    assert response.status_code in (200, 400)


def test_a_company_profile(api, electricians):
    company = electricians[0]
    body = api.client.get(f"/api/v1/companies/{company.slug}").json()
    assert body["slug"] == company.slug
    assert body["trade_name"] == company.trade_name
    assert body["profession"] == "electricien"
    assert [t["slug"] for t in body["trades"]] == ["electricien"]
    assert body["rating"] == {"average": None, "count": 0}
    assert body["reviews"] is None  # no published review
    assert body["loyalty"] is None  # not scored: nothing, never 0 %
    assert body["certifications"] == []


def test_a_scored_companys_profile_shows_its_loyalty(api, electricians):
    company = electricians[0]
    LoyaltyScore.objects.create(
        company=company, sessions=40, new_clients=20, returned=8, qualified=True,
        baseline=0.3, score=0.41,
    )  # fmt: skip
    company.loyalty_score = 0.41
    company.save(update_fields=["loyalty_score"])
    loyalty = api.client.get(f"/api/v1/companies/{company.slug}").json()["loyalty"]
    assert loyalty["percent"] == 40
    assert loyalty["trade_percent"] == 30
    assert loyalty["new_clients"] == 20
    assert loyalty["period_days"] == settings.LOYALTY_RETURN_DAYS


def test_unknown_pending_and_suspended_companies_are_404_problems(api, electricians):
    suspended, pending = electricians[1], electricians[2]
    suspended.status = CompanyStatus.SUSPENDED
    suspended.save()
    pending.status = CompanyStatus.PENDING
    pending.save()
    company_search_keys_sync(company_ids=[suspended.pk, pending.pk])
    for slug in ("nobody", suspended.slug, pending.slug):
        response = api.client.get(f"/api/v1/companies/{slug}")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["type"].endswith("/not_found")
    results = api.client.get("/api/v1/companies", {"profession": "electricien"}).json()
    assert suspended.slug not in {c["slug"] for c in results["results"]}


def test_a_profile_costs_a_few_queries(api, electricians, django_assert_num_queries):
    slug = electricians[0].slug
    api.client.get(f"/api/v1/companies/{slug}")  # the key's first use is written once
    # The key, then the company with its trades, its valid certifications
    # and the sections of reviews and loyalty, as subqueries of its row.
    with django_assert_num_queries(2):
        api.client.get(f"/api/v1/companies/{slug}")


def test_the_one_query_profile_says_what_the_page_s_reads_say(api, electricians, taxonomy):
    """Trades, valid certifications and loyalty, read as JSON in the
    company's own row, are those the company page reads separately."""
    from loyalty.models import BaselineSource, TradeBaseline
    from loyalty.selectors import public_loyalty

    company = electricians[0]
    company.professions.add(taxonomy["plombier"])
    today = timezone.localdate()
    Certification.objects.create(company=company, kind="rge", label="Isolation", expires_on=today)
    Certification.objects.create(company=company, kind="qualibat", expires_on=None)
    Certification.objects.create(company=company, kind="other", label="Label « Éco » & co")
    Certification.objects.create(company=company, kind="rc_pro", expires_on=today - timedelta(1))
    LoyaltyScore.objects.create(
        company=company, sessions=40, new_clients=21, returned=8, qualified=True,
        baseline=0.337, score=0.41,
    )  # fmt: skip
    TradeBaseline.objects.create(
        profession=company.primary_profession, mean=0.337, prior_strength=10, companies=12,
        source=BaselineSource.TRADE,
    )  # fmt: skip
    company.loyalty_score = 0.41
    company.save(update_fields=["loyalty_score"])

    body = api.client.get(f"/api/v1/companies/{company.slug}").json()

    trades = sorted(company.professions.all(), key=lambda trade: trade.name_fr)
    assert body["trades"] == [
        {"slug": t.slug, "name_fr": t.name_fr, "name_en": t.name_en} for t in trades
    ]
    valid = Certification.objects.valid().filter(company=company)  # kind, label order
    assert body["certifications"] == [
        {"name": c.display_name, "expires_on": c.expires_on and c.expires_on.isoformat()}
        for c in valid
    ]
    assert len(body["certifications"]) == 3  # the expired one is not shown
    shown = public_loyalty(company)
    assert shown is not None
    assert shown.trade_baseline
    assert body["loyalty"] == {
        "percent": shown.percent,
        "trade_percent": shown.baseline_percent,
        "trade_baseline": True,
        "new_clients": 21,
        "returned": 8,
        "period_days": settings.LOYALTY_RETURN_DAYS,
    }


def test_a_certification_leaves_the_profile_the_day_after_it_expires(api, electricians):
    """The profile's query is built once a day per process: the next day's
    profile must not show what expired the day before."""
    import time_machine

    company = electricians[0]
    today = timezone.localdate()
    Certification.objects.create(company=company, kind="rc_pro", expires_on=today)
    url = f"/api/v1/companies/{company.slug}"
    assert [c["expires_on"] for c in api.client.get(url).json()["certifications"]] == [
        today.isoformat()
    ]
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert api.client.get(url).json()["certifications"] == []
