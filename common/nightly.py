"""The night's work as one ordered chain (issue 16 §2).

``NIGHTLY_STEPS`` (settings) lists the steps in the order they run, each
reading what the previous ones wrote: fraud scores and audits, the review
aggregates, the loyalty scores and baselines, the prospect scores, the
eligibility re-screening, and last the search keys. A step is a function
of its app (``<app>.tasks.nightly_*``) returning a :class:`StepResult`
(rows read, rows changed), with its own soft and hard time limits.

Each step of a night (the local date the chain started on) is a
:class:`~common.models.JobRun` named ``nightly.<step>`` with the night's
date as its slot, claimed under a lease (:func:`common.jobs.job_run_claim`,
the mechanism of every periodic job), so that:

- a step already done for that night is skipped and the chain goes on: a
  night run again (a duplicated beat message, the command after the
  worker) does nothing twice;
- a step held by another run, or still running for the previous night,
  stops this run: the holder carries the chain on;
- a step that raises is recorded failed with its error's class, and the
  chain stops there; running the night again tries it again, up to
  ``JOB_RUN_MAX_ATTEMPTS`` claims.

Celery runs one message per step (``common.tasks.nightly_step``, with the
step's time limits), and sends the next step once one is done or was done
already; ``manage.py nightly`` runs the same steps in the foreground. A
worker killed under a step: its message comes back (``acks_late``,
``reject_on_worker_lost``) and re-claims the step with the same task id,
or the sweeper sends the step again once its lease expired
(``common.tasks.job_runs_sweep``).
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import FrameType
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import pgettext_lazy

from .jobs import JOB_RUN_MAX_ATTEMPTS, LEASE_MARGIN, job_run_claim, job_run_finish
from .models import JobRun
from .page_cache import pages_changed

logger = logging.getLogger(__name__)

# The runs of the chain's steps are named JOB_PREFIX + the step's name.
JOB_PREFIX = "nightly."


@dataclass(frozen=True)
class StepResult:
    """What a step did: the rows it read (looked at) and changed (wrote),
    and its own counts by name for the run's short report."""

    read: int
    changed: int
    detail: Mapping[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = {"read": self.read, "changed": self.changed, **self.detail}
        return ", ".join(f"{name} {count}" for name, count in parts.items())


@dataclass(frozen=True)
class Step:
    """A step of the chain, as ``NIGHTLY_STEPS`` declares it."""

    name: str
    label: str
    run: Callable[[], StepResult]
    soft_time_limit: int
    time_limit: int

    @property
    def job_name(self) -> str:
        return JOB_PREFIX + self.name

    @property
    def lease(self) -> timedelta:
        """Celery kills the step at its hard limit: its lease outlives it."""
        return timedelta(seconds=self.time_limit) + LEASE_MARGIN


class UnknownStep(ValueError):
    def __init__(self, name: str) -> None:
        names = ", ".join(settings.NIGHTLY_STEPS)
        super().__init__(f"No nightly step is named {name!r}; the steps are: {names}.")


def nightly_steps() -> list[Step]:
    """The chain's steps, in order."""
    steps = []
    declared: Mapping[str, Mapping[str, Any]] = settings.NIGHTLY_STEPS
    for name, conf in declared.items():
        soft, hard = conf["soft_time_limit"], conf["time_limit"]
        if not 0 < soft < hard:
            raise ImproperlyConfigured(
                f"NIGHTLY_STEPS[{name!r}]: 0 < soft_time_limit < time_limit, got {soft}, {hard}"
            )
        steps.append(
            Step(
                name=name,
                label=conf["label"],
                run=import_string(conf["run"]),
                soft_time_limit=soft,
                time_limit=hard,
            )
        )
    return steps


def step_named(name: str) -> Step:
    """The step ``name``; :class:`UnknownStep` if there is none."""
    for step in nightly_steps():
        if step.name == name:
            return step
    raise UnknownStep(name)


def step_after(name: str) -> Step | None:
    """The step that follows ``name``, None after the last."""
    names = [step.name for step in nightly_steps()]
    following = names.index(name) + 1
    return step_named(names[following]) if following < len(names) else None


def step_of_job(job_name: str) -> Step | None:
    """The step whose runs are named ``job_name``, None for another job."""
    if not job_name.startswith(JOB_PREFIX):
        return None
    try:
        return step_named(job_name.removeprefix(JOB_PREFIX))
    except UnknownStep:
        return None


class Outcome(StrEnum):
    DONE = "done"  # this run did the step
    ALREADY_DONE = "already done"  # a previous run of the night did
    BUSY = "busy"  # another run holds it (or the previous night's still runs)
    FAILED = "failed"  # the step raised: recorded, the chain stops
    GIVEN_UP = "given up"  # claimed JOB_RUN_MAX_ATTEMPTS times already


@dataclass(frozen=True)
class StepReport:
    step: Step
    night: date
    outcome: Outcome
    run: JobRun
    error: BaseException | None = None

    @property
    def goes_on(self) -> bool:
        """Whether the chain goes on to the next step."""
        return self.outcome in (Outcome.DONE, Outcome.ALREADY_DONE)


def _not_claimed(run: JobRun) -> Outcome:
    if run.status == JobRun.Status.DONE:
        return Outcome.ALREADY_DONE
    held = (
        run.status == JobRun.Status.RUNNING
        and run.leased_until is not None
        and run.leased_until >= timezone.now()
    )
    if not held and run.attempts >= JOB_RUN_MAX_ATTEMPTS:
        return Outcome.GIVEN_UP
    return Outcome.BUSY


@contextmanager
def soft_time_limit(seconds: float) -> Iterator[None]:
    """Raise ``SoftTimeLimitExceeded`` in this thread (the main one) after
    ``seconds``, as a Celery worker does at a task's soft limit: the
    foreground command keeps the steps' limits too. Python code is
    interrupted at once, a database statement once it returns."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise SoftTimeLimitExceeded(f"soft time limit ({seconds:g} s) exceeded")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _interrupted_statement_cancel() -> None:
    """A time limit (or Ctrl-C) that fell inside a statement leaves the
    connection busy with it, and the statement running on the server: it
    is cancelled there and the connection closed, so the failure can be
    recorded on a fresh one (psycopg cancels by itself on Ctrl-C only)."""
    raw = connection.connection
    if connection.vendor != "postgresql" or raw is None:
        return
    from psycopg import pq

    if raw.pgconn.transaction_status != pq.TransactionStatus.ACTIVE:
        return
    try:
        raw.cancel_safe(timeout=5)
    except Exception:  # the server may be gone too: closing is what matters
        logger.warning("nightly: the interrupted statement could not be cancelled")
    connection.close()


def step_run(*, step: Step, night: date, owner: str, foreground: bool = False) -> StepReport:
    """Run ``step`` for ``night`` as ``owner`` (the Celery task id, or the
    command's own id) unless it is not to run (see the module), and record
    it. An error fails the run (its class kept, never its message: it may
    quote a row) and comes back in the report. ``foreground``: the step's
    soft time limit is kept here (a worker keeps both itself)."""
    slot = night.isoformat()
    run = job_run_claim(
        name=step.job_name, slot=slot, owner=owner, lease=step.lease, retry_failed=True
    )
    if run is None:
        run = JobRun.objects.get(name=step.job_name, slot=slot)
        return StepReport(step=step, night=night, outcome=_not_claimed(run), run=run)
    limit = soft_time_limit(step.soft_time_limit) if foreground else nullcontext()
    try:
        with limit:
            result = step.run()
    except (Exception, KeyboardInterrupt) as error:  # SoftTimeLimitExceeded included
        _interrupted_statement_cancel()
        name = type(error).__name__
        job_run_finish(run=run, owner=owner, status=JobRun.Status.FAILED, result=name, error=name)
        pages_changed()  # what it wrote before failing
        logger.warning("nightly %s %s failed: %s", step.name, slot, name)
        run.refresh_from_db()
        return StepReport(step=step, night=night, outcome=Outcome.FAILED, run=run, error=error)
    job_run_finish(
        run=run,
        owner=owner,
        status=JobRun.Status.DONE,
        result=result.summary(),
        rows_read=result.read,
        rows_changed=result.changed,
    )
    if result.changed:
        # Its bulk writes send no signal: the pages kept for visitors are
        # built again (scores, aggregates, listings).
        pages_changed()
    run.refresh_from_db()
    logger.info("nightly %s %s done: %s", step.name, slot, result.summary())
    return StepReport(step=step, night=night, outcome=Outcome.DONE, run=run)


def nightly_run(
    *,
    night: date,
    owner: str,
    only: str | None = None,
    before: Callable[[Step], Any] | None = None,
    after: Callable[[StepReport], Any] | None = None,
) -> list[StepReport]:
    """The chain in the foreground (``manage.py nightly``): every step in
    order (or the step ``only``) for ``night``, until one does not go on.
    ``before`` and ``after`` are told of each step (a progress display).
    Returns the reports of the steps tried."""
    steps = [step_named(only)] if only else nightly_steps()
    reports = []
    for step in steps:
        if before is not None:
            before(step)
        report = step_run(step=step, night=night, owner=owner, foreground=True)
        reports.append(report)
        if after is not None:
            after(report)
        if not report.goes_on:
            break
    return reports


# --- What staff and /healthz see ---------------------------------------------------


def night_of(now: datetime | None = None) -> date:
    """The night a chain started at ``now`` runs for: the local date."""
    return timezone.localdate(now)


def last_night(now: datetime | None = None) -> date:
    """The last night whose chain should be over by ``now``: tonight's once
    its start (``NIGHTLY_START``) and every step's hard limit are past,
    else the night before."""
    local = timezone.localtime(now)
    start = datetime.combine(
        local.date(),
        time(settings.NIGHTLY_START["hour"], settings.NIGHTLY_START["minute"]),
        tzinfo=local.tzinfo,
    )
    allowed = timedelta(seconds=sum(step.time_limit for step in nightly_steps()))
    # Limits are durations: added to the start as an instant (UTC), not to
    # its wall-clock time, which a change of time in the night moves.
    over = start.astimezone(UTC) + allowed
    return local.date() if local >= over else local.date() - timedelta(days=1)


def night_runs(nights: list[date]) -> dict[date, dict[str, JobRun]]:
    """The steps' runs of ``nights``: {night: {step name: run}}."""
    names = [step.job_name for step in nightly_steps()]
    found: dict[date, dict[str, JobRun]] = {night: {} for night in nights}
    runs = JobRun.objects.filter(name__in=names, slot__in=[night.isoformat() for night in nights])
    for run in runs:
        found[date.fromisoformat(run.slot)][run.name.removeprefix(JOB_PREFIX)] = run
    return found


def night_warning(now: datetime | None = None) -> str | None:
    """What ``/healthz`` warns of, or None: last night's chain failed, or
    did not run (or not to its end)."""
    night = last_night(now)
    runs = night_runs([night])[night]
    for step in nightly_steps():
        run = runs.get(step.name)
        if run is None:
            if not runs:
                return f"the nightly chain of {night} did not run"
            return f"the nightly chain of {night} stopped before step {step.name}"
        if run.status == JobRun.Status.FAILED:
            return f"the nightly chain of {night} failed at step {step.name} ({run.error})"
        if run.status != JobRun.Status.DONE:
            return f"the nightly chain of {night} did not finish step {step.name} ({run.status})"
    return None


@dataclass(frozen=True)
class NightStep:
    step: Step
    run: JobRun | None

    @property
    def seconds(self) -> float | None:
        duration = self.run.duration if self.run is not None else None
        return duration.total_seconds() if duration is not None else None


NIGHT_STATUSES = {
    "done": pgettext_lazy("night", "done"),
    "failed": pgettext_lazy("night", "failed"),
    "running": pgettext_lazy("night", "running"),
    "incomplete": pgettext_lazy("night", "incomplete"),
    "not run": pgettext_lazy("night", "did not run"),
}


@dataclass(frozen=True)
class Night:
    """A night's chain as staff read it: every step with its run, if any."""

    night: date
    steps: list[NightStep]

    @property
    def status(self) -> str:
        """done (every step), failed (a step failed), running (a step
        runs), incomplete (the chain stopped or is on its way), not run."""
        statuses = [s.run.status for s in self.steps if s.run is not None]
        if not statuses:
            return "not run"
        if JobRun.Status.FAILED in statuses:
            return "failed"
        if JobRun.Status.RUNNING in statuses:
            return "running"
        if len(statuses) == len(self.steps) and set(statuses) == {JobRun.Status.DONE}:
            return "done"
        return "incomplete"

    @property
    def status_label(self) -> str:
        return str(NIGHT_STATUSES[self.status])

    @property
    def seconds(self) -> float:
        return sum(s.seconds or 0.0 for s in self.steps)

    @property
    def rows_changed(self) -> int:
        return sum(s.run.rows_changed or 0 for s in self.steps if s.run is not None)


def nights_recent(*, count: int, today: date | None = None) -> list[Night]:
    """The last ``count`` nights up to ``today`` (local), the latest first,
    each with its steps' runs (two queries whatever ``count``)."""
    today = today or night_of()
    dates = [today - timedelta(days=n) for n in range(count)]
    steps = nightly_steps()
    runs = night_runs(dates)
    return [
        Night(night=night, steps=[NightStep(step, runs[night].get(step.name)) for step in steps])
        for night in dates
    ]
