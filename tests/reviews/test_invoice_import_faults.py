"""Invoice imports whose worker dies are finished by someone: the message of
a lost worker goes back to the queue, a job whose heartbeat stopped is
re-queued or failed by the sweeper, a crash fails the job, and the file's
client data is deleted whatever happens. Faults are injected: a
``WorkerLostError`` handed to Celery's own request handling, a kill
simulated by an exception no handler catches (as after ``kill -9``, the
import's transaction is rolled back and the job row is left ``running``),
an exception raised inside the import's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

import pytest
import time_machine
from billiard.einfo import ExceptionInfo
from billiard.exceptions import WorkerLostError
from celery.contrib.testing.mocks import TaskMessage
from celery.exceptions import SoftTimeLimitExceeded
from celery.worker.request import Request
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, connections
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from common import file_imports
from config.celery import app
from reviews import tasks
from reviews.models import Invoice, InvoiceImport
from reviews.services import invoices
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

T0 = "2026-11-30 10:00 +0100"
ROWS = 120  # more than two progress steps (IMPORT_PROGRESS_STEP)


class Killed(BaseException):
    """What ``kill -9`` leaves: no ``except Exception`` runs, the import's
    transaction is rolled back, the job row stays as the worker left it."""


def queued_job(cast, rows: int = ROWS) -> InvoiceImport:
    content = "".join(
        f"N-{n};2026-11-01;{n + 1}.50;Client {n};;c{n}@example.org;\n" for n in range(rows)
    )
    return invoices.invoice_import_create(
        company=cast.company_a,
        actor=cast.member_a,
        content=";".join(invoices.CSV_COLUMNS) + "\n" + content,
        total=rows,
    )


RUN = tasks.run_invoice_import


def deliver(job: InvoiceImport, task_id: str):
    """A worker runs the import's message ``task_id`` (eagerly, here)."""
    return RUN.apply(args=(job.pk,), task_id=task_id)


def deliver_and_kill(job: InvoiceImport, task_id: str, at: int = 50):
    """The worker process dies after ``at`` invoices, mid-transaction."""
    real = invoices.invoices_import_file

    def dying(**kwargs):
        progress = kwargs["progress"]

        def progress_then_die(done: int) -> None:
            progress(done)
            if done >= at:
                raise Killed

        return real(**{**kwargs, "progress": progress_then_die})

    with mock.patch.object(invoices, "invoices_import_file", dying), pytest.raises(Killed):
        deliver(job, task_id)


def import_page(client, cast, job: InvoiceImport) -> str:
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("reviews:invoice-import-job", args=[cast.company_a.pk, job.pk])
    return client.get(url).content.decode()


# --- The message of a lost worker ---------------------------------------------


def worker_lost(task_name: str, args: tuple) -> list[tuple[str, bool]]:
    """Hand ``WorkerLostError`` (the pool process died under the task) to
    Celery's request handling, as the worker's main process does; returns
    what it did with the message: ("ack", False) or ("reject", requeue)."""
    done: list[tuple[str, bool]] = []
    message = TaskMessage(task_name, args=args)
    request = Request(
        message,
        app=app,
        task=app.tasks[task_name],
        on_ack=lambda *a: done.append(("ack", False)),
        on_reject=lambda logger, errors, requeue: done.append(("reject", requeue)),
    )
    try:
        raise WorkerLostError("Worker exited prematurely: signal 9 (SIGKILL) Job: 0.")
    except WorkerLostError:
        request.on_failure(ExceptionInfo(), send_failed_event=False)
    return done


@pytest.mark.parametrize(
    "task_name",
    [
        "reviews.tasks.run_invoice_import",
        "reviews.tasks.sweep_invoice_imports",
        "reviews.tasks.purge_invoice_imports",
    ],
)
def test_the_message_of_a_lost_worker_goes_back_to_the_queue_for_idempotent_jobs(task_name):
    assert worker_lost(task_name, (1,) if "run_" in task_name else ()) == [("reject", True)]


def test_the_message_of_a_lost_worker_is_not_run_again_for_other_tasks():
    """Not globally: a task that is not safe to run twice keeps the default
    (the periodic jobs are idempotent and leased, see tests/common/test_job_runs)."""
    assert worker_lost("common.tasks.send_outbox_email", (1,)) == [("ack", False)]


# --- A worker killed mid-import ------------------------------------------------


def test_a_killed_import_is_left_running_until_its_message_comes_back(cast):
    with time_machine.travel(T0, tick=False):
        job = queued_job(cast)
        deliver_and_kill(job, "message-1")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.lease_owner) == ("running", 1, "message-1")
    assert job.leased_until == job.started_at + invoices.IMPORT_LEASE
    assert not Invoice.objects.exists()  # the transaction was rolled back


def test_the_redelivered_message_finishes_the_import_exactly_once(client, cast):
    with time_machine.travel(T0, tick=False):
        job = queued_job(cast)
        deliver_and_kill(job, "message-1")
        assert deliver(job, "message-1").result is True  # redelivered after WorkerLostError
        assert deliver(job, "message-1").result is False  # and once more: nothing to do
        assert deliver(job, "another-message").result is False
    job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts, job.content) == ("done", ROWS, 2, "")
    assert (job.leased_until, job.lease_owner) == (None, "")
    assert Invoice.objects.count() == ROWS
    assert "Factures importées : 120." in import_page(client, cast, job)


def test_a_second_message_does_not_take_a_job_whose_lease_is_held(cast):
    with time_machine.travel(T0, tick=False) as traveller:
        job = queued_job(cast)
        deliver_and_kill(job, "message-1")
        traveller.shift(invoices.IMPORT_LEASE - timedelta(seconds=1))
        assert deliver(job, "message-2").result is False
    job.refresh_from_db()
    assert (job.status, job.lease_owner, job.attempts) == ("running", "message-1", 1)


# --- The sweeper ----------------------------------------------------------------


def test_the_sweeper_leaves_a_job_whose_lease_is_held(cast):
    with time_machine.travel(T0, tick=False) as traveller:
        job = queued_job(cast)
        deliver_and_kill(job, "message-1")
        traveller.shift(invoices.IMPORT_LEASE - timedelta(seconds=1))
        assert tasks.sweep_invoice_imports() == {"requeued": 0, "failed": 0}
    job.refresh_from_db()
    assert job.status == "running"


def test_a_job_whose_heartbeat_stopped_is_requeued_and_completes_once(client, cast):
    with time_machine.travel(T0, tick=False) as traveller:
        job = queued_job(cast)
        deliver_and_kill(job, "message-1")
        traveller.shift(invoices.IMPORT_LEASE + timedelta(seconds=1))
        # The sweeper queues it again; the worker (eager here) runs it.
        assert tasks.sweep_invoice_imports() == {"requeued": 1, "failed": 0}
        # The dead worker's message, redelivered late, finds nothing to do.
        assert deliver(job, "message-1").result is False
        assert tasks.sweep_invoice_imports() == {"requeued": 0, "failed": 0}
    job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts, job.content) == ("done", ROWS, 2, "")
    assert Invoice.objects.count() == ROWS
    assert len(set(Invoice.objects.values_list("number", flat=True))) == ROWS


def test_a_job_that_kills_every_worker_is_failed_with_a_message_for_the_pro(client, cast):
    reports = []
    with (
        time_machine.travel(T0, tick=False) as traveller,
        mock.patch.object(tasks, "run_invoice_import") as sent,  # its messages, not run here
    ):
        job = queued_job(cast)
        for attempt in range(invoices.IMPORT_MAX_ATTEMPTS):
            deliver_and_kill(job, f"message-{attempt}")
            traveller.shift(invoices.IMPORT_LEASE + timedelta(seconds=1))
            reports.append(tasks.sweep_invoice_imports())
    job.refresh_from_db()
    assert reports == [{"requeued": 1, "failed": 0}] * 2 + [{"requeued": 0, "failed": 1}]
    assert sent.apply_async.call_count == 2
    assert (job.status, job.content, job.leased_until) == ("failed", "", None)
    assert not Invoice.objects.exists()
    page = import_page(client, cast, job)
    assert "interrompu plusieurs fois" in page
    assert "envoyez à nouveau le fichier" in page
    url = reverse("reviews:invoice-import-job", args=[cast.company_a.pk, job.pk])
    assert client.get(url, {"format": "json"}).json()["status"] == "failed"


def test_a_queued_job_whose_message_was_lost_is_sent_again(cast):
    with time_machine.travel(T0, tick=False) as traveller:
        job = queued_job(cast)  # the broker lost its message: never delivered
        traveller.shift(invoices.IMPORT_QUEUE_PATIENCE - timedelta(seconds=1))
        assert tasks.sweep_invoice_imports() == {"requeued": 0, "failed": 0}
        traveller.shift(timedelta(seconds=2))
        assert tasks.sweep_invoice_imports() == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert (job.status, job.created_count, job.content) == ("done", ROWS, "")


def test_a_broker_down_at_the_confirmation_leaves_the_job_to_the_sweeper(client, cast):
    """The upload answers its redirect at once; the job waits, queued."""
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    header = "N° facture;Date;Montant;Client;E-mail\n"
    client.post(
        url,
        {
            "file": SimpleUploadedFile(
                "f.csv", (header + "F-1;1/3/25;10;Luc Petit;l@e.fr\n").encode()
            )
        },
    )
    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(url, {"step": "confirm"})
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous
    job = InvoiceImport.objects.get()
    assert response.status_code == 302
    assert (job.status, job.attempts) == ("queued", 0)
    with time_machine.travel(
        timezone.now() + invoices.IMPORT_QUEUE_PATIENCE + timedelta(seconds=1)
    ):
        assert tasks.sweep_invoice_imports() == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 1)


# --- A crash inside the import ----------------------------------------------------


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (IntegrityError("duplicate key"), "erreur inattendue"),
        (ValueError("bug"), "erreur inattendue"),
        (SoftTimeLimitExceeded(), "trop longtemps"),
    ],
)
def test_a_crash_inside_the_transaction_fails_the_job_and_deletes_the_file(
    client, cast, error, shown
):
    job = queued_job(cast)
    real = invoices.invoice_create
    calls = []

    def failing(**kwargs):
        calls.append(1)
        if len(calls) == 70:
            raise error
        return real(**kwargs)

    with mock.patch.object(invoices, "invoice_create", failing), pytest.raises(type(error)):
        deliver(job, "message-1")  # raised again, for the worker's log
    job.refresh_from_db()
    assert (job.status, job.content, job.leased_until, job.lease_owner) == ("failed", "", None, "")
    assert not Invoice.objects.exists()  # all or nothing
    assert shown in import_page(client, cast, job)
    assert deliver(job, "message-1").result is False  # a failed job is not run again


def test_a_file_that_no_longer_reads_fails_the_job_and_deletes_it(client, cast):
    job = invoices.invoice_import_create(
        company=cast.company_a, actor=cast.member_a, content="Facture;Somme\nF-1;12\n", total=1
    )
    deliver(job, "message-1")
    job.refresh_from_db()
    assert (job.status, job.content) == ("failed", "")
    assert job.errors


# --- Retention ------------------------------------------------------------------


def test_the_client_data_of_every_import_is_purged_after_the_retention(settings, cast):
    settings.INVOICE_IMPORT_RETENTION = timedelta(hours=24)
    with time_machine.travel(T0, tick=False) as traveller:
        queued, running, ended = queued_job(cast), queued_job(cast), queued_job(cast)
        InvoiceImport.objects.filter(pk=running.pk).update(
            status="running", leased_until=timezone.now() + timedelta(days=9)
        )
        InvoiceImport.objects.filter(pk=ended.pk).update(status="done")  # kept by an old version
        traveller.shift(timedelta(hours=23))
        recent = queued_job(cast)
        assert tasks.purge_invoice_imports() == 0
        traveller.shift(timedelta(hours=1, seconds=1))
        assert tasks.purge_invoice_imports() == 3
        assert tasks.sweep_invoice_imports() == {"requeued": 1, "failed": 0}  # only the recent
    jobs = {job.pk: job for job in InvoiceImport.objects.all()}
    assert [jobs[job.pk].content for job in (queued, running, ended)] == ["", "", ""]
    assert [jobs[job.pk].status for job in (queued, running, ended)] == ["failed"] * 2 + ["done"]
    assert "n'a pas pu commencer" in jobs[queued.pk].errors[0]
    assert jobs[recent.pk].status == "done"


def test_the_sweeper_and_the_purge_are_scheduled(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"reviews.tasks.sweep_invoice_imports", "reviews.tasks.purge_invoice_imports"} <= (
        tasks_scheduled
    )


# --- The heartbeat ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_visible_outside_the_import_transaction(cast):
    """The import runs in one transaction; its lease is renewed through a
    connection of its own, so the sweeper sees it while the import runs."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows one writer: the lease taken at the claim covers the run")
    job = queued_job(cast, rows=160)
    seen = []
    real = file_imports.lease_renew

    def renew_and_look(model, **kwargs):
        assert real(model, **kwargs) is True
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT leased_until FROM reviews_invoiceimport WHERE id = %s", [job.pk]
                )
                seen.append(cursor.fetchone()[0])
        finally:
            other.close()
        return True

    with (
        time_machine.travel(T0) as traveller,
        mock.patch.object(file_imports, "lease_renew", renew_and_look),
        mock.patch.object(
            file_imports.cache, "set", side_effect=lambda *a, **k: traveller.shift(30)
        ),
    ):
        deliver(job, "message-1")
    claimed_until = datetime.fromisoformat("2026-11-30T10:02:00+01:00")
    assert len(seen) == 3
    assert seen[0] > claimed_until
    assert seen == sorted(seen)
