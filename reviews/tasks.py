"""Background jobs of reviews: the nightly and periodic work
(``CELERY_BEAT_SCHEDULE``) and the invoice import worker. Ids in, services
do the work; the e-mails are in ``reviews.emails``."""

from __future__ import annotations

from celery import shared_task

from .models import InvoiceImport
from .services import audits, invitations, invoices, stats


@shared_task(soft_time_limit=30 * 60, time_limit=35 * 60)
def send_reminders() -> int:
    return invitations.invitations_remind()


@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60)
def refresh_review_stats() -> int:
    return stats.company_review_stats_refresh()


@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60)
def run_audits() -> dict:
    report = audits.audits_run()
    return {"opened": report.opened, "missed": report.missed}


@shared_task(soft_time_limit=20 * 60, time_limit=25 * 60)
def run_invoice_import(job_id: int) -> None:
    invoices.invoice_import_run(job_id=job_id)


def invoice_import_start(
    *, company, actor, content: str, total: int, skipped: list[str] | None = None
) -> InvoiceImport:
    """Record a previewed import (``services.invoices.invoice_import_create``) and
    queue its worker once the job row is committed. Here, above the
    services, because the worker calls back into them."""
    job = invoices.invoice_import_create(
        company=company, actor=actor, content=content, total=total, skipped=skipped
    )
    run_invoice_import.delay_on_commit(job.pk)
    return job
