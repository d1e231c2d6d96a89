"""Periodic jobs of the taxonomy (``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(soft_time_limit=5 * 60, time_limit=6 * 60)
def refresh_profession_counts() -> int:
    return services.profession_counts_refresh()
