"""Background jobs of loyalty (``CELERY_BEAT_SCHEDULE``): ids in,
services do the work."""

from __future__ import annotations

from common.jobs import periodic_job

from .recompute import scores_recompute
from .services import audits


@periodic_job(period="day", soft_time_limit=50 * 60, time_limit=55 * 60)
def recompute_loyalty_scores() -> dict[str, int]:
    # Set-based and idempotent (loyalty.recompute): a rerun changes nothing.
    return scores_recompute().as_dict()


@periodic_job(period="day", soft_time_limit=50 * 60, time_limit=55 * 60)
def run_session_audits() -> dict[str, int]:
    # The sample is drawn from the day (a seed) and audited sessions are
    # left out, so a rerun opens nothing more; overdue audits are locked
    # one by one and closed once.
    report = audits.session_audits_run()
    return {"opened": report.opened, "missed": report.missed}
