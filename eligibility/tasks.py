"""Periodic Celery tasks of eligibility: ids in, services do the work.
E-mail tasks live in ``emails`` (queued by the services)."""

from __future__ import annotations

from celery import shared_task

from . import services


# Celery ships no type information: its decorator is untyped to mypy.
@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60)  # type: ignore[untyped-decorator]
def rescreen_companies() -> dict[str, int]:
    report = services.companies_rescreen()
    return {"screened": report.screened, "flagged": report.flagged}
