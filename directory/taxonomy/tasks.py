"""Periodic jobs of the taxonomy (``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from common.jobs import periodic_job

from . import services


@periodic_job(period="hour", soft_time_limit=5 * 60, time_limit=6 * 60)
def refresh_profession_counts() -> int:
    return services.profession_counts_refresh()
