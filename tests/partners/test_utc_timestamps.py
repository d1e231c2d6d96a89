"""Every moment in the API's responses is ISO 8601 in UTC with ``Z``
("2026-11-30T09:00:00Z"), whatever the site's time zone (Europe/Paris):
reviews and their updates, webhook endpoints, secrets and deliveries,
the webhooks' own bodies, and the schema's examples."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import EventType, WebhookDelivery, WebhookEndpoint
from partners.services import connection_create
from partners.webhooks import endpoint_create, event_body, event_publish
from reviews.services import stats
from reviews.services.moderation import reply_save
from tests.reviews.review_rows import make_review

pytestmark = pytest.mark.django_db

# A moment (not a date): a "T" between the date and the time.
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
UTC_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def moments(document) -> list[str]:
    """Every string of a JSON document that is a moment."""
    if isinstance(document, dict):
        return [m for value in document.values() for m in moments(value)]
    if isinstance(document, list):
        return [m for value in document for m in moments(value)]
    if isinstance(document, str) and MOMENT.match(document):
        return [document]
    return []


def assert_all_utc(document, at_least: int = 1) -> None:
    found = moments(document)
    assert len(found) >= at_least, document
    for moment in found:
        assert UTC_MOMENT.match(moment), moment


@pytest.fixture
def webhooks(api, cast, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    connection_create(partner=api.partner, company_id=cast.company_a.pk, connected_by=None)
    endpoint = endpoint_create(
        partner=api.partner, url="http://127.0.0.1:9/hook", events=[EventType.COMPANY_SUSPENDED]
    )[0]
    event = event_publish(
        EventType.COMPANY_SUSPENDED, company_id=cast.company_a.pk, payload={"company": {}}
    )
    now = timezone.now()
    WebhookDelivery.objects.update(last_attempt_at=now, next_attempt_at=now + timedelta(hours=1))
    return endpoint, event


def test_reviews_feed_and_company_reviews_are_in_utc(api, cast):
    now = timezone.now()
    review = make_review(cast.company_a, submitted=now - timedelta(days=3))
    reply_save(review=review, author=cast.owner_a, text="Merci pour votre confiance !")
    stats.company_review_stats_refresh()
    feed = api.client.get("/api/v1/reviews").json()
    assert_all_utc(feed["results"], at_least=2)
    slug = cast.company_a.slug
    assert_all_utc(api.client.get(f"/api/v1/companies/{slug}/reviews").json()["results"], 2)
    since = (now - timedelta(days=30)).astimezone(timezone.get_current_timezone()).isoformat()
    assert "+0" in since  # Paris time, as a partner may send it
    assert_all_utc(api.client.get("/api/v1/reviews", {"updated_since": since}).json()["results"])


def test_webhook_endpoints_secrets_and_deliveries_are_in_utc(api, webhooks):
    endpoint, _event = webhooks
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        status="disabled", disabled_reason="staff", disabled_at=timezone.now()
    )
    assert_all_utc(api.client.get("/api/v1/webhooks").json(), at_least=2)
    assert_all_utc(api.client.get(f"/api/v1/webhooks/{endpoint.pk}").json(), at_least=2)
    log = api.client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").json()
    assert_all_utc(log["results"], at_least=3)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status="active", disabled_at=None)
    rotated = api.client.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret")
    assert rotated.status_code == 201, rotated.content
    assert_all_utc(rotated.json())


def test_a_webhook_body_s_timestamp_is_in_utc(webhooks):
    _endpoint, event = webhooks
    assert_all_utc(json.loads(event_body(event)))


def test_the_schema_examples_show_utc_moments(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    examples = [
        m
        for m in moments(json.loads(response.content))
        # Examples, not the texts of descriptions.
        if len(m) < 40
    ]
    assert examples
    for moment in examples:
        assert UTC_MOMENT.match(moment), moment
