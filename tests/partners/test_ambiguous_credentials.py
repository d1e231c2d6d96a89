"""``Authorization: Api-Key …`` and ``X-Api-Key`` in one request: the
same key is that key; two different keys are a 400 problem
(``ambiguous_credentials``), whichever is valid, never one picked
silently; nothing is counted against either key's quota."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from partners.models import PartnerKey
from tests.factories import make_partner_key as make_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/professions"
WRITE = "/api/v1/companies/alpha-electricite/invoices"


def get(headers: dict[str, str], url: str = URL):
    return APIClient().get(url, headers=headers)


def assert_ambiguous(response, language: str = "fr") -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/ambiguous_credentials")
    if language == "fr":
        assert body["title"] == "Identifiants ambigus"
        assert "Authorization" in body["detail"]
        assert "X-Api-Key" in body["detail"]
        assert body["detail"].startswith("Les en-têtes Authorization et X-Api-Key")
    else:
        assert body["title"] == "Ambiguous credentials"
        assert body["detail"].startswith("The Authorization and X-Api-Key headers")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_two_valid_keys_are_ambiguous(partner, taxonomy, language):
    _first, one = make_key(partner)
    _second, two = make_key(partner)
    headers = {"Authorization": f"Api-Key {one}", "X-Api-Key": two, "Accept-Language": language}
    assert_ambiguous(get(headers), language)
    assert not PartnerKey.objects.filter(last_used_at__isnull=False).exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Api-Key {key}", "X-Api-Key": "abc.def"},
        {"Authorization": "Api-Key abc.def", "X-Api-Key": "{key}"},
        {"Authorization": "Api-Key {key}", "X-Api-Key": ""},
        {"Authorization": "api-key {key}", "X-Api-Key": "{key}x"},
    ],
    ids=["valid-then-invalid", "invalid-then-valid", "empty-other", "scheme-in-lower-case"],
)
def test_a_valid_key_beside_another_value_is_ambiguous(partner, taxonomy, headers):
    _key, secret = make_key(partner)
    assert_ambiguous(get({name: value.format(key=secret) for name, value in headers.items()}))


def test_a_write_with_two_keys_is_refused_before_anything(partner):
    _first, one = make_key(partner)
    _second, two = make_key(partner)
    response = APIClient().post(
        WRITE, {}, format="json", headers={"Authorization": f"Api-Key {one}", "X-Api-Key": two}
    )
    assert_ambiguous(response)


def test_the_same_key_in_both_headers_is_that_key(partner, taxonomy):
    _key, secret = make_key(partner)
    headers = {"Authorization": f"Api-Key {secret}", "X-Api-Key": f" {secret} "}
    assert get(headers).status_code == 200


def test_another_scheme_leaves_x_api_key_to_decide(partner, taxonomy):
    """A proxy's ``Authorization: Basic …`` is not ours to judge."""
    _key, secret = make_key(partner)
    assert get({"Authorization": "Basic dXNlcjpwYXNz", "X-Api-Key": secret}).status_code == 200
    response = get({"Authorization": "Bearer abc"})
    assert response.status_code == 401
    assert response.json()["type"].endswith("/not_authenticated")
