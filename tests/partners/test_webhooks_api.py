"""Webhook management through the API (scope ``webhooks:manage``):
endpoints created with their secret shown once, SSRF refusals as 400
problems, another partner's endpoint a 404, rotation, the delivery log by
cursor, replays."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import (
    DeliveryStatus,
    EventType,
    Partner,
    PartnerKind,
    Scope,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
)
from partners.services import connection_create
from partners.webhooks import delivery_attempt, endpoint_create, event_publish
from tests.factories import make_partner_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def create(api, url, events=("review.published",), **extra):
    return api.client.post(URL, {"url": url, "events": list(events), **extra}, format="json")


def test_a_key_without_the_scope_is_refused(partner):
    _key, secret = make_partner_key(partner, Scope.DIRECTORY_READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    body = problem(client.get(URL), 403)
    assert body["type"].endswith("/insufficient_scope")
    assert problem(APIClient().get(URL), 401)


def test_an_endpoint_is_created_with_its_secret_shown_once(api, receiver):
    response = create(api, receiver.url, description="Production")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert WebhookSecret.objects.get().secret == body["secret"]
    assert body["events"] == ["review.published"]
    assert body["scope"] == "connected"
    assert body["status"] == "active"
    listed = api.client.get(URL).json()
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0]
    detail = api.client.get(f"{URL}/{body['id']}")
    assert detail.status_code == 200
    assert "secret" not in detail.json()
    assert body["secret"] not in detail.content.decode()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:8080/hooks", "https://"),
        ("https://127.0.0.1/hooks", "127.0.0.1"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("https://10.1.2.3/hooks", "10.1.2.3"),
        ("https://[::1]/hooks", "::1"),
        ("https://user:pw@hooks.example.fr/", "mot de passe"),
        ("ftp://hooks.example.fr/", "https://"),
    ],
)
def test_urls_we_would_never_call_are_400_problems_with_the_validators_message(
    api, settings, url, words
):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    body = problem(create(api, url), 400)
    [error] = body["errors"]
    assert error["field"] == "url"
    assert words in error["detail"]
    assert not WebhookEndpoint.objects.exists()


def test_the_messages_follow_the_language_asked(api, settings):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = api.client.post(
        URL,
        {"url": "https://10.1.2.3/", "events": ["review.published"]},
        format="json",
        headers={"Accept-Language": "en"},
    )
    assert "public" in problem(response, 400)["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"events": ["review.liked"]}, "events"),
        ({"events": []}, "events"),
        ({"events": "review.published"}, "events"),
        ({"events": ["application.decided"], "scope": "public"}, "events"),
        ({"events": ["review.published"], "scope": "everyone"}, "scope"),
        ({"events": ["review.published"], "url": ""}, "url"),
        ({"events": ["review.published"], "url": "x" * 3000}, "url"),
        ({"events": ["review.published"], "description": "d" * 300}, "description"),
    ],
)
def test_bad_input_is_a_400_problem_and_creates_nothing(api, receiver, data, field):
    response = api.client.post(URL, {"url": receiver.url, **data}, format="json")
    body = problem(response, 400)
    assert field in {error["field"].split(".")[0] for error in body["errors"]}
    assert not WebhookEndpoint.objects.exists()


def test_a_partner_has_a_bounded_number_of_endpoints(api, receiver, settings):
    settings.WEBHOOK_ENDPOINTS_MAX = 2
    assert create(api, receiver.url).status_code == 201
    assert create(api, receiver.url).status_code == 201
    problem(create(api, receiver.url), 400)
    assert WebhookEndpoint.objects.count() == 2


@pytest.fixture
def stranger_endpoint(receiver):
    stranger = Partner.objects.create(
        name="Other", kind=PartnerKind.OTHER, contact_email="o@other.test"
    )
    return endpoint_create(partner=stranger, url=receiver.url, events=["review.published"])[0]


def test_another_partners_endpoint_is_a_404_everywhere(api, stranger_endpoint):
    base = f"{URL}/{stranger_endpoint.pk}"
    problem(api.client.get(base), 404)
    problem(api.client.delete(base), 404)
    problem(api.client.post(f"{base}/rotate-secret"), 404)
    problem(api.client.get(f"{base}/deliveries"), 404)
    problem(api.client.post(f"{base}/deliveries/1/replay"), 404)
    assert WebhookEndpoint.objects.filter(pk=stranger_endpoint.pk).exists()
    assert WebhookSecret.objects.filter(endpoint=stranger_endpoint).count() == 1


@pytest.mark.parametrize("raw", ["abc", "99999999999999999999999", "-1", "0"])
def test_hostile_ids_are_404s(api, raw):
    problem(api.client.get(f"{URL}/{raw}"), 404)
    problem(api.client.get(f"{URL}/{raw}/deliveries"), 404)


def test_delete_removes_the_endpoint(api, receiver):
    endpoint_id = create(api, receiver.url).json()["id"]
    assert api.client.delete(f"{URL}/{endpoint_id}").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    problem(api.client.delete(f"{URL}/{endpoint_id}"), 404)


def test_rotation_returns_a_new_secret_once_and_keeps_the_old_one_for_a_while(api, receiver):
    created = create(api, receiver.url).json()
    response = api.client.post(f"{URL}/{created['id']}/rotate-secret")
    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["secret"] != created["secret"]
    assert body["previous_expires_at"]
    from partners.webhooks import secrets_active

    assert secrets_active(WebhookEndpoint.objects.get()) == [body["secret"], created["secret"]]


def test_the_event_types_are_listed_with_what_is_public(api):
    body = api.client.get(f"{URL}/events").json()
    types = {item["type"]: item["public"] for item in body}
    assert set(types) == set(EventType.values)
    assert types["application.decided"] is False
    assert types["review.published"] is True


@pytest.fixture
def logged(api, cast, receiver):
    """An endpoint with three deliveries: two delivered, one failed."""
    connection_create(partner=api.partner, company_id=cast.company_a.pk, connected_by=None)
    endpoint = endpoint_create(
        partner=api.partner, url=receiver.url, events=[EventType.COMPANY_SUSPENDED]
    )[0]
    deliveries = []
    for _ in range(3):
        event = event_publish(
            EventType.COMPANY_SUSPENDED, company_id=cast.company_a.pk, payload={"company": {}}
        )
        deliveries.append(event.deliveries.get())
    receiver.answer(200, 200, 410)
    for delivery in deliveries:
        delivery_attempt(delivery.pk)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status="active", disabled_at=None)
    return endpoint, deliveries


def test_the_delivery_log_pages_by_cursor_newest_first(api, logged):
    endpoint, deliveries = logged
    first = api.client.get(f"{URL}/{endpoint.pk}/deliveries", {"limit": 2}).json()
    assert [d["id"] for d in first["results"]] == [deliveries[2].pk, deliveries[1].pk]
    assert first["results"][0]["status"] == "gone"
    assert first["results"][0]["status_code"] == 410
    assert first["results"][1]["event_type"] == "company.suspended"
    assert first["results"][1]["event_id"].startswith("msg_")
    second = api.client.get(first["next"]).json()
    assert [d["id"] for d in second["results"]] == [deliveries[0].pk]
    assert second["next"] is None
    problem(api.client.get(f"{URL}/{endpoint.pk}/deliveries", {"cursor": "nope"}), 400)
    problem(api.client.get(f"{URL}/{endpoint.pk}/deliveries", {"limit": 500}), 400)


def test_a_delivery_is_replayed_and_a_pending_one_refused(
    api, logged, receiver, django_capture_on_commit_callbacks
):
    endpoint, deliveries = logged
    url = f"{URL}/{endpoint.pk}/deliveries/{deliveries[2].pk}/replay"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.client.post(url)
    assert response.status_code == 202, response.content
    assert WebhookDelivery.objects.get(pk=deliveries[2].pk).status == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 4
    WebhookDelivery.objects.filter(pk=deliveries[0].pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
    )
    body = problem(
        api.client.post(f"{URL}/{endpoint.pk}/deliveries/{deliveries[0].pk}/replay"), 400
    )
    assert "en cours" in body["errors"][0]["detail"]
    problem(api.client.post(f"{URL}/{endpoint.pk}/deliveries/abc/replay"), 404)
