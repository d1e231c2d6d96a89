"""File imports run by a worker: a pro's previewed file (invoices, sessions)
becomes a job row a worker imports, all rows or none, with its progress
for the pro's page. The machinery is here, once; each import gives its
model, the function that imports one job's file and the messages its pro
reads (:class:`FileImportKind`).

- The job is a ``FileImportJob`` row (its app adds the company and its own
  columns), queued once the row is committed (:func:`file_import_queue`:
  a broker that is down never fails the upload, the sweeper sends it).
- A worker claims it under a lease (``common.leases``), imports in one
  transaction that also marks the job done, so a job is done exactly when
  its rows are committed, and reports its progress in the cache (the
  transaction hides it until it commits); each progress step renews the
  lease once ``heartbeat`` has passed.
- :func:`file_imports_sweep` re-queues a job whose worker died or whose
  message was lost, and fails it after ``max_attempts`` claims;
  :func:`file_imports_purge` deletes the client data of every job older
  than its retention, whatever became of it. Every ending of a job
  deletes its ``content`` (the file's client data).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .broker import task_send_or_leave
from .leases import LeasedJob, lease_claim, lease_release, lease_renew, leases_expired
from .tabular.columns import ColumnScheme, signature

logger = logging.getLogger(__name__)


class FileImportJob(LeasedJob):
    """A previewed file waiting for, or in, a worker. ``content`` (client
    personal data) is emptied when the job ends, whatever the outcome, and
    after the import's retention anyway. ``skipped``: the rows left out as
    already imported; ``errors``: why a failed job imported nothing."""

    class Status(models.TextChoices):
        # A file previewed, not confirmed: its rows wait here, never in the
        # pro's session (purged with the others after the retention).
        DRAFT = "draft", _("Preview")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed: nothing was imported")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    content = models.TextField()
    total = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_count = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def waiting(self) -> bool:
        """Queued or running: its page polls its progress."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


Job = TypeVar("Job", bound=FileImportJob)


class ColumnMapping(models.Model):
    """The columns a pro chose for a file's header (``signature``: see
    ``common.tabular.columns.signature``), reused for the next file with
    the same header (same tool, same export). Each import's concrete model
    adds its owner (a company: one never sees another's choices) and the
    constraint of one mapping per owner and header."""

    signature = models.CharField(max_length=64)
    columns = models.JSONField(default=dict)  # field name → column index
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def column_mapping_recall(
    mappings: Any, *, header: tuple[str, ...], width: int, scheme: ColumnScheme
) -> dict[str, int]:
    """The columns of each field of a file: the owner's remembered choice
    (``mappings``: its related manager of a ``ColumnMapping`` model) for
    this header if there is one and it fits the file, else the names
    ``scheme`` recognises."""
    remembered = (
        mappings.filter(signature=signature(header)).values_list("columns", flat=True).first()
    )
    if remembered is not None and scheme.valid(remembered, width):
        columns: dict[str, int] = remembered
        return columns
    return scheme.recognise(header)


def column_mapping_remember(
    mappings: Any, *, header: tuple[str, ...], columns: dict[str, int]
) -> ColumnMapping:
    """Remember the owner's choice of ``columns`` for files with this header."""
    mapping: ColumnMapping = mappings.update_or_create(
        signature=signature(header), defaults={"columns": columns}
    )[0]
    return mapping


# A progress step: the import calls ``progress(done)`` every so many rows.
PROGRESS_STEP = 50
# The lease, renewed at a progress step once HEARTBEAT has passed since the
# last renewal (each renewal opens a connection): a worker killed mid-import
# is noticed within two minutes.
LEASE = timedelta(minutes=2)
HEARTBEAT = timedelta(seconds=20)
# A file whose import killed its worker this many times is failed: it is
# not retried forever (a poison message).
MAX_ATTEMPTS = 3
# A queued import no worker has claimed after this long lost its message
# (broker down or restarted, queue purged): the sweeper sends it again.
QUEUE_PATIENCE = timedelta(minutes=10)
# How long the progress stays in the cache (an import lasts minutes).
PROGRESS_TIMEOUT = 3600


@dataclass
class ImportOutcome:
    """What importing one job's file gave: ``created`` rows, or ``errors``
    (line-numbered, for the pro) and then nothing kept; ``values``: more
    columns of the job to write when it is done (``skipped``…)."""

    created: int = 0
    errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


TOO_LONG = _(
    "The import took too long and nothing was imported: split the file and upload each part."
)
INTERRUPTED = _(
    "The import was interrupted several times (the server stopped while working on it) "
    "and nothing was imported: upload the file again."
)
EXPIRED = _("The import could not start in time and nothing was imported: upload the file again.")


@dataclass(frozen=True)
class ImportMessages:
    """What the pro reads on the job's page when the worker could not finish:
    ``crashed`` names what to do instead (it differs per kind of file)."""

    crashed: str | Promise  # an unexpected error
    too_long: str | Promise = TOO_LONG  # the task's soft time limit
    interrupted: str | Promise = INTERRUPTED  # its worker died ``max_attempts`` times
    expired: str | Promise = EXPIRED  # still queued or running after the retention


@dataclass(frozen=True)
class FileImportKind(Generic[Job]):
    """One kind of file import: its job ``model``, ``run`` (import a
    claimed job's ``content``, calling ``progress(done)`` as it goes, and
    return the outcome; called inside the job's transaction), the
    ``messages`` of its failures, the name of the setting that bounds how
    long its ``content`` may be kept (a ``timedelta``), and ``key``, which
    names it in the cache and the logs."""

    model: type[Job]
    run: Callable[[Job, Callable[[int], None]], ImportOutcome]
    messages: ImportMessages
    retention_setting: str
    key: str
    lease: timedelta = LEASE
    heartbeat: timedelta = HEARTBEAT
    max_attempts: int = MAX_ATTEMPTS
    queue_patience: timedelta = QUEUE_PATIENCE

    @property
    def retention(self) -> timedelta:
        value: timedelta = getattr(settings, self.retention_setting)
        return value

    def progress_key(self, job_id: int) -> str:
        return f"{self.key}:{job_id}"


def file_import_queue(task: Any, job_id: int, *, kind: FileImportKind[Any]) -> None:
    """Ask a worker to run job ``job_id`` with Celery ``task`` once the
    caller's transaction commits. Never fails the caller: if the broker is
    down the job stays queued and the sweeper sends it after
    ``queue_patience`` (one line of log, no personal data)."""
    transaction.on_commit(lambda: _send(task, job_id, kind))


def _send(task: Any, job_id: int, kind: FileImportKind[Any]) -> None:
    # Without a broker (eager, the embedded default) the job runs here, in
    # process, and an error has already failed it with a message for the pro.
    task_send_or_leave(task, (job_id,), what=f"{kind.key} {job_id}")


class LeaseLost(Exception):
    """The sweeper took the job back while it ran: its work is rolled back."""


class _Refused(Exception):
    """The file's rows did not all import: roll back whatever was written."""

    def __init__(self, outcome: ImportOutcome) -> None:
        super().__init__()
        self.outcome = outcome


def _end(kind: FileImportKind[Any], *, job_id: int, owner: str, status: str, **values: Any) -> bool:
    """End ``owner``'s import, whatever the outcome: its lease released and
    the client data of its ``content`` deleted. False if the job is no
    longer ``owner``'s (the sweeper took it back)."""
    return bool(
        kind.model._default_manager.filter(
            pk=job_id, lease_owner=owner, status=FileImportJob.Status.RUNNING
        ).update(**lease_release(status=status, finished_at=timezone.now(), content="", **values))
    )


def file_import_run(kind: FileImportKind[Any], *, job_id: int, owner: str) -> bool:
    """Run a queued import for ``owner`` (the Celery task id): claim it
    (one conditional UPDATE, see ``common.leases.lease_claim``), import all
    its rows or none, and end it in the same transaction as the rows, so a
    job is done exactly when its rows are committed. Safe to run again: a
    message redelivered after its worker died re-claims the job (same
    ``owner``) and starts over, the dead attempt having been rolled back.
    Returns False if the job was not this caller's to run.

    An outcome with errors fails the job with them (anything written is
    rolled back); an unexpected error fails it with ``messages.crashed``
    and is raised again for the logs; every ending deletes the content."""
    model = kind.model
    claimed = lease_claim(
        model,
        pk=job_id,
        owner=owner,
        duration=kind.lease,
        claimable=Q(status=FileImportJob.Status.QUEUED),
        max_attempts=kind.max_attempts,
        status=FileImportJob.Status.RUNNING,
    )
    if not claimed:
        return False  # another worker has it, or it already ran
    job = model._default_manager.select_related("created_by").get(pk=job_id)
    key = kind.progress_key(job.pk)
    renewed = [timezone.now()]

    def progress(done: int) -> None:
        cache.set(key, done, timeout=PROGRESS_TIMEOUT)
        if timezone.now() - renewed[0] >= kind.heartbeat:
            lease_renew(model, pk=job.pk, owner=owner, duration=kind.lease)
            renewed[0] = timezone.now()

    failed = FileImportJob.Status.FAILED
    try:
        with transaction.atomic():
            outcome = kind.run(job, progress)
            if outcome.errors:
                raise _Refused(outcome)
            if not _end(
                kind,
                job_id=job.pk,
                owner=owner,
                status=FileImportJob.Status.DONE,
                created_count=outcome.created,
                **outcome.values,
            ):
                raise LeaseLost
    except LeaseLost:
        return False
    except _Refused as refused:
        outcome = refused.outcome
        _end(kind, job_id=job.pk, owner=owner, status=failed, errors=outcome.errors)
    except SoftTimeLimitExceeded:
        _end(kind, job_id=job.pk, owner=owner, status=failed, errors=[str(kind.messages.too_long)])
        raise
    except Exception:
        _end(kind, job_id=job.pk, owner=owner, status=failed, errors=[str(kind.messages.crashed)])
        raise
    cache.set(key, outcome.created, timeout=PROGRESS_TIMEOUT)
    return True


@dataclass
class SweepReport:
    requeued: list[int] = field(default_factory=list)  # job ids to send to a worker again
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"requeued": len(self.requeued), "failed": self.failed}


def file_imports_sweep(kind: FileImportKind[Any]) -> SweepReport:
    """Finish the imports whose worker died: a running job whose lease
    expired is queued again (``requeued``; its dead attempt was rolled
    back) or, after ``max_attempts`` claims, failed with a message for the
    pro and its content deleted. A queued job that no worker claimed
    within ``queue_patience`` (its message lost, or never sent: the broker
    was down) is sent again; a duplicate message is harmless, only one
    claim succeeds. Each move is a conditional UPDATE on the lease seen,
    so a worker renewing it wins."""
    report = SweepReport()
    jobs = kind.model._default_manager
    running = jobs.filter(status=FileImportJob.Status.RUNNING)
    for job_id, leased_until, attempts in leases_expired(running).values_list(
        "pk", "leased_until", "attempts"
    ):
        same_lease = jobs.filter(
            pk=job_id, status=FileImportJob.Status.RUNNING, leased_until=leased_until
        )
        if attempts >= kind.max_attempts:
            if same_lease.update(
                **lease_release(
                    status=FileImportJob.Status.FAILED,
                    finished_at=timezone.now(),
                    content="",
                    errors=[str(kind.messages.interrupted)],
                )
            ):
                report.failed += 1
                logger.warning("%s %s failed after %s attempts", kind.key, job_id, attempts)
        elif same_lease.update(**lease_release(status=FileImportJob.Status.QUEUED)):
            report.requeued.append(job_id)
            logger.warning("%s %s queued again: its worker stopped", kind.key, job_id)
    now = timezone.now()
    report.requeued += (
        jobs.filter(
            status=FileImportJob.Status.QUEUED,
            created_at__lt=now - kind.queue_patience,
            created_at__gte=now - kind.retention,
        )
        .exclude(pk__in=report.requeued)
        .values_list("pk", flat=True)
    )
    return report


def file_imports_purge(kind: FileImportKind[Any]) -> int:
    """Delete the client data of every import older than its retention,
    whatever became of it (an import ends in minutes; an older one still
    queued or running never will, and is failed); a preview never
    confirmed (a draft) is deleted with its rows. Returns how many
    contents were deleted."""
    cutoff = timezone.now() - kind.retention
    drafts = kind.model._default_manager.filter(
        status=FileImportJob.Status.DRAFT, created_at__lt=cutoff
    )
    abandoned: int = drafts.delete()[0]
    old = kind.model._default_manager.filter(created_at__lt=cutoff).exclude(content="")
    old.filter(status__in=[FileImportJob.Status.QUEUED, FileImportJob.Status.RUNNING]).update(
        **lease_release(
            status=FileImportJob.Status.FAILED,
            finished_at=timezone.now(),
            errors=[str(kind.messages.expired)],
        )
    )
    purged: int = old.update(content="")
    return purged + abandoned


# --- Previews (drafts) -------------------------------------------------------
# Between the preview's steps (upload, columns, confirmation) the file's rows
# wait in a draft job, the pro's session holding its id only: the client
# data stays in a row the purge deletes after the retention, not in the
# session for its 14 days (nor decoded on each of the pro's requests).


def file_import_draft_create(
    kind: FileImportKind[Job], *, created_by: Any, content: str, **owner: Any
) -> Job:
    """Record a previewed file's rows (``content``) as a draft of
    ``owner`` (``company=…``)."""
    return kind.model._default_manager.create(
        status=FileImportJob.Status.DRAFT, created_by=created_by, content=content, **owner
    )


def file_import_draft(kind: FileImportKind[Job], draft_id: Any, **owner: Any) -> Job | None:
    """The draft ``draft_id`` of ``owner`` (``company=…``), or None if it
    expired (purged, past the retention, or already confirmed). Raises
    Http404 if it is another owner's."""
    if not isinstance(draft_id, int):
        return None  # an id from before drafts, or a session tampered with
    draft = kind.model._default_manager.filter(pk=draft_id).first()
    if draft is None:
        return None
    if any(getattr(draft, name) != value for name, value in owner.items()):
        raise Http404
    if (
        draft.status != FileImportJob.Status.DRAFT
        or not draft.content
        or draft.created_at < timezone.now() - kind.retention
    ):
        return None
    return draft


def file_import_draft_update(kind: FileImportKind[Job], draft: Job, *, content: str) -> bool:
    """Replace a draft's rows (the columns chosen again); False if it
    expired meanwhile."""
    return bool(
        kind.model._default_manager.filter(pk=draft.pk, status=FileImportJob.Status.DRAFT).update(
            content=content
        )
    )


def file_import_draft_discard(kind: FileImportKind[Job], draft_id: Any, **owner: Any) -> None:
    """Delete ``owner``'s draft ``draft_id`` (a new file replaces it, or
    there was nothing to import), if it is still one."""
    if isinstance(draft_id, int):
        kind.model._default_manager.filter(
            pk=draft_id, status=FileImportJob.Status.DRAFT, **owner
        ).delete()


def file_import_draft_queue(
    kind: FileImportKind[Job], draft: Job, *, content: str, total: int, **values: Any
) -> bool:
    """Turn a confirmed draft into the queued job (``content``: the rows
    as the worker reads them), once: a second confirmation, or one after
    the purge, gets False. The job keeps the draft's ``created_at``: the
    retention runs from the upload."""
    return bool(
        kind.model._default_manager.filter(
            pk=draft.pk,
            status=FileImportJob.Status.DRAFT,
            created_at__gte=timezone.now() - kind.retention,
        ).update(status=FileImportJob.Status.QUEUED, content=content, total=total, **values)
    )


def columns_doubtful(*, refused: int, ready: int) -> bool:
    """Whether a preview's errors (``refused`` lines) more likely come from
    a wrong choice of columns than from wrong lines: at least three, and
    at least as many as the lines ready. Its page then offers the choice
    of columns first."""
    return refused >= max(3, ready)


def file_import_status(kind: FileImportKind[Any], job: FileImportJob) -> dict[str, Any]:
    """What the job page's script polls (``?format=json``): ``status``,
    ``done`` and ``total`` rows, and the status's ``label``."""
    return {
        "status": job.status,
        "done": file_import_progress(kind, job),
        "total": job.total,
        "label": job.get_status_display(),
    }


def file_import_progress(kind: FileImportKind[Any], job: FileImportJob) -> int:
    """Rows imported so far: the worker's count in the cache while it runs
    (its transaction hides its rows), the job's own once it ended."""
    if job.status in (FileImportJob.Status.DONE, FileImportJob.Status.FAILED):
        return job.created_count
    done: int = cache.get(kind.progress_key(job.pk), 0)
    return done
