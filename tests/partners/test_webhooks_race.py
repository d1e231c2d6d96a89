"""Two workers given the same delivery at the same moment (its own task
and the sweeper, or a message delivered twice by the broker) send it
once: the claim is one conditional UPDATE (PostgreSQL, real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from partners.models import DeliveryStatus, EventType, WebhookDelivery
from partners.services import connection_create
from partners.webhooks import delivery_attempt, endpoint_create, event_publish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_a_delivery_claimed_by_two_workers_at_once_is_sent_once(cast, partner, receiver):
    connection_create(partner=partner, company_id=cast.company_a.pk, connected_by=None)
    endpoint_create(partner=partner, url=receiver.url, events=[EventType.COMPANY_LISTED])
    deliveries = [
        event_publish(
            EventType.COMPANY_LISTED, company_id=cast.company_a.pk, payload={"n": n}
        ).deliveries.get()
        for n in range(5)
    ]
    # Outside a test transaction their own tasks ran at once (eager):
    # due again, as after a lost broker message.
    assert len(receiver.received) == 5
    receiver.received.clear()
    WebhookDelivery.objects.update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def work(start: threading.Barrier, delivery_id: int) -> None:
        try:
            start.wait(timeout=10)
            outcomes.append(delivery_attempt(delivery_id))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    for delivery in deliveries:
        start = threading.Barrier(2)
        threads = [threading.Thread(target=work, args=(start, delivery.pk)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == ["delivered"] * 5 + ["skipped"] * 5
    assert len(receiver.received) == 5
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
