"""Background jobs of the partner API (``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from common.jobs import periodic_job

from .api.idempotency import idempotency_records_purge


@periodic_job(period="day", soft_time_limit=20 * 60, time_limit=25 * 60)
def purge_idempotency_records() -> dict[str, int]:
    # Set-based: a rerun deletes what expired since, nothing twice.
    return {"deleted": idempotency_records_purge()}
