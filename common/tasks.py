"""The outbox's worker side (see :mod:`common.mail`): send one row, sweep
rows left unsent, purge old rows.

A row is ``queued`` (new, or given back by staff), ``requeued`` (an attempt
failed, the next one is due at ``scheduled_time``), ``sent`` or ``failed``
(``OUTBOX_MAX_ATTEMPTS`` attempts failed; staff re-send it from the admin).
A worker claims a row before sending it with one conditional UPDATE that
moves ``scheduled_time`` to the end of a lease: two workers, or a worker
and the sweeper, never send the same row, and a row whose worker died is
due again when its lease ends (delivery is at least once only for a worker
killed between the SMTP server's answer and the next UPDATE).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from celery import Task, current_app, shared_task, uuid
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from post_office.models import STATUS, Email, Log

from . import jobs, nightly
from .jobs import periodic_job
from .mail import REPLY_TO_HEADER, outbox_kick

logger = logging.getLogger(__name__)

PENDING = (STATUS.queued, STATUS.requeued)
# Rows handed to workers by one sweep; the next sweep takes the rest.
SWEEP_BATCH = 500


def retry_delay(attempts: int) -> timedelta:
    """How long after its ``attempts``-th failure (1, 2…) a row is tried
    again: ``OUTBOX_RETRY_SECONDS`` doubled at each failure."""
    return timedelta(seconds=settings.OUTBOX_RETRY_SECONDS * 2 ** (attempts - 1))


def message_of(email: Email) -> EmailMultiAlternatives:
    """The Django message an outbox row stands for, as it was queued."""
    headers = dict(email.headers or {})
    reply_to = headers.pop(REPLY_TO_HEADER, "")
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.message,
        from_email=email.from_email,
        to=list(email.to),
        cc=list(email.cc or []),
        bcc=list(email.bcc or []),
        reply_to=[address.strip() for address in reply_to.split(",")] if reply_to else None,
        headers=headers or None,
    )
    if email.html_message:
        message.attach_alternative(email.html_message, "text/html")
    return message


# Celery ships no type information: its decorator is untyped to mypy.
@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)  # type: ignore[untyped-decorator]
def send_outbox_email(email_id: int) -> str:
    """Send outbox row ``email_id`` if it is pending, due, and not held by
    another worker. Returns ``"sent"``, ``"retry"`` (the attempt failed, the
    row waits for its back-off), ``"failed"`` (that was the last attempt) or
    ``"skipped"`` (sent, held or not due: nothing done). Never raises for a
    failed send: the row records it."""
    now = timezone.now()
    claimed = Email.objects.filter(
        Q(scheduled_time__isnull=True) | Q(scheduled_time__lte=now),
        pk=email_id,
        status__in=PENDING,
    ).update(
        scheduled_time=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS), last_updated=now
    )
    if not claimed:
        return "skipped"
    email = Email.objects.get(pk=email_id)
    try:
        message_of(email).send()
    except Exception as error:  # SMTP refusals, timeouts, DNS: all retried
        return _attempt_failed(email, error)
    Email.objects.filter(pk=email_id).update(
        status=STATUS.sent, scheduled_time=None, last_updated=timezone.now()
    )
    return "sent"


def _attempt_failed(email: Email, error: Exception) -> str:
    attempts = (email.number_of_retries or 0) + 1
    now = timezone.now()
    last = attempts >= settings.OUTBOX_MAX_ATTEMPTS
    with transaction.atomic():
        Email.objects.filter(pk=email.pk).update(
            status=STATUS.failed if last else STATUS.requeued,
            scheduled_time=None if last else now + retry_delay(attempts),
            number_of_retries=attempts,
            last_updated=now,
        )
        Log.objects.create(
            email=email,
            status=STATUS.failed,
            exception_type=type(error).__name__,
            message=str(error)[:1000],
        )
    # One line, never the message: its body holds personal data.
    logger.warning(
        "outbox: e-mail %s attempt %s/%s failed (%s)%s",
        email.pk,
        attempts,
        settings.OUTBOX_MAX_ATTEMPTS,
        type(error).__name__,
        ", given up" if last else "",
    )
    return "failed" if last else "retry"


def due(now: datetime | None = None) -> QuerySet[Email]:
    """Pending rows a worker should take now: back-off or lease over, or
    new and not sent by their own on-commit task within the grace period
    (the broker was down, or the worker lost the message)."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    rows: QuerySet[Email] = Email.objects.filter(
        Q(scheduled_time__lte=now) | Q(scheduled_time__isnull=True, created__lte=grace),
        status__in=PENDING,
    )
    return rows


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]
def outbox_sweep() -> int:
    """Hand every due row to a worker (``CELERY_BEAT_SCHEDULE``, every
    minute). Returns how many were handed; the claim makes a row handed
    twice harmless."""
    ids = list(due().order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    for email_id in ids:
        send_outbox_email.delay(email_id)
    if ids:
        logger.info("outbox: swept %s e-mails", len(ids))
    return len(ids)


@periodic_job(period="day", soft_time_limit=10 * 60, time_limit=11 * 60, ignore_result=True)
def outbox_purge() -> int:
    """Delete sent and failed rows (and their logs) last touched more than
    ``OUTBOX_RETENTION_DAYS`` ago: their bodies hold personal data. Pending
    rows are never purged. Returns how many messages were deleted."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    old = Email.objects.filter(status__in=(STATUS.sent, STATUS.failed), last_updated__lt=cutoff)
    _total, by_model = old.delete()
    deleted: int = by_model.get(Email._meta.label, 0)
    return deleted


def outbox_resend(*, emails: QuerySet[Email]) -> int:
    """Give failed rows back to the workers with a fresh count of attempts
    (the admin's "re-send"). Rows in another status are left alone.
    Returns how many were given back."""
    ids = list(emails.filter(status=STATUS.failed).values_list("pk", flat=True))
    Email.objects.filter(pk__in=ids, status=STATUS.failed).update(
        status=STATUS.queued, number_of_retries=0, scheduled_time=None, last_updated=timezone.now()
    )
    for email_id in ids:
        transaction.on_commit(partial(outbox_kick, email_id))
    return len(ids)


# Beat sends the sweeper every JOB_RUNS_SWEEP_EVERY seconds
# (CELERY_BEAT_SCHEDULE); a run queued again waits QUEUE_PATIENCE for its
# message, which expires then.
JOB_RUNS_SWEEP_EVERY = 2 * 60


@shared_task(  # type: ignore[untyped-decorator]
    acks_late=True, reject_on_worker_lost=True, soft_time_limit=100, time_limit=110
)
def job_runs_sweep() -> dict[str, int]:
    """Queue again (or fail) the periodic runs whose worker died
    (:mod:`common.jobs`). Returns how many of each."""
    report = jobs.job_runs_sweep()
    patience = int(jobs.QUEUE_PATIENCE.total_seconds())
    for run in report.requeued:
        step = nightly.step_of_job(run.name)
        if step is not None:  # a step of the night's chain: its message carries the rest
            nightly_step_send(night=run.slot, step=step, expires=patience)
            continue
        task = current_app.tasks[run.name]
        task.apply_async(kwargs={"slot": run.slot}, expires=patience)
    return {"requeued": len(report.requeued), "failed": report.failed}


# --- The night's chain (common.nightly) ----------------------------------------------


def nightly_step_send(*, night: str, step: nightly.Step, **options: Any) -> None:
    """Queue ``step`` of ``night`` with the step's own time limits."""
    nightly_step.apply_async(
        kwargs={"night": night, "step": step.name},
        soft_time_limit=step.soft_time_limit,
        time_limit=step.time_limit,
        **options,
    )


@shared_task(  # type: ignore[untyped-decorator]
    acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=60
)
def nightly_start(night: str | None = None) -> str:
    """Start the chain of ``night`` (tonight, local date: beat's
    ``nightly-chain``) with its first step. Returns the night."""
    night = night or nightly.night_of().isoformat()
    nightly_step_send(night=night, step=nightly.nightly_steps()[0])
    return night


# Its time limits come with each message (nightly_step_send): the step's.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def nightly_step(self: Task, night: str, step: str) -> str:
    """Run ``step`` of ``night`` (an ISO date) under its lease, then send
    the next step if the chain goes on. A failed step is recorded, then its
    error raised (the worker's log, the error report); the chain stops.
    Returns the step's outcome."""
    current = nightly.step_named(step)
    report = nightly.step_run(
        step=current, night=date.fromisoformat(night), owner=self.request.id or uuid()
    )
    if report.error is not None:
        raise report.error
    following = nightly.step_after(current.name) if report.goes_on else None
    if following is not None:
        nightly_step_send(night=night, step=following)
    return str(report.outcome)
