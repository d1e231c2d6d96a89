"""Schemathesis against the partner API (issue 14, "Documentation and
conformance"): every operation of the OpenAPI schema the app serves
(/api/schema/) is called through the WSGI app, in-process, with data
generated from the schema — valid and invalid — and with the schema's own
examples, against a world where those examples are real rows (the company
``alpha-electricite`` connected to the partner, its reviews, a webhook
endpoint and a delivery).

Each response must be no 5xx, have a status, a content type, headers and
a body the schema declares for the operation; invalid data must be
refused (4xx) and valid data accepted (2xx, or a documented 401/403/404/
409/429), except where noted below. Deterministic: a fixed seed,
derandomized generation, no example database, rate limits lifted;
bounded: MAX_EXAMPLES generated cases per operation and phase (about
a minute for the module with -n 2).

The schema is loaded at collection (each operation is then a test of its
own), not through ``schemathesis.pytest.from_fixture``, whose lazy loader
(4.32) reads ``Function._nodeid``, which pytest 9 no longer has."""

from __future__ import annotations

import socket
from datetime import timedelta
from types import SimpleNamespace

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from common.control_characters import ANY_CONTROL_CHARACTER
from common.webhooks import targets
from loyalty.api import SESSION_EXAMPLE_IN, SESSION_EXAMPLE_OUT
from partners.api.schema import EXAMPLE_SLUG
from partners.api.webhooks import DELIVERY_EXAMPLE, ENDPOINT_EXAMPLE
from partners.models import DeliveryStatus, EventType, WebhookDelivery
from partners.services import connection_create
from partners.webhooks import endpoint_create, event_publish
from reviews.api import INVOICE_EXAMPLE_IN, INVOICE_EXAMPLE_OUT
from reviews.services import stats
from reviews.services.moderation import reply_save
from tests.factories import make_partner_key
from tests.reviews.review_rows import make_review

SEED = 20261130
MAX_EXAMPLES = 12

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]


def _resolve_public(host, port, **kwargs):
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]


# The ids the schema's examples name -> the rows of this test's world.
EXAMPLE_IDS: dict[str, dict[int, int]] = {}


@pytest.fixture
def key_headers(world):
    """The world's key, once the world is built. The WSGI handler closes
    the database connection around each request
    (``close_old_connections``), which would end the test's transaction:
    disconnected as Django's test client does (which connects it back after
    each of its own requests, hence after the world's)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield world
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(cast, partner, settings, monkeypatch):
    """The rows the schema's examples name (the company, its reviews, an
    invoice and a session sent through the API, a webhook endpoint and a
    delivery) and the headers of a key with every scope."""
    # Endpoint URLs are checked against the addresses their host resolves
    # to: here every name is one public address, with no DNS query.
    monkeypatch.setattr(
        targets,
        "socket",
        SimpleNamespace(getaddrinfo=_resolve_public, SOCK_STREAM=socket.SOCK_STREAM),
    )
    # Hundreds of calls a minute from one key: no 429 in the middle.
    settings.API_RATE_LIMITS = dict.fromkeys(settings.API_RATE_LIMITS, "100000/minute")
    company = cast.company_a
    assert company.slug == EXAMPLE_SLUG
    connection_create(partner=partner, company_id=company.pk, connected_by=cast.owner_a)
    now = timezone.now()
    reviews = [
        make_review(company, rating=5 - n, submitted=now - timedelta(days=9 - n)) for n in range(3)
    ]
    reply_save(review=reviews[0], author=cast.owner_a, text="Merci pour votre confiance !")
    stats.company_review_stats_refresh()
    _key, secret = make_partner_key(partner)
    headers = {"Authorization": f"Api-Key {secret}"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=headers["Authorization"])
    base = f"/api/v1/companies/{company.slug}"
    invoice = client.post(
        f"{base}/invoices", {**INVOICE_EXAMPLE_IN, "number": "F-2026-0141"}, format="json"
    )
    session = client.post(
        f"{base}/sessions", {**SESSION_EXAMPLE_IN, "reference": "RDV-88411"}, format="json"
    )
    assert (invoice.status_code, session.status_code) == (201, 201)
    endpoint, _secret = endpoint_create(
        partner=partner,
        url="https://hooks.example.fr/plusquepro",
        events=[EventType.COMPANY_SUSPENDED],
    )
    event = event_publish(
        EventType.COMPANY_SUSPENDED, company_id=company.pk, payload={"company": {}}
    )
    delivery = event.deliveries.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.DELIVERED, attempts=1, status_code=200, next_attempt_at=None
    )
    EXAMPLE_IDS.clear()
    EXAMPLE_IDS.update(
        {
            "invoice_id": {INVOICE_EXAMPLE_OUT["id"]: invoice.json()["id"]},
            "session_id": {SESSION_EXAMPLE_OUT["id"]: session.json()["id"]},
            "endpoint_id": {ENDPOINT_EXAMPLE["id"]: endpoint.pk},
            "delivery_id": {DELIVERY_EXAMPLE["id"]: delivery.pk},
        }
    )
    return headers


def _api_schema():
    """The schema the app serves, loaded through its WSGI handler (no
    database query: drf-spectacular builds it from the code)."""
    from config.wsgi import application

    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    loaded.config.seed = SEED
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
        database="none",
        # The key is ours (``world``): no generated or missing
        # Authorization header (the authentication tests cover those).
        with_security_parameters=False,
    )
    return loaded


# Loaded at collection, so that each operation is a test of its own
# (pytest-xdist spreads them over the workers).
schema = _api_schema()


@schema.hook("map_path_parameters")
def _examples_name_real_rows(context, path_parameters):
    """An id of the schema's examples becomes the id of the world's row."""
    if not path_parameters:
        return path_parameters
    return {
        name: EXAMPLE_IDS.get(name, {}).get(value, value) if isinstance(value, int) else value
        for name, value in path_parameters.items()
    }


@schema.hook("filter_query")
def _no_control_characters(context, query):
    """The site strips control characters from every query string before
    any view reads it (common.middleware, issue 10): a value holding some
    is not the value the API sees, so its length or format cannot be
    judged from what was generated."""
    return not any(
        ANY_CONTROL_CHARACTER.search(str(item))
        for item in [*(query or {}).keys(), *(query or {}).values()]
    )


# Operations whose valid input may still be refused (400) by a rule the
# schema cannot state: a reference to a row (a trade's slug, a place the
# gazetteer must know), a rule across fields (at least one criterion), a
# date not in the future, a phone number's format, a webhook URL's host,
# a cursor only the API issues, a delivery still pending. Every other
# check still runs on them.
DATA_DEPENDENT = {
    "GET /api/v1/companies",
    "GET /api/v1/companies/{slug}/reviews",
    "GET /api/v1/reviews",
    "GET /api/v1/webhooks/{endpoint_id}/deliveries",
    "POST /api/v1/companies/{slug}/invoices",
    "POST /api/v1/companies/{slug}/invoices/batch",
    "POST /api/v1/companies/{slug}/sessions",
    "POST /api/v1/companies/{slug}/sessions/batch",
    "POST /api/v1/webhooks",
    "POST /api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay",
}
# A batch refuses an invalid item in that item's result (200, the item's
# status 422), by design (partners.api.writes), not the whole request.
BATCHES = {
    "POST /api/v1/companies/{slug}/invoices/batch",
    "POST /api/v1/companies/{slug}/sessions/batch",
}


def checks_for(label: str) -> list:
    skipped = set()
    if label in DATA_DEPENDENT:
        skipped.add(positive_data_acceptance)
    if label in BATCHES:
        skipped.add(negative_data_rejection)
    return [check for check in CHECKS if check not in skipped]


@schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_schema(case, key_headers):
    case.call_and_validate(headers=key_headers, checks=checks_for(case.operation.label))
