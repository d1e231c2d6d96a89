"""A problem sent with ``Retry-After`` says when to retry in its detail
too, the same number of seconds, in French or English: the 429 of a rate
limit (every scope's, reads and writes) and the 503 of a database outage."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from partners.api.problems import with_retry

from .writes import assert_problem

pytestmark = pytest.mark.django_db

WAIT = {
    "fr": re.compile(r"Réessayez dans (\d+) secondes?\.$"),
    "en": re.compile(r"Retry in (\d+) seconds?\.$"),
}


@pytest.fixture
def tiny_limits(settings, rate_window):
    settings.API_RATE_LIMITS = dict.fromkeys(settings.API_RATE_LIMITS, "1/hour")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/professions"),
        ("get", "/api/v1/reviews"),
        ("get", "/api/v1/webhooks"),
        ("post", "/api/v1/companies/alpha-electricite/invoices"),
    ],
)
def test_a_429_says_the_wait_of_its_retry_after(api, taxonomy, tiny_limits, language, method, url):
    headers = {"Accept-Language": language}
    getattr(api.client, method)(url, {}, format="json", headers=headers)
    response = getattr(api.client, method)(url, {}, format="json", headers=headers)
    body = assert_problem(response, 429, "rate_limited")
    match = WAIT[language].search(body["detail"])
    assert match, body["detail"]
    assert match[1] == response["Retry-After"]
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert body["detail"] == body["detail"].strip()


def test_a_database_outage_says_its_wait(api, taxonomy, monkeypatch):
    from django.db import OperationalError

    from directory import api as directory_api

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(directory_api.ProfessionList, "get", down)
    response = api.client.get("/api/v1/professions", headers={"Accept-Language": "en"})
    body = assert_problem(response, 503, "service_unavailable")
    assert body["detail"] == "The service is briefly unavailable. Retry in 60 seconds."
    assert response["Retry-After"] == "60"


def test_one_second_is_singular():
    with translation.override("fr"):
        assert with_retry("Trop de requêtes. ", 1) == "Trop de requêtes. Réessayez dans 1 seconde."
    with translation.override("en"):
        assert with_retry("", 2) == "Retry in 2 seconds."
