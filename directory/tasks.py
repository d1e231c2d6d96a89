from __future__ import annotations

from celery import shared_task

from .services import profession_counts_refresh


@shared_task(soft_time_limit=5 * 60, time_limit=6 * 60)
def refresh_profession_counts() -> int:
    return profession_counts_refresh()
