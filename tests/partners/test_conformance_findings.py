"""What the schemathesis run (test_conformance.py) found, each pinned by
a plain test: the answer the schema documents, a problem, nothing
changed."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.test import APIRequestFactory

from loyalty.api import SESSION_EXAMPLE_IN
from loyalty.models import ServiceSession
from partners.api import idempotency
from partners.api.schema import IDEMPOTENCY_KEY_PATTERN
from partners.models import WebhookEndpoint
from reviews.api import INVOICE_EXAMPLE_IN
from reviews.models import Invoice

from .writes import assert_problem, connected_setup, post

pytestmark = pytest.mark.django_db


def test_a_post_to_no_endpoint_is_a_404_problem_not_the_sites_csrf_page(api):
    # A real client sends no CSRF token: Django's test client only skips
    # the check unless asked.
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/companies/x/nowhere",
        "{}",
        content_type="application/json",
        headers={"Authorization": f"Api-Key {api.secret}"},
    )
    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/companies/abc%0E", "/api/v1/companies/%00/reviews", "/api/v1/webhooks/7%1B"],
)
def test_an_api_path_with_a_control_character_is_a_404_problem(api, path):
    assert_problem(api.client.get(path), 404, "not_found")


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=z"])
def test_a_multipart_body_is_a_415_problem(api, content_type):
    # The site's middleware read the form before the API could refuse it:
    # an HTML 400 without a boundary, an empty body (400) with one.
    response = api.client.generic("POST", "/api/v1/webhooks", b"--z--", content_type=content_type)
    assert_problem(response, 415, "unsupported_media_type")
    assert not WebhookEndpoint.objects.exists()


def test_a_site_path_with_a_control_character_is_still_the_sites_400(client):
    assert client.get("/entreprises/abc%0E/").status_code == 400


@pytest.mark.parametrize(("field", "value"), [("description", 0), ("url", 12)])
def test_a_webhook_field_that_is_not_a_string_is_refused(api, field, value):
    body = {"url": "https://hooks.example.fr/x", "events": ["review.published"], field: value}
    problem = assert_problem(api.client.post("/api/v1/webhooks", body, format="json"), 400)
    assert [error["field"] for error in problem["errors"]] == [field]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("amount", [129.9, 0, True])
def test_an_amount_that_is_not_a_decimal_string_is_refused(partner, amount):
    setup = connected_setup(partner)
    base = f"/api/v1/companies/{setup.company.slug}"
    invoice = post(setup.client, f"{base}/invoices", {**INVOICE_EXAMPLE_IN, "amount": amount})
    assert assert_problem(invoice, 400)["errors"][0]["field"] == "amount"
    session = post(setup.client, f"{base}/sessions", {**SESSION_EXAMPLE_IN, "amount": amount})
    assert assert_problem(session, 400)["errors"][0]["field"] == "amount"
    assert not Invoice.objects.exists()
    assert not ServiceSession.objects.exists()


def test_an_empty_updated_since_is_refused_not_the_whole_feed(api):
    problem = assert_problem(api.client.get("/api/v1/reviews", {"updated_since": ""}), 400)
    assert problem["errors"][0]["field"] == "updated_since"


def _key(value: str) -> str | None:
    request = APIRequestFactory().post("/", headers={"Idempotency-Key": value})
    return idempotency.key_from_request(request)


@pytest.mark.parametrize("value", ["a b", "k", '""', "x" * 255, "~!#"])
def test_every_idempotency_key_the_schema_allows_is_accepted(value):
    assert re.fullmatch(IDEMPOTENCY_KEY_PATTERN, value)
    assert _key(value) == value


@pytest.mark.parametrize("value", ["", " ", "x" * 256, "clé", "a\tb"])
def test_an_idempotency_key_the_schema_refuses_is_a_400(value):
    assert not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, value) or len(value) > 255
    with pytest.raises(idempotency.IdempotencyKeyInvalid):
        _key(value)


def test_a_quoted_idempotency_key_is_read_without_its_quotes():
    assert _key('"abc-123"') == "abc-123"
