"""Background jobs of the pipeline (``CELERY_BEAT_SCHEDULE``) and the
prospect import worker (a big file's preview, then the import), its
sweeper and its purge. Ids in, services do the work."""

from __future__ import annotations

from celery import Task, shared_task, uuid

from common.file_imports import file_import_queue
from common.jobs import periodic_job
from common.nightly import StepResult

from . import imports, scoring, services
from .models import ProspectImport


@periodic_job(period="day", soft_time_limit=50 * 60, time_limit=55 * 60)
def anonymise_lost_prospects() -> dict[str, int]:
    # Each row is claimed by its marker (anonymised_at): a rerun finds
    # nothing left to do.
    return {"anonymised": services.prospects_anonymise_lost()}


def nightly_prospect_scores() -> StepResult:
    """The night's step "prospect-scores" (``common.nightly``): only the
    rows whose score, reasons or model changed are written, so a rerun the
    same night writes nothing (``prospects.scoring``)."""
    report = scoring.prospects_score()
    return StepResult(
        read=report.scored,
        changed=report.changed,
        detail={"learned_pipelines": report.learned_pipelines},
    )


@periodic_job(period="day", soft_time_limit=50 * 60, time_limit=55 * 60)
def send_follow_up_digests() -> dict[str, int]:
    # Each (person, day) is claimed before its e-mail is queued: a rerun,
    # or a second worker, sends nothing twice.
    return services.digests_send()


# The import is all-or-nothing in one transaction and claimed by a
# conditional UPDATE (``common.file_imports.file_import_run``): running it
# twice is safe, so its message is acked only once it ran, and put back in
# the queue if the worker process dies under it.
@shared_task(  # type: ignore[untyped-decorator]
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def run_prospect_import(self: Task, job_id: int) -> bool:
    return imports.prospect_import_run(job_id=job_id, owner=self.request.id or uuid())


# A message the sweeper sends is dropped if no worker takes it before the
# next sweep, which sends it again if the job still waits.
SWEEP_EVERY = 60


@shared_task(  # type: ignore[untyped-decorator]
    acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=55
)
def sweep_prospect_imports() -> dict[str, int]:
    """Re-queue or fail the imports whose worker died, send again those
    whose message was lost or never sent (``CELERY_BEAT_SCHEDULE``)."""
    report = imports.prospect_imports_sweep()
    for job_id in report.requeued:
        run_prospect_import.apply_async((job_id,), expires=SWEEP_EVERY)
    previews = imports.prospect_previews_sweep()
    for draft_id in previews:
        check_prospect_import.apply_async((draft_id,), expires=SWEEP_EVERY)
    return {**report.as_dict(), "previews": len(previews)}


# A big file's preview (``imports.prospect_import_preview_run``): claimed
# under a lease as an import is, so a message delivered twice, or again
# after its worker died, checks it once.
@shared_task(  # type: ignore[untyped-decorator]
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=10 * 60,
    time_limit=12 * 60,
)
def check_prospect_import(self: Task, draft_id: int) -> bool:
    return imports.prospect_import_preview_run(draft_id=draft_id, owner=self.request.id or uuid())


@periodic_job(period="hour", soft_time_limit=5 * 60, time_limit=6 * 60)
def purge_prospect_imports() -> int:
    return imports.prospect_imports_purge()


def prospect_import_draft_start(*, draft: ProspectImport, force: set[int], total: int) -> bool:
    """Queue a confirmed preview (``imports.prospect_import_draft_queue``)
    for its worker once committed; False if the draft expired. Here, above
    the services, because the worker calls back into them."""
    if not imports.prospect_import_draft_queue(draft=draft, force=force, total=total):
        return False
    file_import_queue(run_prospect_import, draft.pk, kind=imports.PROSPECT_IMPORTS)
    return True


def prospect_import_preview_start(*, draft: ProspectImport, total: int) -> bool:
    """Ask a worker for a big file's preview once committed
    (``imports.prospect_import_preview_request``); False if the draft
    expired. A broker down leaves it pending for the sweeper."""
    if not imports.prospect_import_preview_request(draft=draft, total=total):
        return False
    file_import_queue(check_prospect_import, draft.pk, kind=imports.PROSPECT_IMPORTS)
    return True
