"""Periodic jobs that die are finished by someone: each run of a job of
``CELERY_BEAT_SCHEDULE`` is a ``JobRun`` row per (task, slot) claimed with
a lease (:mod:`common.leases`) by the worker that runs it.

- Two overlapping runs never both work: the second finds the slot's lease
  held (or another slot of the same job running) and skips, in one line
  of log.
- A slot already done (or failed) is not run again.
- A worker killed under a run leaves its lease to expire: its message
  comes back (the task sets ``acks_late`` and ``reject_on_worker_lost``)
  and re-claims the run, or ``job_runs_sweep`` queues it again, up to
  ``JOB_RUN_MAX_ATTEMPTS`` claims, then fails it (seen in the admin).

The lease lasts the task's ``time_limit`` and a margin: Celery kills a
run at its time limit, so a live run never outlasts its lease and needs
no heartbeat. Usage, under the task's decorator::

    @shared_task(bind=True, acks_late=True, reject_on_worker_lost=True,
                 soft_time_limit=50 * 60, time_limit=55 * 60)
    @leased_run(period="day")
    def refresh() -> int: ...  # the task is called (self, slot=None)
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar
from uuid import uuid4

from celery import shared_task
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .leases import lease_claim, lease_release, leases_expired
from .models import JobRun

logger = logging.getLogger(__name__)

R = TypeVar("R")
Period = Literal["hour", "day"]

# Claims of one run (its first one included) before the sweeper fails it.
JOB_RUN_MAX_ATTEMPTS = 3
# Added to the task's time limit: the lease outlives the run it covers.
LEASE_MARGIN = timedelta(minutes=1)
# How long a run queued again by the sweeper waits for its message before
# the sweeper sends it again (the broker lost it, or it expired).
QUEUE_PATIENCE = timedelta(minutes=10)


def slot_of(period: Period, now: datetime | None = None) -> str:
    """The run slot of ``now`` in local time: "2026-11-30T03" for an
    hourly job, "2026-11-30" for a daily one."""
    local = timezone.localtime(now)
    return local.strftime("%Y-%m-%dT%H") if period == "hour" else local.date().isoformat()


def job_run_claim(
    *, name: str, slot: str, owner: str, lease: timedelta, retry_failed: bool = False
) -> JobRun | None:
    """Create the run of (``name``, ``slot``) if needed and take it for
    ``owner`` (the Celery task id) during ``lease``; None if it is not to
    run: done already, failed already (unless ``retry_failed``: a step of
    the night's chain is tried again when the night is run again), its
    lease held by another worker, claimed ``JOB_RUN_MAX_ATTEMPTS`` times,
    or another slot of the job running under a live lease. The claim
    clears what a failed attempt recorded."""
    run, _created = JobRun.objects.get_or_create(name=name, slot=slot)
    other_running = JobRun.objects.filter(
        name=name, status=JobRun.Status.RUNNING, leased_until__gte=timezone.now()
    ).exclude(pk=OuterRef("pk"))
    ready = [JobRun.Status.QUEUED, *([JobRun.Status.FAILED] if retry_failed else [])]
    claimed = lease_claim(
        JobRun,
        pk=run.pk,
        owner=owner,
        duration=lease,
        claimable=Q(~Exists(other_running), status__in=ready),
        max_attempts=JOB_RUN_MAX_ATTEMPTS,
        status=JobRun.Status.RUNNING,
        finished_at=None,
        result="",
        error="",
        rows_read=None,
        rows_changed=None,
    )
    if not claimed:
        run.refresh_from_db()
        logger.info("job %s %s skipped: %s, attempts %s", name, slot, run.status, run.attempts)
        return None
    return run


def job_run_finish(*, run: JobRun, owner: str, status: str, result: str, **figures: Any) -> bool:
    """End ``owner``'s run with ``status`` (done or failed), a short
    ``result`` and ``figures`` (``rows_read``, ``rows_changed``,
    ``error``); False if the run was no longer its own (swept)."""
    return bool(
        JobRun.objects.filter(pk=run.pk, lease_owner=owner, status=JobRun.Status.RUNNING).update(
            **lease_release(
                status=status, finished_at=timezone.now(), result=result[:200], **figures
            )
        )
    )


def leased_run(*, period: Period) -> Callable[[Callable[[], R]], Callable[..., R | None]]:
    """Run the wrapped job once per ``period`` slot under a lease (see the
    module). The task must be bound (``bind=True``) and have a
    ``time_limit``; it takes an optional ``slot`` (the sweeper passes the
    slot it queues again) and returns the job's result, or None when it
    skipped. An error fails the run (its class name kept) and is raised."""

    def decorate(job: Callable[[], R]) -> Callable[..., R | None]:
        @functools.wraps(job)
        def run_task(task: Any, slot: str | None = None) -> R | None:
            if not task.time_limit:
                raise TypeError(f"{task.name} needs a time_limit to be leased")
            owner = task.request.id or uuid4().hex
            run = job_run_claim(
                name=task.name,
                slot=slot or slot_of(period),
                owner=owner,
                lease=timedelta(seconds=task.time_limit) + LEASE_MARGIN,
            )
            if run is None:
                return None
            try:
                result = job()
            except Exception as error:  # SoftTimeLimitExceeded included
                name = type(error).__name__
                job_run_finish(
                    run=run, owner=owner, status=JobRun.Status.FAILED, result=name, error=name
                )
                raise
            job_run_finish(run=run, owner=owner, status=JobRun.Status.DONE, result=str(result))
            return result

        return run_task

    return decorate


def periodic_job(
    *, period: Period, soft_time_limit: int, time_limit: int, **options: Any
) -> Callable[[Callable[[], R]], Any]:
    """A job of ``CELERY_BEAT_SCHEDULE``: a bound Celery task, acknowledged
    late and put back in the queue if its worker dies (every periodic job
    is idempotent: set-based UPDATEs, conditional claims), run once per
    ``period`` slot under a lease (:func:`leased_run`). Limits in seconds;
    ``options`` go to ``shared_task`` as they are."""

    def decorate(job: Callable[[], R]) -> Any:
        return shared_task(
            bind=True,
            acks_late=True,
            reject_on_worker_lost=True,
            soft_time_limit=soft_time_limit,
            time_limit=time_limit,
            **options,
        )(leased_run(period=period)(job))

    return decorate


@dataclass
class SweepReport:
    requeued: list[JobRun] = field(default_factory=list)  # to send again
    failed: int = 0


def job_runs_sweep() -> SweepReport:
    """Finish the runs whose worker died: a running run whose lease
    expired is queued again (its message to be sent by the caller) or,
    after ``JOB_RUN_MAX_ATTEMPTS`` claims, failed; a run queued again
    whose message never came within ``QUEUE_PATIENCE`` is sent again.
    Each change is one conditional UPDATE on the lease seen, so a worker
    claiming the run at the same time wins."""
    report = SweepReport()
    now = timezone.now()
    stale = leases_expired(
        JobRun.objects.filter(status__in=(JobRun.Status.RUNNING, JobRun.Status.QUEUED))
    )
    for run in stale.order_by("pk"):
        same_lease = JobRun.objects.filter(
            pk=run.pk, status=run.status, leased_until=run.leased_until
        )
        if run.status == JobRun.Status.RUNNING and run.attempts >= JOB_RUN_MAX_ATTEMPTS:
            if same_lease.update(
                **lease_release(
                    status=JobRun.Status.FAILED,
                    finished_at=now,
                    result=f"worker lost {run.attempts} times",
                )
            ):
                logger.warning(
                    "job %s %s failed: worker lost %s times", run.name, run.slot, run.attempts
                )
                report.failed += 1
        # Queued, the lease is the wait for the message sent with it.
        elif same_lease.update(
            status=JobRun.Status.QUEUED, lease_owner="", leased_until=now + QUEUE_PATIENCE
        ):
            logger.warning("job %s %s queued again (attempts %s)", run.name, run.slot, run.attempts)
            report.requeued.append(run)
    return report
