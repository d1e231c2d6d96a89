"""Periodic Celery tasks of eligibility: ids in, services do the work.
E-mail tasks live in ``emails`` (queued by the services)."""

from __future__ import annotations

from common.jobs import periodic_job

from . import services


@periodic_job(period="day", soft_time_limit=50 * 60, time_limit=55 * 60)
def rescreen_companies() -> dict[str, int]:
    report = services.companies_rescreen()
    return {"screened": report.screened, "flagged": report.flagged}
