"""Rate limits per key and scope: the IETF headers, 429 with Retry-After,
and a cache outage that lets requests through."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from partners.api import ratelimit

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny_limit(settings, rate_window):
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, "directory:read": "3/minute"}


def test_every_answer_carries_the_policy_and_what_remains(api, taxonomy):
    response = api.client.get("/api/v1/professions")
    assert response["RateLimit-Policy"] == '"directory:read";q=600;w=60'
    match = re.fullmatch(r'"directory:read";r=(\d+);t=(\d+)', response["RateLimit"])
    assert match
    assert int(match[1]) == 599
    assert 1 <= int(match[2]) <= 60


def test_past_the_quota_a_429_problem_says_when_to_retry(api, taxonomy, tiny_limit):
    remaining = [api.client.get("/api/v1/professions")["RateLimit"] for _ in range(3)]
    assert [r.split(";")[1] for r in remaining] == ["r=2", "r=1", "r=0"]
    response = api.client.get("/api/v1/professions")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["RateLimit"].startswith('"directory:read";r=0;')


def test_limits_are_per_key_and_per_scope(api, partner, taxonomy, tiny_limit):
    from rest_framework.test import APIClient

    from tests.factories import make_partner_key as make_key

    for _ in range(4):
        api.client.get("/api/v1/professions")
    # The reviews scope has its own window.
    assert api.client.get("/api/v1/reviews").status_code == 200
    _key, secret = make_key(partner)
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert other.get("/api/v1/professions").status_code == 200


def test_a_cache_outage_lets_requests_through_and_logs_once(api, taxonomy, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(cache, "add", down)
    # Redis counts in one round trip (common.cache.window_count).
    monkeypatch.setattr(cache, "count", down, raising=False)
    monkeypatch.setattr(ratelimit, "_cache_down_logged", False)
    responses = [api.client.get("/api/v1/professions") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "RateLimit" not in responses[0]
    assert responses[0]["RateLimit-Policy"] == '"directory:read";q=600;w=60'
    outage_lines = [r for r in caplog.records if "rate limits not counted" in r.getMessage()]
    assert len(outage_lines) == 1


def test_a_malformed_rate_setting_stops_with_its_name():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="directory:read"):
        ratelimit.parse_rate("directory:read", "lots")
    assert ratelimit.parse_rate("x", "10/5minute") == ratelimit.Policy("x", 10, 300)


def test_a_malformed_rate_setting_fails_the_system_check(settings):
    from partners.checks import rate_limits_check

    assert rate_limits_check() == []
    settings.API_RATE_LIMITS = {"directory:read": "often"}
    assert [e.id for e in rate_limits_check()] == ["partners.E001", "partners.E002"]


def test_a_window_counts_then_starts_again():
    policy = ratelimit.Policy("test", 2, 60)
    assert ratelimit.consume("k", policy, now=600.0).remaining == 1
    usage = ratelimit.consume("k", policy, now=659.5)
    assert (usage.remaining, usage.reset) == (0, 1)
    with pytest.raises(ratelimit.RateLimited) as limited:
        ratelimit.consume("k", policy, now=659.6)
    assert limited.value.wait == 1
    assert ratelimit.consume("k", policy, now=660.0).remaining == 1  # a new window
    assert ratelimit.consume("other", policy, now=659.9).remaining == 1


def test_refusals_of_a_known_key_carry_the_headers_too(partner, taxonomy):
    from rest_framework.test import APIClient

    from tests.factories import make_partner_key

    _key, secret = make_partner_key(partner, "reviews:read")
    response = APIClient().get("/api/v1/professions", HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert response.status_code == 403
    assert response["RateLimit"].startswith('"directory:read";r=599;')
