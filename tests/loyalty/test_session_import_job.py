"""The session import runs in a worker, as the invoice import does
(``common.file_imports``): a job per confirmed preview, its progress on a
page only the company's members see, all or nothing, never twice, finished
by the sweeper when its worker dies or its message is lost (the broker was
down at the upload), its file's client data deleted at the end and after
the retention anyway."""

from __future__ import annotations

import html
import json
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from common import file_imports
from config.celery import app
from loyalty import tasks
from loyalty.models import ServiceSession, SessionImport
from loyalty.services import imports
from tests.reviews.test_invoice_import_faults import worker_lost

pytestmark = pytest.mark.django_db

T0 = "2026-11-30 10:00 +0100"
HEADER = "Référence;Date;Nom;E-mail;Montant\n"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def rows(count: int, start: int = 0) -> str:
    return "".join(
        f"S-{n};{1 + n % 28:02d}/10/2026;Client {n};c{n}@example.org;45,00\n"
        for n in range(start, start + count)
    )


class Killed(BaseException):
    """What ``kill -9`` leaves: no handler runs, the transaction is rolled back."""


@pytest.fixture(autouse=True)
def now():  # a test that moves the clock asks for it
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pro(client, cast):
    client.force_login(cast.owner_a)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def import_url(company) -> str:
    return reverse("loyalty:session-import", args=[company.pk])


def job_url(job: SessionImport) -> str:
    return reverse("loyalty:session-import-job", args=[job.company_id, job.pk])


def upload(client, company, content: str):
    file = SimpleUploadedFile("prestations.csv", content.encode())
    return client.post(import_url(company), {"file": file})


def confirm(client, company):
    """Confirm the preview; the on-commit request to run the job is sent
    (the worker runs in-process here); the response to the confirmation."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(import_url(company), {"step": "confirm"})


def queued_job(cast, content: str) -> SessionImport:
    """A confirmed preview whose message no worker received yet."""
    sheet = imports.session_sheet_read(content=content.encode())
    columns = imports.session_columns.SCHEME.recognise(sheet.header)
    report = imports.sessions_check(company=cast.company_a, sheet=sheet, columns=columns)
    return imports.session_import_create(
        company=cast.company_a,
        actor=cast.owner_a,
        sheet=sheet,
        columns=columns,
        total=len(report.rows),
    )


RUN = tasks.run_session_import  # before any test replaces it


def deliver(job: SessionImport, task_id: str):
    """A worker runs the import's message ``task_id`` (eagerly, here)."""
    return RUN.apply(args=(job.pk,), task_id=task_id)


def deliver_and_kill(job: SessionImport, task_id: str, at: int = 500) -> None:
    """The worker process dies after ``at`` sessions, mid-transaction."""
    real = imports._session_import_file

    def dying(job, progress):
        def progress_then_die(done: int) -> None:
            progress(done)
            if done >= at:
                raise Killed

        return real(job, progress_then_die)

    with mock.patch.object(imports, "_session_import_file", dying), pytest.raises(Killed):
        deliver(job, task_id)


# --- The job, its page and its progress ---------------------------------------------


def test_the_worker_imports_every_row_and_the_page_follows_its_progress(pro, cast):
    assert "1\xa0200 prestations prêtes à importer." in text(
        upload(pro, cast.company_a, HEADER + rows(1200))
    )
    seen = []
    real_set = file_imports.cache.set

    def set_and_poll(key, *args, **kwargs):
        real_set(key, *args, **kwargs)
        if key.startswith(imports.SESSION_IMPORTS.key):  # not the request's own
            job = SessionImport.objects.get()
            seen.append(pro.get(job_url(job), {"format": "json"}).json())

    with mock.patch.object(file_imports.cache, "set", side_effect=set_and_poll):
        response = confirm(pro, cast.company_a)
    job = SessionImport.objects.get()
    assert response["Location"] == job_url(job)
    # The script reads the progress while the worker's transaction hides its rows.
    assert [(poll["status"], poll["done"], poll["total"]) for poll in seen] == [
        ("running", 500, 1200),
        ("running", 1000, 1200),
        ("running", 1200, 1200),
        ("done", 1200, 1200),
    ]
    assert (job.status, job.created_count, job.total, job.content) == ("done", 1200, 1200, "")
    assert ServiceSession.objects.filter(company=cast.company_a).count() == 1200
    page = text(pro.get(job_url(job)))
    assert "1\xa0200 prestations importées." in page
    assert 'id="import-progress" value="1200" max="1200"' in page
    assert reverse("loyalty:sessions", args=[cast.company_a.pk]) in page
    assert "js/progress" in page
    assert "Client 1" not in page  # the page shows no client


def test_a_queued_job_s_page_polls_and_says_so(pro, cast):
    job = queued_job(cast, HEADER + rows(3))
    page = text(pro.get(job_url(job)))
    assert 'data-status="queued"' in page
    assert f'data-url="{job_url(job)}?format=json"' in page
    assert '<meta http-equiv="refresh" content="2">' in page  # without JavaScript
    assert pro.get(job_url(job), {"format": "json"}).json() == {
        "status": "queued",
        "done": 0,
        "total": 3,
        "label": "En file d'attente",
    }


def test_the_duplicates_of_the_preview_are_skipped_and_reported(pro, cast):
    upload(pro, cast.company_a, HEADER + rows(10))
    confirm(pro, cast.company_a)
    upload(pro, cast.company_a, HEADER + rows(15))
    response = confirm(pro, cast.company_a)
    job = SessionImport.objects.latest("pk")
    assert (job.created_count, len(job.skipped)) == (5, 10)
    assert ServiceSession.objects.count() == 15
    assert "5 prestations importées. 10 déjà importées, ignorées." in text(
        pro.get(response["Location"])
    )


def test_a_file_of_duplicates_only_queues_no_job(pro, cast):
    upload(pro, cast.company_a, HEADER + rows(4))
    confirm(pro, cast.company_a)
    upload(pro, cast.company_a, HEADER + rows(4))
    response = confirm(pro, cast.company_a)
    assert response["Location"] == reverse("loyalty:sessions", args=[cast.company_a.pk])
    assert SessionImport.objects.count() == 1
    assert "0 prestation importée. 4 déjà importées, ignorées." in text(
        pro.get(response["Location"])
    )


def test_another_company_s_pro_gets_a_404_on_the_job(client, cast):
    job = queued_job(cast, HEADER + rows(3))
    client.force_login(cast.owner_b)
    assert client.get(job_url(job)).status_code == 404
    assert client.get(job_url(job), {"format": "json"}).status_code == 404
    # Nor through its own company's address.
    other = reverse("loyalty:session-import-job", args=[cast.company_b.pk, job.pk])
    assert client.get(other).status_code == 404


# --- All or nothing, never twice ------------------------------------------------------


def test_a_crash_mid_import_leaves_nothing_and_tells_the_pro(pro, cast):
    job = queued_job(cast, HEADER + rows(1200))
    real = ServiceSession.objects.bulk_create
    calls = []

    def failing(objs, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("bug")
        return real(objs, *args, **kwargs)

    with (
        mock.patch.object(ServiceSession.objects, "bulk_create", failing),
        pytest.raises(ValueError, match="bug"),
    ):
        deliver(job, "message-1")  # raised again, for the worker's log
    job.refresh_from_db()
    assert (job.status, job.content, job.leased_until, job.lease_owner) == ("failed", "", None, "")
    assert not ServiceSession.objects.exists()  # the first batch was rolled back
    page = text(pro.get(job_url(job)))
    assert "erreur inattendue" in page
    assert "enregistrez les prestations une par une" in page
    assert deliver(job, "message-1").result is False  # a failed job is not run again


def test_rows_that_no_longer_check_fail_the_job_with_their_lines(pro, cast, now):
    job = queued_job(cast, HEADER + "S-1;30/11/2026;Luc Petit;;\n")
    now.move_to("2026-11-29 10:00 +0100")  # the date is now in the future
    deliver(job, "message-1")
    job.refresh_from_db()
    assert (job.status, job.content) == ("failed", "")
    assert job.errors == ["ligne 2 : la date est dans le futur (30/11/2026)"]
    assert not ServiceSession.objects.exists()


def test_a_message_delivered_twice_imports_once(cast):
    job = queued_job(cast, HEADER + rows(120))
    assert deliver(job, "message-1").result is True
    assert deliver(job, "message-1").result is False  # redelivered: already done
    assert deliver(job, "another-message").result is False
    assert ServiceSession.objects.count() == 120
    job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts) == ("done", 120, 1)


def test_two_jobs_of_one_file_record_its_sessions_once(cast):
    first, second = queued_job(cast, HEADER + rows(50)), queued_job(cast, HEADER + rows(50))
    deliver(first, "message-1")
    deliver(second, "message-2")
    second.refresh_from_db()
    assert (second.status, second.created_count, len(second.skipped)) == ("done", 0, 50)
    assert ServiceSession.objects.count() == 50


def test_a_concurrent_import_of_the_same_references_fails_the_job_whole(cast):
    """The references were free at the check, taken before the insert (the
    unique constraint decides): nothing of the job is kept."""
    job = queued_job(cast, HEADER + rows(600))
    stored = json.loads(job.content)
    sheet = imports.Sheet.from_session(stored["sheet"])
    checked = imports.sessions_check(company=cast.company_a, sheet=sheet, columns=stored["columns"])
    other = checked.rows[550]  # recorded by another import after the check
    ServiceSession.objects.create(
        company=cast.company_a,
        client_key=other.client_key,
        performed_on=other.performed_on,
        source="csv",
        reference=other.reference,
    )
    with mock.patch.object(imports, "sessions_check", return_value=checked):
        deliver(job, "message-1")
    job.refresh_from_db()
    assert job.status == "failed"
    assert "importées entre-temps" in job.errors[0]
    assert ServiceSession.objects.count() == 1  # only the other import's


# --- The sweeper, the purge, the broker ---------------------------------------------


def test_a_dead_worker_s_job_is_requeued_by_the_sweeper_and_completes_once(cast, now):
    job = queued_job(cast, HEADER + rows(1200))
    deliver_and_kill(job, "message-1")
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)
    assert not ServiceSession.objects.exists()
    now.shift(file_imports.LEASE - timedelta(seconds=1))
    assert tasks.sweep_session_imports() == {"requeued": 0, "failed": 0}  # its lease holds
    now.shift(timedelta(seconds=2))
    assert tasks.sweep_session_imports() == {"requeued": 1, "failed": 0}  # run here, eagerly
    assert deliver(job, "message-1").result is False  # the dead worker's message, late
    job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts, job.content) == ("done", 1200, 2, "")
    assert ServiceSession.objects.count() == 1200


def test_a_job_that_kills_every_worker_is_failed(pro, cast, now):
    job = queued_job(cast, HEADER + rows(600))
    with mock.patch.object(tasks, "run_session_import") as sent:  # its messages, not run
        for attempt in range(file_imports.MAX_ATTEMPTS):
            deliver_and_kill(job, f"message-{attempt}")
            now.shift(file_imports.LEASE + timedelta(seconds=1))
            tasks.sweep_session_imports()
    assert sent.apply_async.call_count == 2
    job.refresh_from_db()
    assert (job.status, job.content) == ("failed", "")
    assert "interrompu plusieurs fois" in text(pro.get(job_url(job)))


def test_the_purge_deletes_the_client_data_after_the_retention(settings, cast, now):
    settings.INVOICE_IMPORT_RETENTION = timedelta(hours=24)
    queued = queued_job(cast, HEADER + rows(3))
    done = queued_job(cast, HEADER + rows(3, start=10))
    SessionImport.objects.filter(pk=done.pk).update(status="done")  # content left by a bug
    now.shift(timedelta(hours=23))
    recent = queued_job(cast, HEADER + rows(3, start=20))
    assert tasks.purge_session_imports() == 0
    now.shift(timedelta(hours=1, seconds=1))
    assert tasks.purge_session_imports() == 2
    jobs = {job.pk: job for job in SessionImport.objects.all()}
    assert [jobs[job.pk].content for job in (queued, done)] == ["", ""]
    assert jobs[queued.pk].status == "failed"
    assert "n'a pas pu commencer" in jobs[queued.pk].errors[0]
    assert "Client 20" in jobs[recent.pk].content  # still within the retention


def test_a_broker_down_at_the_upload_answers_a_redirect_and_the_sweeper_runs_the_job(
    pro, cast, now
):
    upload(pro, cast.company_a, HEADER + rows(30))
    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = UNREACHABLE_REDIS, False
    try:
        started = time.perf_counter()
        response = confirm(pro, cast.company_a)
        elapsed = time.perf_counter() - started
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous
    job = SessionImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    assert elapsed < 3  # one attempt, no back-off
    assert job.status == "queued"
    assert not ServiceSession.objects.exists()
    assert pro.get(job_url(job)).status_code == 200
    now.shift(file_imports.QUEUE_PATIENCE + timedelta(seconds=1))
    assert tasks.sweep_session_imports() == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert (job.status, job.created_count, job.content) == ("done", 30, "")
    assert ServiceSession.objects.count() == 30


@pytest.mark.parametrize(
    "task_name",
    [
        "loyalty.tasks.run_session_import",
        "loyalty.tasks.sweep_session_imports",
        "loyalty.tasks.purge_session_imports",
    ],
)
def test_the_message_of_a_lost_worker_goes_back_to_the_queue(task_name):
    assert worker_lost(task_name, (1,) if "run_" in task_name else ()) == [("reject", True)]


def test_the_sweeper_and_the_purge_are_scheduled(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"loyalty.tasks.sweep_session_imports", "loyalty.tasks.purge_session_imports"} <= (
        scheduled
    )


# --- The size of a file ---------------------------------------------------------------


def test_years_of_daily_sessions_are_imported_at_once(pro, cast):
    content = HEADER + "".join(
        f"J-{n};{(timezone.localdate() - timedelta(days=n % 3650)).strftime('%d/%m/%Y')};Léo;;20\n"
        for n in range(imports.MAX_ROWS)
    )
    assert imports.MAX_ROWS >= 20_000
    assert len(content.encode()) < 2 * 1024 * 1024  # under the reader's size limit
    assert "20\xa0000 prestations prêtes" in text(upload(pro, cast.company_a, content))
    confirm(pro, cast.company_a)
    assert SessionImport.objects.get().created_count == imports.MAX_ROWS
    assert ServiceSession.objects.count() == imports.MAX_ROWS


def test_a_file_over_the_limit_is_refused_clearly(pro, cast):
    content = HEADER + rows(imports.MAX_ROWS + 1)
    page = text(upload(pro, cast.company_a, content))
    assert "Le fichier contient plus de 20\xa0000 prestations : découpez-le" in page
    assert confirm(pro, cast.company_a)["Location"] == import_url(cast.company_a)
    assert not SessionImport.objects.exists()
    assert not ServiceSession.objects.exists()
