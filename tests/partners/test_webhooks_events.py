"""Events become deliveries for the endpoints that may receive them only
(subscribed, active, of an active partner; connected by the company, or
public for a public event), queued when the transaction commits; a
broker outage never fails the caller and leaves them to the sweeper."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from celery.app.task import Task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from partners.models import (
    DeliveryStatus,
    EndpointScope,
    EventType,
    Partner,
    PartnerKind,
    PartnerStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from partners.services import connection_create, connection_end
from partners.tasks import send_due_webhooks
from partners.webhooks import endpoint_create, endpoint_disable, event_publish, events_publish

pytestmark = pytest.mark.django_db

PAYLOAD = {"company": {"id": 1, "slug": "alpha"}}


@contextmanager
def broker_down():
    """Redis stopped: every publish fails as kombu reports it."""
    error = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch.object(Task, "apply_async", side_effect=error):
        yield


def other_partner(name: str) -> Partner:
    return Partner.objects.create(
        name=name, kind=PartnerKind.INVOICING_SOFTWARE, contact_email=f"{name}@partner.test"
    )


def endpoint(partner, events, scope=EndpointScope.CONNECTED, url="http://127.0.0.1:9/hooks"):
    return endpoint_create(partner=partner, url=url, events=events, scope=scope)[0]


@pytest.fixture
def cast_endpoints(cast, partner, settings):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    connection_create(partner=partner, company_id=cast.company_a.pk, connected_by=cast.owner_a)
    everything = list(EventType.values)
    stranger, public, disconnected, suspended = (
        other_partner(n) for n in ("stranger", "public", "gone", "suspended")
    )
    connection_create(partner=disconnected, company_id=cast.company_a.pk, connected_by=None)
    connection_end(partner=disconnected, company_id=cast.company_a.pk)
    connection_create(partner=suspended, company_id=cast.company_a.pk, connected_by=None)
    suspended_endpoint = endpoint(suspended, everything)
    Partner.objects.filter(pk=suspended.pk).update(status=PartnerStatus.SUSPENDED)
    disabled = endpoint(partner, everything)
    endpoint_disable(endpoint=disabled, reason="staff")
    return {
        "connected": endpoint(partner, everything),
        "connected_reviews_only": endpoint(partner, [EventType.REVIEW_PUBLISHED]),
        "stranger": endpoint(stranger, everything),
        "public": endpoint(public, [EventType.COMPANY_SUSPENDED], scope=EndpointScope.PUBLIC),
        "disconnected": endpoint(disconnected, everything),
        "suspended_partner": suspended_endpoint,
        "disabled": disabled,
    }


def suspend(company):
    return event_publish(EventType.COMPANY_SUSPENDED, company_id=company.pk, payload=PAYLOAD)


def receivers(event, endpoints) -> set[str]:
    names = {e.pk: name for name, e in endpoints.items()}
    return {names[d.endpoint_id] for d in event.deliveries.all()}


def test_an_event_goes_to_subscribed_endpoints_of_connected_partners_and_public_subscribers(
    cast, cast_endpoints
):
    event = event_publish(
        EventType.COMPANY_SUSPENDED, company_id=cast.company_a.pk, payload=PAYLOAD
    )
    assert receivers(event, cast_endpoints) == {"connected", "public"}
    assert event.id.startswith("msg_")
    assert event.company_id == cast.company_a.pk
    delivery = event.deliveries.first()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 0


def test_another_companys_event_reaches_only_the_public_subscribers(cast, cast_endpoints):
    event = event_publish(
        EventType.COMPANY_SUSPENDED, company_id=cast.company_b.pk, payload=PAYLOAD
    )
    assert receivers(event, cast_endpoints) == {"public"}


def test_a_private_event_never_reaches_a_public_endpoint(cast, cast_endpoints, partner):
    WebhookEndpoint.objects.filter(pk=cast_endpoints["public"].pk).update(
        events=[EventType.APPLICATION_DECIDED]
    )
    event = event_publish(
        EventType.APPLICATION_DECIDED, company_id=cast.company_a.pk, payload=PAYLOAD
    )
    assert receivers(event, cast_endpoints) == {"connected"}
    assert (
        event_publish(EventType.APPLICATION_DECIDED, company_id=cast.company_b.pk, payload=PAYLOAD)
        is None
    )


def test_an_event_nobody_receives_is_not_stored(cast, cast_endpoints):
    loyalty = EventType.LOYALTY_UPDATED
    assert event_publish(loyalty, company_id=cast.company_b.pk, payload={}) is None
    assert events_publish(EventType.LOYALTY_UPDATED, [(cast.company_b.pk, {})]) == []
    assert not WebhookEvent.objects.exists()


def test_an_unknown_type_is_our_bug():
    with pytest.raises(ValueError, match="Unknown webhook event type"):
        events_publish("review.liked", [(None, {})])


def test_many_events_are_published_in_a_few_queries(
    cast, cast_endpoints, django_assert_max_num_queries
):
    items = [(cast.company_a.pk, PAYLOAD), (cast.company_b.pk, PAYLOAD)] * 50
    with django_assert_max_num_queries(6):
        events = events_publish(EventType.COMPANY_SUSPENDED, items)
    assert len(events) == 100
    assert WebhookDelivery.objects.count() == 150  # a: connected + public; b: public


def test_deliveries_are_queued_only_when_the_transaction_commits(
    cast, cast_endpoints, django_capture_on_commit_callbacks
):
    with mock.patch("partners.tasks.deliver_webhook.apply_async") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            suspend(cast.company_a)
        assert send.call_count == 0
        for callback in callbacks:
            callback()
    sent = {call.args[0][0] for call in send.call_args_list}
    assert sent == set(WebhookDelivery.objects.values_list("pk", flat=True))


def test_a_rolled_back_event_leaves_nothing(
    cast, cast_endpoints, django_capture_on_commit_callbacks
):
    def publish_then_fail():
        with transaction.atomic():
            suspend(cast.company_a)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # noqa: SIM117
        with pytest.raises(RuntimeError):
            publish_then_fail()
    assert callbacks == []
    assert not WebhookDelivery.objects.exists()


def test_a_broker_outage_never_fails_the_caller_and_the_sweeper_sends_later(
    cast, cast_endpoints, django_capture_on_commit_callbacks
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        event = event_publish(
            EventType.COMPANY_SUSPENDED, company_id=cast.company_a.pk, payload=PAYLOAD
        )
    assert event is not None
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {0}
    # Within the grace the sweeper leaves new deliveries to their own task.
    assert send_due_webhooks() == 0
    later = timezone.now() + timedelta(minutes=2)
    with mock.patch("partners.tasks.deliver_webhook.delay") as send, time_machine.travel(later):
        assert send_due_webhooks() == 2
    assert {c.args[0] for c in send.call_args_list} == set(
        WebhookDelivery.objects.values_list("pk", flat=True)
    )
