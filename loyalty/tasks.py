"""Periodic Celery tasks of loyalty: the services do the work."""

from __future__ import annotations

from common.jobs import periodic_job

from .recompute import scores_recompute


@periodic_job(period="day", soft_time_limit=50 * 60, time_limit=55 * 60)
def recompute_loyalty_scores() -> dict[str, int]:
    # Set-based and idempotent (loyalty.recompute): a rerun changes nothing.
    return scores_recompute().as_dict()
