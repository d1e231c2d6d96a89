"""Keys: missing, wrong, revoked, expired, suspended partner, in French
and English, always as problem details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import PartnerKey, PartnerStatus, Scope
from partners.services import partner_key_revoke
from tests.factories import make_partner_key as make_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/professions"


def get(headers: dict[str, str], url: str = URL):
    return APIClient().get(url, headers=headers)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].endswith("/" + code)
    assert body["title"]
    assert body["detail"]
    return body


def test_no_key_is_a_401_problem_with_the_scheme_to_use(taxonomy):
    response = get({})
    body = assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Api-Key")
    assert body["title"] == "Authentification requise"
    assert response["Content-Language"] == "fr"


def test_the_problem_is_in_english_when_asked(taxonomy):
    body = assert_problem(get({"Accept-Language": "en-GB,en;q=0.9"}), 401, "not_authenticated")
    assert body["title"] == "Authentication required"


def test_a_wrong_secret_is_refused(partner, taxonomy):
    _key, secret = make_key(partner)
    prefix = secret.split(".")[0]
    body = assert_problem(
        get({"Authorization": f"Api-Key {prefix}.not-the-secret"}), 401, "invalid_key"
    )
    assert body["detail"] == "La clé d’API est invalide."
    assert_problem(get({"Authorization": "Api-Key nodot"}), 401, "invalid_key")
    assert_problem(get({"Authorization": "Api-Key " + "x." * 80}), 401, "invalid_key")


def test_a_good_key_works_in_either_header(partner, taxonomy):
    _key, secret = make_key(partner)
    assert get({"Authorization": f"Api-Key {secret}"}).status_code == 200
    assert get({"X-Api-Key": secret}).status_code == 200


def test_a_revoked_key_is_refused(partner, taxonomy):
    key, secret = make_key(partner)
    assert partner_key_revoke(key=key)
    body = assert_problem(
        get({"Authorization": f"Api-Key {secret}", "Accept-Language": "en"}), 401, "revoked_key"
    )
    assert body["detail"] == "This API key was revoked."


def test_an_expired_key_is_refused(partner, taxonomy):
    _key, secret = make_key(partner, expiry_date=timezone.now() - timedelta(minutes=1))
    assert_problem(get({"Authorization": f"Api-Key {secret}"}), 401, "expired_key")


def test_a_suspended_partners_keys_are_refused(partner, taxonomy):
    _key, secret = make_key(partner)
    partner.status = PartnerStatus.SUSPENDED
    partner.save()
    body = assert_problem(get({"Authorization": f"Api-Key {secret}"}), 403, "partner_suspended")
    assert "suspendu" in body["detail"]
    body = assert_problem(
        get({"Authorization": f"Api-Key {secret}", "Accept-Language": "en"}),
        403,
        "partner_suspended",
    )
    assert "suspended" in body["detail"]


def test_a_key_without_the_scope_is_forbidden(partner, taxonomy):
    _key, secret = make_key(partner, Scope.REVIEWS_READ)
    body = assert_problem(get({"Authorization": f"Api-Key {secret}"}), 403, "insufficient_scope")
    assert "directory:read" in body["detail"]


def test_last_use_is_written_at_most_once_a_minute(partner, taxonomy, django_assert_num_queries):
    key, secret = make_key(partner, Scope.DIRECTORY_READ)
    headers = {"Authorization": f"Api-Key {secret}"}
    get(headers)
    first = PartnerKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    get(headers)
    assert PartnerKey.objects.get(pk=key.pk).last_used_at == first
    PartnerKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    get(headers)
    assert PartnerKey.objects.get(pk=key.pk).last_used_at > first


def test_an_unknown_api_path_is_a_problem_not_a_page():
    response = APIClient().get("/api/v1/nothing-here", headers={"Accept-Language": "en"})
    body = assert_problem(response, 404, "not_found")
    assert body["detail"] == "No endpoint at this address."


def test_a_write_method_on_a_read_endpoint_is_a_405_problem(api, taxonomy):
    assert_problem(api.client.post(URL, {}, format="json"), 405, "method_not_allowed")


def test_a_request_costs_one_query_for_its_key_and_no_write(
    api, taxonomy, django_assert_num_queries
):
    api.client.get(URL)  # first use: last_used_at written
    with django_assert_num_queries(2):  # the key with its partner, the trades
        assert api.client.get(URL).status_code == 200


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        ("get", {"Accept": "text/html"}, 406),
        ("head", {}, 200),
        ("delete", {}, 405),
    ],
)
def test_odd_requests_get_problems_not_500s(api, taxonomy, method, headers, status):
    response = getattr(api.client, method)(URL, headers=headers)
    assert response.status_code == status
    if status >= 400:
        assert response["Content-Type"] == "application/problem+json"


def test_a_database_outage_is_a_503_problem(api, taxonomy, monkeypatch):
    from django.db import OperationalError

    from directory import api as directory_api

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(directory_api.ProfessionList, "get", down)
    response = api.client.get(URL)
    body = assert_problem(response, 503, "service_unavailable")
    assert response["Retry-After"] == "60"
    assert "indisponible" in body["detail"]


def test_a_bug_is_a_500_problem_not_a_page(api, taxonomy, monkeypatch):
    from directory import api as directory_api

    def bug(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(directory_api.ProfessionList, "get", bug)
    assert_problem(api.client.get(URL), 500, "server_error")
