"""The delivery task against a real receiver on 127.0.0.1: signed per
Standard Webhooks (checked with the reference library, ``standardwebhooks``,
during a rotation with both secrets), retried on the schedule, 410
disables the endpoint, an endpoint failing for days is disabled and its
partner e-mailed, a delivery is never sent twice at once, and replays."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from post_office.models import Email
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from common.webhooks.delivery import MAX_ATTEMPTS
from partners.models import (
    DeliveryStatus,
    DisabledReason,
    EndpointStatus,
    EventType,
    Partner,
    PartnerStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from partners.services import connection_create
from partners.tasks import deliver_webhook, send_due_webhooks
from partners.webhooks import (
    delivery_attempt,
    delivery_replay,
    endpoint_create,
    endpoint_secret_rotate,
    event_publish,
    webhooks_purge,
)

pytestmark = pytest.mark.django_db

PAYLOAD = {"company": {"id": 1, "slug": "alpha-electricite", "status": "suspended"}}


@pytest.fixture
def hook(cast, partner, receiver):
    """An endpoint of ``partner`` at the receiver, connected by company A,
    with one pending delivery of a ``company.suspended`` event."""
    connection_create(partner=partner, company_id=cast.company_a.pk, connected_by=cast.owner_a)
    endpoint, secret = endpoint_create(
        partner=partner, url=receiver.url, events=[EventType.COMPANY_SUSPENDED]
    )
    event = event_publish(
        EventType.COMPANY_SUSPENDED, company_id=cast.company_a.pk, payload=PAYLOAD
    )
    delivery = event.deliveries.get()
    return endpoint, secret, event, delivery


def reload(row):
    row.refresh_from_db()
    return row


def test_a_delivery_arrives_signed_and_the_reference_library_accepts_it(hook, receiver):
    _endpoint, secret, event, delivery = hook
    assert deliver_webhook(delivery.pk) == "delivered"
    [request] = receiver.received
    assert request.path == "/hooks"
    assert request.headers["webhook-id"] == event.id
    assert request.headers["content-type"] == "application/json"
    body = Webhook(secret).verify(request.body, request.headers)
    assert body["type"] == "company.suspended"
    assert body["data"] == PAYLOAD
    assert body["timestamp"].endswith("Z")
    delivery = reload(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert delivery.status_code == 200
    assert delivery.latency_ms is not None
    assert delivery.response_excerpt == "ok"
    assert delivery.next_attempt_at is None


def test_a_forged_body_or_another_secret_is_refused_by_the_reference_library(hook, receiver):
    _endpoint, secret, _event, delivery = hook
    delivery_attempt(delivery.pk)
    [request] = receiver.received
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body.replace(b"suspended", b"listed"), request.headers)
    other = endpoint_create(
        partner=_endpoint.partner, url=receiver.url, events=[EventType.COMPANY_LISTED]
    )[1]
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(request.body, request.headers)


def test_during_a_rotation_both_secrets_sign_then_only_the_new_one(hook, receiver, cast):
    endpoint, old, _event, delivery = hook
    new, until = endpoint_secret_rotate(endpoint=endpoint)
    assert until == pytest.approx(timezone.now() + timedelta(hours=24), abs=timedelta(seconds=5))
    delivery_attempt(delivery.pk)
    request = receiver.received[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request.body, request.headers)
    Webhook(new.secret).verify(request.body, request.headers)

    with time_machine.travel(until + timedelta(minutes=1), tick=False):
        event = event_publish(
            EventType.COMPANY_SUSPENDED, company_id=cast.company_a.pk, payload=PAYLOAD
        )
        delivery_attempt(event.deliveries.get().pk)
        request = receiver.received[-1]
        assert len(request.headers["webhook-signature"].split(" ")) == 1
        Webhook(new.secret).verify(request.body, request.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(request.body, request.headers)


def test_a_retried_rotation_keeps_the_deployed_secret_signing(hook, receiver, cast):
    """A partner rotates, the answer is lost, it rotates again: the secret
    it still has deployed signs on until its own overlap ends."""
    endpoint, first, _event, _delivery = hook
    _lost, until = endpoint_secret_rotate(endpoint=endpoint)
    third, _until = endpoint_secret_rotate(endpoint=endpoint)
    from partners.webhooks import secrets_active

    active = secrets_active(endpoint)
    assert active[0] == third.secret
    assert first in active
    event = event_publish(
        EventType.COMPANY_SUSPENDED, company_id=cast.company_a.pk, payload=PAYLOAD
    )
    delivery_attempt(event.deliveries.get().pk)
    request = receiver.received[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 3
    Webhook(first).verify(request.body, request.headers)
    Webhook(third.secret).verify(request.body, request.headers)
    with time_machine.travel(until + timedelta(minutes=1), tick=False):
        assert secrets_active(endpoint) == [third.secret]


def test_many_rotations_keep_at_most_the_settings_count_of_secrets(hook, settings):
    settings.WEBHOOK_SIGNING_SECRETS_MAX = 3
    endpoint, first, _event, _delivery = hook
    made = [endpoint_secret_rotate(endpoint=endpoint)[0].secret for _ in range(5)]
    from partners.webhooks import secrets_active

    active = secrets_active(endpoint)
    assert active == [made[-1], made[-2], made[-3]]
    assert first not in active


def test_a_failure_is_retried_on_the_schedule_then_the_delivery_fails(hook, receiver):
    _endpoint, _secret, _event, delivery = hook
    receiver.answer(*[500] * MAX_ATTEMPTS)
    start = timezone.now()
    assert delivery_attempt(delivery.pk) == "retry"
    delivery = reload(delivery)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.status_code == 500
    assert delivery.response_excerpt == "nope"
    # The schedule's second delay is 5 s, ±10 %.
    wait = delivery.next_attempt_at - start
    assert timedelta(seconds=4) <= wait <= timedelta(seconds=7)
    # Not due yet: the task does nothing.
    assert delivery_attempt(delivery.pk) == "skipped"
    outcomes = []
    for _ in range(MAX_ATTEMPTS - 1):
        with time_machine.travel(reload(delivery).next_attempt_at + timedelta(seconds=1)):
            outcomes.append(delivery_attempt(delivery.pk))
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 2) + ["failed"]
    delivery = reload(delivery)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert delivery.next_attempt_at is None
    assert len(receiver.received) == MAX_ATTEMPTS
    # Each retry is signed anew, with its own timestamp.
    assert len({r.headers["webhook-timestamp"] for r in receiver.received}) == MAX_ATTEMPTS


def test_the_sweeper_sends_a_retry_when_it_is_due(hook, receiver):
    _endpoint, _secret, _event, delivery = hook
    receiver.answer(503)
    delivery_attempt(delivery.pk)
    assert send_due_webhooks() == 0
    with time_machine.travel(reload(delivery).next_attempt_at + timedelta(seconds=1)):
        assert send_due_webhooks() == 1  # eager in the tests: sent at once
    assert reload(delivery).status == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 2


def test_a_claimed_delivery_is_not_sent_twice(hook, receiver):
    _endpoint, _secret, _event, delivery = hook
    assert delivery_attempt(delivery.pk) == "delivered"
    assert delivery_attempt(delivery.pk) == "skipped"
    # A worker holding it: another finds it leased.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now() + timedelta(minutes=2)
    )
    assert delivery_attempt(delivery.pk) == "skipped"
    assert len(receiver.received) == 1


def test_410_disables_the_endpoint_and_stops_its_pending_deliveries(hook, receiver, cast):
    endpoint, _secret, _event, delivery = hook
    other = event_publish(
        EventType.COMPANY_SUSPENDED, company_id=cast.company_a.pk, payload=PAYLOAD
    ).deliveries.get()
    receiver.answer(410)
    assert delivery_attempt(delivery.pk) == "gone"
    assert reload(delivery).status == DeliveryStatus.GONE
    endpoint = reload(endpoint)
    assert endpoint.status == EndpointStatus.DISABLED
    assert endpoint.disabled_reason == DisabledReason.GONE
    assert endpoint.disabled_at is not None
    other = reload(other)
    assert other.status == DeliveryStatus.FAILED
    assert other.error_code == "endpoint_disabled"
    assert delivery_attempt(other.pk) == "skipped"
    # A disabled endpoint receives no new event.
    assert (
        event_publish(EventType.COMPANY_SUSPENDED, company_id=cast.company_a.pk, payload=PAYLOAD)
        is None
    )
    assert len(receiver.received) == 1


def test_an_endpoint_failing_for_three_days_is_disabled_and_its_partner_emailed(
    hook, receiver, partner, django_capture_on_commit_callbacks, settings
):
    # The schedule spans 75.6 h, each delay ±10 %: at least 68 h. A limit
    # under that makes the last failure disable the endpoint whatever the
    # jitter drew (at 72 h, a low draw ended the schedule first).
    settings.WEBHOOK_DISABLE_AFTER = timedelta(hours=60)
    endpoint, _secret, _event, delivery = hook
    receiver.answer(*[500] * MAX_ATTEMPTS)
    outcomes = [delivery_attempt(delivery.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        while outcomes[-1] == "retry":
            with time_machine.travel(reload(delivery).next_attempt_at + timedelta(seconds=1)):
                outcomes.append(delivery_attempt(delivery.pk))
                if outcomes[-1] == "retry":
                    assert reload(endpoint).is_active
    assert outcomes[-1] == "failed"
    endpoint = reload(endpoint)
    assert endpoint.status == EndpointStatus.DISABLED
    assert endpoint.disabled_reason == DisabledReason.FAILING
    [message] = mail.outbox
    assert message.to == [partner.contact_email]
    assert endpoint.url in message.body
    assert "désactivé" in message.subject.lower()
    assert Email.objects.count() == 1


def test_a_success_resets_the_failing_clock(hook, receiver, cast):
    endpoint, _secret, _event, delivery = hook
    receiver.answer(500)
    delivery_attempt(delivery.pk)
    assert reload(endpoint).failing_since is not None
    with time_machine.travel(reload(delivery).next_attempt_at + timedelta(seconds=1)):
        assert delivery_attempt(delivery.pk) == "delivered"
    assert reload(endpoint).failing_since is None


def test_a_replay_sends_the_same_event_again_from_its_first_attempt(
    hook, receiver, django_capture_on_commit_callbacks
):
    _endpoint, secret, event, delivery = hook
    delivery_attempt(delivery.pk)
    with django_capture_on_commit_callbacks(execute=True):
        replayed = delivery_replay(delivery=reload(delivery))
    assert replayed.pk == delivery.pk
    assert len(receiver.received) == 2
    assert receiver.received[1].headers["webhook-id"] == event.id
    Webhook(secret).verify(receiver.received[1].body, receiver.received[1].headers)
    delivery = reload(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1


def test_a_pending_delivery_or_a_disabled_endpoint_cannot_be_replayed(hook, receiver):
    _endpoint, _secret, _event, delivery = hook
    with pytest.raises(ValidationError, match="encore en cours") as pending:
        delivery_replay(delivery=delivery)
    assert pending.value.code == "delivery_pending"
    receiver.answer(410)
    delivery_attempt(delivery.pk)
    with pytest.raises(ValidationError, match="désactivé") as disabled:
        delivery_replay(delivery=WebhookDelivery.objects.get(pk=delivery.pk))
    assert disabled.value.code == "endpoint_disabled"
    assert reload(delivery).status == DeliveryStatus.GONE


def test_the_body_holds_type_timestamp_and_data_only(hook, receiver):
    _endpoint, _secret, _event, delivery = hook
    delivery_attempt(delivery.pk)
    body = json.loads(receiver.received[0].body)
    assert set(body) == {"type", "timestamp", "data"}
    assert WebhookEndpoint.objects.get().is_active


def test_a_suspended_partners_deliveries_wait_unswept_until_it_is_reinstated(hook, receiver):
    endpoint, _secret, _event, delivery = hook
    Partner.objects.filter(pk=endpoint.partner_id).update(status=PartnerStatus.SUSPENDED)
    later = timezone.now() + timedelta(minutes=5)
    with time_machine.travel(later):
        assert send_due_webhooks() == 0
        assert delivery_attempt(delivery.pk) == "skipped"
    Partner.objects.filter(pk=endpoint.partner_id).update(status=PartnerStatus.ACTIVE)
    with time_machine.travel(later):
        assert send_due_webhooks() == 1
    assert reload(delivery).status == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 1


def test_the_log_is_purged_after_its_retention_but_never_a_pending_delivery(hook, cast, settings):
    _endpoint, _secret, event, delivery = hook
    delivery_attempt(delivery.pk)
    waiting = event_publish(
        EventType.COMPANY_SUSPENDED, company_id=cast.company_a.pk, payload=PAYLOAD
    )
    later = timezone.now() + timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS + 1)
    assert webhooks_purge(now=timezone.now()) == 0
    assert webhooks_purge(now=later) == 1
    assert list(WebhookEvent.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not WebhookDelivery.objects.filter(event_id=event.pk).exists()


def test_staff_disable_an_endpoint_from_the_admin(hook, client):
    from tests.factories import UserFactory

    endpoint, _secret, _event, delivery = hook
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/partners/webhookendpoint/",
        {"action": "disable_endpoints", "_selected_action": [endpoint.pk]},
    )
    assert response.status_code == 302
    endpoint = reload(endpoint)
    assert (endpoint.status, endpoint.disabled_reason) == ("disabled", "staff")
    assert reload(delivery).status == DeliveryStatus.FAILED
    page = client.get(f"/admin/partners/webhookendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200
    assert _secret.encode() not in page.content
    assert client.get("/admin/partners/webhookdelivery/").status_code == 200
