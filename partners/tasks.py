"""Background jobs of the partner API (``CELERY_BEAT_SCHEDULE``): the
workers' side of the webhooks (:mod:`partners.webhooks`) — one attempt of
one delivery, the minute sweeper that sends the due ones (retries, and new
deliveries whose own task never came), the log's purge — and the purge of
expired idempotency records."""

from __future__ import annotations

import logging

from celery import shared_task

from common.jobs import periodic_job

from .api.idempotency import idempotency_records_purge
from .webhooks import deliveries_due, delivery_attempt, webhooks_purge

logger = logging.getLogger(__name__)

# Deliveries handed to workers by one sweep (every minute): enough for a
# few thousand an hour per endpoint; the next sweep takes the rest.
SWEEP_BATCH = 500


# The attempt ends within 30 s (common.webhooks.delivery.DEFAULT_TOTAL_TIMEOUT);
# the time limits bound name resolution too.
@shared_task(ignore_result=True, soft_time_limit=60, time_limit=75)
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of delivery ``delivery_id`` (claimed: never sent twice
    at once). Returns its outcome."""
    return delivery_attempt(delivery_id)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=55)
def send_due_webhooks() -> int:
    """Hand the due deliveries to workers (``CELERY_BEAT_SCHEDULE``, every
    minute), oldest due first, at most ``SWEEP_BATCH``. Returns how many;
    the claim makes a delivery handed twice harmless."""
    ids = list(
        deliveries_due()
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    if ids:
        logger.info("webhooks: swept %s deliveries", len(ids))
    return len(ids)


@periodic_job(period="day", soft_time_limit=10 * 60, time_limit=11 * 60, ignore_result=True)
def purge_webhook_log() -> int:
    """Nightly: events and their delivery log past the retention."""
    return webhooks_purge()


@periodic_job(period="day", soft_time_limit=20 * 60, time_limit=25 * 60)
def purge_idempotency_records() -> dict[str, int]:
    # Set-based: a rerun deletes what expired since, nothing twice.
    return {"deleted": idempotency_records_purge()}
