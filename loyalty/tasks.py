"""Background jobs of loyalty: the nightly work (``CELERY_BEAT_SCHEDULE``)
and the session import worker, its sweeper and its purge. Ids in,
services do the work."""

from __future__ import annotations

from celery import Task, shared_task, uuid

from common.file_imports import file_import_queue
from common.jobs import periodic_job
from common.nightly import StepResult
from common.tabular.sheet import Sheet
from common.types import User
from directory.models import Company

from .models import SessionImport
from .recompute import scores_recompute
from .services import audits, imports


def nightly_session_audits() -> StepResult:
    """The night's step "session-audits" (``common.nightly``). The sample
    is drawn from the day (a seed) and audited sessions are left out, so a
    rerun opens nothing more; overdue audits are closed once."""
    report = audits.session_audits_run()
    return StepResult(
        read=report.opened + report.missed,
        changed=report.opened + report.missed,
        detail={"opened": report.opened, "missed": report.missed},
    )


def nightly_loyalty_scores() -> StepResult:
    """The night's step "loyalty-scores": scores, baselines, snapshots and
    the ranking input, set-based and idempotent (``loyalty.recompute``): a
    rerun changes nothing."""
    report = scores_recompute()
    return StepResult(
        read=report.companies,
        changed=report.changed,
        detail={"scored": report.scored, "baselines": report.baselines_changed},
    )


# The import is all-or-nothing in one transaction and claimed by a
# conditional UPDATE (``common.file_imports.file_import_run``): running it
# twice is safe, so its message is acked only once it ran, and put back in
# the queue if the worker process dies under it (kill -9, out of memory).
@shared_task(  # type: ignore[untyped-decorator]
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def run_session_import(self: Task, job_id: int) -> bool:
    return imports.session_import_run(job_id=job_id, owner=self.request.id or uuid())


# A message the sweeper sends is dropped if no worker takes it before the
# next sweep, which sends it again if the job still waits.
SWEEP_EVERY = 60


@shared_task(  # type: ignore[untyped-decorator]
    acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=55
)
def sweep_session_imports() -> dict[str, int]:
    """Re-queue or fail the imports whose worker died, send again those
    whose message was lost or never sent (``CELERY_BEAT_SCHEDULE``)."""
    report = imports.session_imports_sweep()
    for job_id in report.requeued:
        run_session_import.apply_async((job_id,), expires=SWEEP_EVERY)
    return report.as_dict()


@periodic_job(period="hour", soft_time_limit=5 * 60, time_limit=6 * 60)
def purge_session_imports() -> int:
    return imports.session_imports_purge()


def session_import_start(
    *, company: Company, actor: User, sheet: Sheet, columns: dict[str, int], total: int
) -> SessionImport:
    """Record a previewed file (``services.imports.session_import_create``)
    and queue its worker once the job row is committed; a broker that is
    down leaves the job to the sweeper and never fails the upload
    (``common.file_imports.file_import_queue``). Here, above the services,
    because the worker calls back into them."""
    job = imports.session_import_create(
        company=company, actor=actor, sheet=sheet, columns=columns, total=total
    )
    file_import_queue(run_session_import, job.pk, kind=imports.SESSION_IMPORTS)
    return job


def session_import_draft_start(*, draft: SessionImport, total: int) -> bool:
    """Queue a confirmed preview (``services.imports.session_import_draft_queue``)
    for its worker once committed; False if the draft expired."""
    if not imports.session_import_draft_queue(draft=draft, total=total):
        return False
    file_import_queue(run_session_import, draft.pk, kind=imports.SESSION_IMPORTS)
    return True
