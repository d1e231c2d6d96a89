"""Periodic jobs of quote requests (``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task

from common.jobs import leased_run

from . import services


# Idempotent (conditional-UPDATE claims, set-based UPDATEs): the message goes
# back to the queue if the worker dies under it; the run is leased once per
# slot (common.jobs).
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
@leased_run(period="hour")
def purge_unconfirmed_quote_requests() -> int:
    return services.quote_requests_purge_unconfirmed()
