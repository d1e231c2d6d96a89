"""Abstract models and storage shared by every app: write-once records and
status events, random nonces for signed links, the private storage of
proof documents, document audits (of reviews, of sessions) and their
scans; and the one table of ``common``, the runs of periodic jobs
(``JobRun``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .files import stored_file_name
from .leases import LeasedJob
from .transitions import Transitions
from .validators import DOCUMENT_EXTENSIONS, validate_document


class GuardedQuerySet(models.QuerySet[Any]):
    """A queryset whose bulk writes of stored rows are checked by field:
    ``update()``, ``bulk_update()`` and upserts (``bulk_create`` with
    ``update_conflicts``) pass the names of the fields they write (names
    or attnames) to :meth:`writes_check`, which raises ``ValidationError``
    for a field the model does not let change that way. Inserts and
    deletes are not checked."""

    def writes_check(self, names: Iterable[str]) -> None:
        raise NotImplementedError

    def update(self, **kwargs: Any) -> int:
        self.writes_check(kwargs)
        return super().update(**kwargs)

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        self.writes_check(fields)
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("update_conflicts"):  # an upsert rewrites the rows it meets
            self.writes_check(kwargs.get("update_fields") or ())
        return super().bulk_create(objs, *args, **kwargs)


class WriteOnceQuerySet(GuardedQuerySet):
    """The queryset of a write-once record: ``update()``, ``bulk_update()``
    and upserts raise ``ValidationError``, as ``save()`` of a stored row
    does. Deleting stays possible; clearing a deleted user's foreign key
    (``on_delete=SET_NULL``) goes through the base manager, a plain
    queryset."""

    def writes_check(self, names: Iterable[str]) -> None:
        raise ValidationError(_("History entries cannot be edited."))


class WriteOnceModel(models.Model):
    """A record that is written once and never changed: histories and
    decisions. ``save()`` of a stored row, ``update()`` and ``bulk_update()``
    raise ``ValidationError``. Deleting stays possible with its parent
    (cascade)."""

    objects = WriteOnceQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError(_("History entries cannot be edited."))
        super().save(*args, **kwargs)


class StatusEvent(WriteOnceModel):
    """One change of a row's status (see :mod:`common.transitions`): who
    (``actor``; none for the system or someone without an account), when,
    from (``""`` for the status the row was created with), to, and why.
    Concrete events add the foreign key to their row."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]


class UniqueMessagesMixin:
    """A model's own message for a unique constraint over several fields,
    instead of Django's "Un objet Facture avec ces champs Company et
    Numéro de facture existe déjà": ``unique_messages`` maps the
    constraint's fields (a tuple, in its order) to the message. The error
    keeps Django's code (``unique_together``) and ``params["unique_check"]``,
    so a caller can still tell which fields clash (``partners.api.writes``
    names the one the partner sent)."""

    unique_messages: dict[tuple[str, ...], Any] = {}

    def unique_error_message(
        self, model_class: Any, unique_check: Sequence[str]
    ) -> ValidationError:
        error: ValidationError = super().unique_error_message(  # type: ignore[misc]
            model_class, unique_check
        )
        message = self.unique_messages.get(tuple(unique_check))
        if message is None:
            return error
        return ValidationError(message, code=error.code, params=error.params)


def full_clean_known(
    instance: models.Model,
    *,
    known: Iterable[str],
    exclude: Iterable[str] = (),
    validate_constraints: bool = True,
) -> None:
    """``instance.full_clean()``, except that the foreign keys named in
    ``known``, which the caller set from rows it holds (the company of the
    request, the invoice just saved), are not read back one query each
    (Django's ``ForeignKey.validate``): a batch of 500 invoices read its
    company 1,000 times. Everything else is as ``full_clean``: the other
    fields, ``clean()``, the unique checks and the constraints, those on
    the known keys included; the database's foreign key still refuses a
    row that vanished. Raises ``ValidationError`` as ``full_clean``."""
    skipped = set(exclude)
    errors: dict[str, Any] = {}
    try:
        instance.clean_fields(exclude=skipped | set(known))
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    checks = [instance.validate_unique]
    if validate_constraints:
        checks.append(instance.validate_constraints)
    for check in checks:
        # As full_clean: only for the fields that passed so far.
        skipped |= {name for name in errors if name != NON_FIELD_ERRORS}
        try:
            check(exclude=skipped)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def new_nonce() -> str:
    return secrets.token_hex(16)


# Proof documents (certifications, later invoices) never sit under a public
# URL: they live outside MEDIA_ROOT and are served by views that check
# who asks.
def private_storage() -> FileSystemStorage:
    # A callable, so migrations name it instead of freezing its location.
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def private_upload_to(instance: models.Model, filename: str) -> str:
    return stored_file_name(str(instance._meta.model_name), filename)


class AuditStatus(models.TextChoices):
    """Where a document audit (contrôle des pièces) stands."""

    OPEN = "open", _("Waiting for the invoice")
    SUBMITTED = "submitted", _("Invoice sent, being checked")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    MISSED = "missed", _("Invoice not sent in time")


# Every allowed move of a document audit's status ("" : a new audit), the
# same for the audits of reviews and of sessions; each app moves its
# audits through one function and records their events.
AUDIT_TRANSITIONS = Transitions(
    AuditStatus,
    {
        # The nightly sample (or, for reviews, fraud signals).
        ("", AuditStatus.OPEN): {"system"},
        # The company sends the scan; another scan is added to it.
        (AuditStatus.OPEN, AuditStatus.SUBMITTED): {"company"},
        (AuditStatus.SUBMITTED, AuditStatus.SUBMITTED): {"company"},
        (AuditStatus.SUBMITTED, AuditStatus.PASSED): {"staff"},
        (AuditStatus.SUBMITTED, AuditStatus.FAILED): {"staff"},
        # No scan within the delay: a strike against the company.
        (AuditStatus.OPEN, AuditStatus.MISSED): {"system"},
    },
    message=_("A document audit cannot go from “%(from)s” to “%(to)s”."),
)


# The statuses that close an audit: a decision.
AUDIT_DECISIONS = (AuditStatus.PASSED, AuditStatus.FAILED, AuditStatus.MISSED)


class DocumentAudit(models.Model):
    """A document audit: the company sends the scan of an invoice before
    ``due_at``; staff compare it and decide (``decided_at``, ``decided_by``,
    ``note``). Concrete audits add what is audited."""

    status = models.CharField(max_length=10, choices=AuditStatus.choices, default=AuditStatus.OPEN)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        abstract = True

    def status_move(
        self,
        *,
        to: str,
        by: str,
        actor: Any,
        at: datetime,
        also: Iterable[str] = (),
    ) -> str:
        """Move the audit to ``to`` at ``at`` and save it (inserted if new,
        else only the fields changed and ``also``); a decision (passed,
        failed, missed) stamps ``decided_at`` and ``decided_by``
        (``actor``). Returns the status moved from (``""`` for a new audit),
        for the caller's event. Raises ``TransitionError`` for a move ``by``
        (system, company, staff) may not make (``AUDIT_TRANSITIONS``)."""
        from_status = "" if self._state.adding else self.status
        AUDIT_TRANSITIONS.check(from_status, to, by=by)
        self.status = to
        fields = ["status", *also]
        if to in AUDIT_DECISIONS:
            self.decided_at, self.decided_by = at, actor
            fields += ["decided_at", "decided_by"]
        if from_status:
            self.save(update_fields=fields)
        else:
            self.save()
        return from_status


class AuditScanBase(WriteOnceModel):
    """One scan of an invoice sent for a document audit, in private storage
    (served by views that check who asks). Every scan is kept, each in its
    own file: a second one adds a row, never replaces the first. Concrete
    scans add the foreign key to their audit."""

    file = models.FileField(
        _("scan of the invoice"),
        upload_to=private_upload_to,
        storage=private_storage,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS), validate_document],
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["sent_at", "pk"]


class JobRun(LeasedJob):
    """One run of a periodic job (``CELERY_BEAT_SCHEDULE``): the task's
    ``name`` and its ``slot`` (the hour or the day it runs for, in local
    time: "2026-11-30T03" or "2026-11-30"), claimed with a lease by the
    worker that runs it (:mod:`common.jobs`). ``result`` is the job's
    short report or the name of the error that failed it, never personal
    data.

    A step of the night's chain (:mod:`common.nightly`: ``name``
    "nightly.<step>", ``slot`` the night's date) also records the rows it
    read and changed, and the class of the error that failed it;
    ``started_at`` (the last claim) and ``finished_at`` time it."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("job run", "queued")
        RUNNING = "running", pgettext_lazy("job run", "running")
        DONE = "done", pgettext_lazy("job run", "done")
        FAILED = "failed", pgettext_lazy("job run", "failed")

    name = models.CharField(_("job"), max_length=200)
    slot = models.CharField(_("slot"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=200, blank=True)
    rows_read = models.PositiveBigIntegerField(_("rows read"), null=True, blank=True)
    rows_changed = models.PositiveBigIntegerField(_("rows changed"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="common_jobrun_one_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.slot}"

    @property
    def duration(self) -> timedelta | None:
        """How long the last attempt took, once finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at
