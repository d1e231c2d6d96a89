"""Periodic Celery tasks of eligibility: ids in, services do the work.
E-mail tasks live in ``emails`` (queued by the services)."""

from __future__ import annotations

from celery import shared_task

from common.jobs import leased_run

from . import services


# Celery ships no type information: its decorator is untyped to mypy.
# Idempotent (conditional-UPDATE claims, set-based UPDATEs): the message goes
# back to the queue if the worker dies under it; the run is leased once per
# slot (common.jobs).
@shared_task(  # type: ignore[untyped-decorator]
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=50 * 60,
    time_limit=55 * 60,
)
@leased_run(period="day")
def rescreen_companies() -> dict[str, int]:
    report = services.companies_rescreen()
    return {"screened": report.screened, "flagged": report.flagged}
