"""Background jobs of reviews: the nightly and periodic work
(``CELERY_BEAT_SCHEDULE``) and the invoice import worker. Ids in, services
do the work; the e-mails are in ``reviews.emails``."""

from __future__ import annotations

from celery import shared_task, uuid

from common import file_imports
from common.jobs import periodic_job
from common.nightly import StepResult

from .models import InvoiceImport
from .services import audits, invitations, invoices, ledger, retention, stats


@periodic_job(period="day", soft_time_limit=30 * 60, time_limit=35 * 60)
def send_reminders() -> int:
    # Each reminder is claimed (reminded_at) in the transaction of its e-mail.
    return invitations.invitations_remind()


def nightly_review_audits() -> StepResult:
    """The night's step "review-audits" (``common.nightly``): fraud scores,
    audits opened and closed. The sample is drawn from the day (a seed), so
    a rerun draws the same."""
    report = audits.audits_run()
    return StepResult(
        read=report.scored,
        changed=report.opened + report.missed,
        detail={"opened": report.opened, "missed": report.missed},
    )


def nightly_review_stats() -> StepResult:
    """The night's step "review-stats": every company's review count,
    average and trust score; only the companies whose figures changed are
    written."""
    report = stats.company_review_stats_refresh_all()
    return StepResult(read=report.companies, changed=report.changed)


@periodic_job(period="day", soft_time_limit=50 * 60, time_limit=55 * 60)
def apply_retention() -> dict:
    # Each row is claimed by its marker (anonymised_at, client_data_erased_at):
    # a rerun finds nothing left to do.
    return retention.retention_apply().as_dict()


@periodic_job(period="day", soft_time_limit=50 * 60, time_limit=55 * 60)
def verify_review_log() -> dict:
    # Each break is logged (review id, entry, kind) by the service.
    breaks = ledger.chains_verify()
    return {"broken": len(breaks), "reviews": [found.review_id for found in breaks[:100]]}


# The import is all-or-nothing in one transaction and claimed by a
# conditional UPDATE (``invoices.invoice_import_run``): running it twice is
# safe, so its message is acked only once it ran, and put back in the queue
# if the worker process dies under it (kill -9, out of memory).
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def run_invoice_import(self, job_id: int) -> bool:
    return invoices.invoice_import_run(job_id=job_id, owner=self.request.id or uuid())


# A message the sweeper sends is dropped if no worker takes it before the
# next sweep, which sends it again if the job still waits.
SWEEP_EVERY = 60


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=55)
def sweep_invoice_imports() -> dict:
    """Re-queue or fail the imports whose worker died (``CELERY_BEAT_SCHEDULE``)."""
    report = invoices.invoice_imports_sweep()
    for job_id in report.requeued:
        run_invoice_import.apply_async((job_id,), expires=SWEEP_EVERY)
    return report.as_dict()


@periodic_job(period="hour", soft_time_limit=5 * 60, time_limit=6 * 60)
def purge_invoice_imports() -> int:
    return invoices.invoice_imports_purge()


def invoice_import_start(
    *, company, actor, content: str, total: int, skipped: list[int] | None = None
) -> InvoiceImport:
    """Record a previewed import (``services.invoices.invoice_import_create``) and
    queue its worker once the job row is committed; a broker that is down
    leaves the job to the sweeper and never fails the upload
    (``common.file_imports.file_import_queue``). Here, above the services,
    because the worker calls back into them."""
    job = invoices.invoice_import_create(
        company=company, actor=actor, content=content, total=total, skipped=skipped
    )
    file_imports.file_import_queue(run_invoice_import, job.pk, kind=invoices.INVOICE_IMPORTS)
    return job


def invoice_import_draft_start(*, draft: InvoiceImport, report: invoices.CsvReport) -> bool:
    """Queue a confirmed preview (``services.invoices.invoice_import_draft_queue``)
    for its worker once committed; False if the draft expired."""
    if not invoices.invoice_import_draft_queue(draft=draft, report=report):
        return False
    file_imports.file_import_queue(run_invoice_import, draft.pk, kind=invoices.INVOICE_IMPORTS)
    return True
