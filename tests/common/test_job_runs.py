"""Periodic jobs that die are finished by someone (``common.jobs``): each
run of a job of ``CELERY_BEAT_SCHEDULE`` is leased once per slot, so an
overlapping run skips, a done slot is not redone, a killed worker's run is
queued again by the sweeper and completes exactly once, and a run that
kills every worker is failed where staff see it. Faults are injected: a
kill simulated by an exception no handler catches (the run row is left
``running`` under its lease), a ``WorkerLostError`` handed to Celery's
own request handling."""

from __future__ import annotations

import logging
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from common import jobs
from common import tasks as common_tasks
from common.models import JobRun
from config.celery import app
from directory.models import Profession
from directory.taxonomy import services as taxonomy_services
from directory.taxonomy import tasks as taxonomy_tasks
from reviews import tasks as reviews_tasks
from reviews.services import retention
from tests.factories import CompanyFactory
from tests.reviews.test_invoice_import_faults import worker_lost

pytestmark = pytest.mark.django_db
app.loader.import_default_modules()  # every task of the beat schedule registered

T0 = "2026-11-30 10:20 +0100"
COUNTS = taxonomy_tasks.refresh_profession_counts  # hourly, time limit 6 minutes
LEASE = timedelta(seconds=COUNTS.time_limit) + jobs.LEASE_MARGIN

PERIODIC = [
    "reviews.tasks.send_reminders",
    "reviews.tasks.verify_review_log",
    "reviews.tasks.apply_retention",
    "prospects.tasks.anonymise_lost_prospects",
    "directory.taxonomy.tasks.refresh_profession_counts",
    "directory.quotes.tasks.purge_unconfirmed_quote_requests",
]


class Killed(BaseException):
    """What ``kill -9`` leaves: no ``except Exception`` runs, the run row
    stays as the worker left it (``running``, its lease held)."""


def deliver(task_id: str, task=COUNTS, **kwargs):
    """A worker runs the job's message ``task_id`` (eagerly, here)."""
    return task.apply(kwargs=kwargs, task_id=task_id)


def deliver_and_kill(task_id: str) -> None:
    with (
        mock.patch.object(taxonomy_services, "profession_counts_refresh", side_effect=Killed),
        pytest.raises(Killed),
    ):
        deliver(task_id)


def the_run(task=COUNTS) -> JobRun:
    return JobRun.objects.get(name=task.name)


@pytest.fixture
def listed(taxonomy, places):
    """Three listed electricians: the counts job has something to write."""
    CompanyFactory.create_batch(3, primary_profession=taxonomy["electricien"])
    return taxonomy["electricien"]


# --- One run per slot ---------------------------------------------------------------


def test_a_run_is_recorded_done_with_its_short_result(listed):
    with time_machine.travel(T0, tick=False):
        assert deliver("beat-1").result == Profession.objects.count()
    run = the_run()
    assert (run.slot, run.status, run.attempts) == ("2026-11-30T10", "done", 1)
    assert run.result == str(Profession.objects.count())
    assert (run.leased_until, run.lease_owner) == (None, "")
    assert run.finished_at is not None
    listed.refresh_from_db()
    assert listed.listed_company_count == 3


def test_a_done_slot_is_not_redone_but_the_next_slot_runs(listed, caplog):
    with time_machine.travel(T0, tick=False) as traveller:
        deliver("beat-1")
        with mock.patch.object(taxonomy_services, "profession_counts_refresh") as work:
            with caplog.at_level(logging.INFO, logger="common.jobs"):
                assert deliver("beat-2").result is None  # the same hour, beat sent it twice
            assert deliver("beat-1").result is None  # its own message, delivered again
            work.assert_not_called()
            traveller.shift(timedelta(hours=1))
            deliver("beat-3")
            work.assert_called_once()
    assert list(JobRun.objects.order_by("slot").values_list("slot", "status")) == [
        ("2026-11-30T10", "done"),
        ("2026-11-30T11", "done"),
    ]
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert skipped == [f"job {COUNTS.name} 2026-11-30T10 skipped: done, attempts 1"] * 2


def test_a_daily_job_runs_once_a_day_in_local_time(cast):
    # 00:30 in Paris is still the 29th in UTC: the slot is the local day.
    with time_machine.travel("2026-11-30 00:30 +0100", tick=False):
        assert deliver("beat-1", reviews_tasks.apply_retention).result is not None
        with mock.patch.object(retention, "retention_apply") as work:
            traveller_run = deliver("beat-2", reviews_tasks.apply_retention)
    assert traveller_run.result is None
    work.assert_not_called()
    assert the_run(reviews_tasks.apply_retention).slot == "2026-11-30"


def test_an_overlapping_run_skips_while_the_first_works(listed):
    """Beat sends the job again while the first run still works (a slow
    run, a second beat): the second skips, the first finishes."""
    real = taxonomy_services.profession_counts_refresh
    second = []

    def slow_first_run():
        second.append(deliver("beat-2").result)
        return real()

    with (
        time_machine.travel(T0, tick=False),
        mock.patch.object(
            taxonomy_services, "profession_counts_refresh", side_effect=slow_first_run
        ),
    ):
        assert deliver("beat-1").result == Profession.objects.count()
    assert second == [None]
    run = the_run()
    assert (run.status, run.attempts) == ("done", 1)


def test_the_next_slot_skips_while_a_run_of_the_previous_slot_holds_its_lease(listed):
    with time_machine.travel("2026-11-30 10:58 +0100", tick=False) as traveller:
        deliver_and_kill("beat-10h")
        traveller.shift(timedelta(minutes=3))  # 11:01, the 10 o'clock lease still held
        with mock.patch.object(taxonomy_services, "profession_counts_refresh") as work:
            assert deliver("beat-11h").result is None
        work.assert_not_called()
        traveller.shift(LEASE)  # the dead run's lease expired: the next hour's run may work
        assert deliver("beat-11h").result == Profession.objects.count()
    assert dict(JobRun.objects.values_list("slot", "status")) == {
        "2026-11-30T10": "running",  # for the sweeper
        "2026-11-30T11": "done",
    }


def test_an_error_fails_the_run_with_its_class_name_and_the_slot_is_not_redone(listed):
    with (
        time_machine.travel(T0, tick=False),
        mock.patch.object(
            taxonomy_services, "profession_counts_refresh", side_effect=ValueError("secret")
        ),
    ):
        with pytest.raises(ValueError, match="secret"):
            deliver("beat-1")
        assert deliver("beat-2").result is None
    run = the_run()
    assert (run.status, run.result, run.error, run.attempts, run.lease_owner) == (
        "failed",
        "ValueError",
        "ValueError",
        1,
        "",
    )


def test_a_leased_job_needs_a_time_limit():
    task = mock.Mock(time_limit=None, request=mock.Mock(id="x"))
    task.name = "some.job"
    with pytest.raises(TypeError, match="time_limit"):
        jobs.leased_run(period="hour")(lambda: 1)(task)


@pytest.mark.parametrize("task_name", PERIODIC)
def test_every_periodic_job_is_leased_longer_than_its_time_limit(task_name):
    task = app.tasks[task_name]
    assert task.time_limit > task.soft_time_limit
    with mock.patch.object(jobs, "job_run_claim", return_value=None) as claim:
        assert task.apply(task_id="m").result is None
    assert claim.call_args.kwargs["lease"] > timedelta(seconds=task.time_limit)
    assert claim.call_args.kwargs["name"] == task_name


# --- A worker killed mid-run ---------------------------------------------------------


def test_a_killed_run_is_left_running_under_its_lease(listed):
    with time_machine.travel(T0, tick=False):
        deliver_and_kill("beat-1")
    run = the_run()
    assert (run.status, run.attempts, run.lease_owner) == ("running", 1, "beat-1")
    assert run.leased_until == run.started_at + LEASE


def test_the_redelivered_message_finishes_the_run_exactly_once(listed):
    with time_machine.travel(T0, tick=False):
        deliver_and_kill("beat-1")
        assert deliver("beat-1").result == Profession.objects.count()  # after WorkerLostError
        assert deliver("beat-1").result is None
    run = the_run()
    assert (run.status, run.attempts) == ("done", 2)


@pytest.mark.parametrize("task_name", [*PERIODIC, "common.tasks.job_runs_sweep"])
def test_the_message_of_a_lost_worker_goes_back_to_the_queue(task_name):
    assert worker_lost(task_name, ()) == [("reject", True)]


# --- The sweeper ------------------------------------------------------------------------


def test_the_sweeper_leaves_a_run_whose_lease_is_held(listed):
    with time_machine.travel(T0, tick=False) as traveller:
        deliver_and_kill("beat-1")
        traveller.shift(LEASE - timedelta(seconds=1))
        assert common_tasks.job_runs_sweep() == {"requeued": 0, "failed": 0}
    assert the_run().status == "running"


def test_a_killed_run_is_requeued_by_the_sweeper_and_completes_exactly_once(listed):
    calls = []
    real = taxonomy_services.profession_counts_refresh

    def counted():
        calls.append(1)
        return real()

    with time_machine.travel(T0, tick=False) as traveller:
        deliver_and_kill("beat-1")
        traveller.shift(LEASE + timedelta(seconds=1))
        with mock.patch.object(taxonomy_services, "profession_counts_refresh", counted):
            # Later the same day, in another hour: the run keeps its slot.
            traveller.shift(timedelta(hours=1))
            # The sweeper queues it again; the worker (eager here) runs it.
            assert common_tasks.job_runs_sweep() == {"requeued": 1, "failed": 0}
            # The dead worker's message, redelivered late, finds nothing to do.
            assert deliver("beat-1", slot="2026-11-30T10").result is None
            assert common_tasks.job_runs_sweep() == {"requeued": 0, "failed": 0}
    assert calls == [1]
    run = JobRun.objects.get(slot="2026-11-30T10")
    assert (run.status, run.attempts, run.lease_owner) == ("done", 2, "")
    listed.refresh_from_db()
    assert listed.listed_company_count == 3


def test_a_run_that_kills_every_worker_is_failed_and_shown_to_staff(listed, admin_client):
    reports = []
    with (
        time_machine.travel(T0, tick=False) as traveller,
        mock.patch.object(COUNTS, "apply_async") as sent,  # its messages, not run here
    ):
        for attempt in range(jobs.JOB_RUN_MAX_ATTEMPTS):
            deliver_and_kill(f"message-{attempt}")
            if attempt == 0:
                slot = the_run().slot
            traveller.shift(LEASE + timedelta(seconds=1))
            reports.append(common_tasks.job_runs_sweep())
        # A late message of the dead run does not claim it again.
        with mock.patch.object(taxonomy_services, "profession_counts_refresh") as work:
            assert deliver("message-0", slot=slot).result is None
        work.assert_not_called()
    assert reports == [{"requeued": 1, "failed": 0}] * 2 + [{"requeued": 0, "failed": 1}]
    assert [c.kwargs["kwargs"] for c in sent.call_args_list] == [{"slot": slot}] * 2
    run = the_run()
    assert (run.status, run.attempts, run.leased_until) == ("failed", 3, None)
    assert run.result == "worker lost 3 times"
    page = admin_client.get(reverse("admin:common_jobrun_changelist")).content.decode()
    assert COUNTS.name in page
    assert "worker lost 3 times" in page
    detail = admin_client.get(reverse("admin:common_jobrun_change", args=[run.pk]))
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content  # read-only


def test_a_requeued_run_whose_message_was_lost_is_sent_again(listed):
    with (
        time_machine.travel(T0, tick=False) as traveller,
        mock.patch.object(COUNTS, "apply_async") as sent,  # the broker loses them
    ):
        deliver_and_kill("beat-1")
        traveller.shift(LEASE + timedelta(seconds=1))
        assert common_tasks.job_runs_sweep() == {"requeued": 1, "failed": 0}
        traveller.shift(jobs.QUEUE_PATIENCE - timedelta(seconds=1))
        assert common_tasks.job_runs_sweep() == {"requeued": 0, "failed": 0}
        traveller.shift(timedelta(seconds=2))
        assert common_tasks.job_runs_sweep() == {"requeued": 1, "failed": 0}
    assert sent.call_count == 2
    assert the_run().status == "queued"


def test_other_jobs_are_swept_with_their_own_task(cast):
    with (
        time_machine.travel(T0, tick=False) as traveller,
        mock.patch.object(retention, "retention_apply", side_effect=Killed),
        pytest.raises(Killed),
    ):
        deliver("beat-1", reviews_tasks.apply_retention)
    with time_machine.travel(T0, tick=False) as traveller:
        traveller.shift(timedelta(hours=2))
        assert common_tasks.job_runs_sweep() == {"requeued": 1, "failed": 0}
    run = the_run(reviews_tasks.apply_retention)
    assert (run.slot, run.status, run.attempts) == ("2026-11-30", "done", 2)


def test_the_beat_schedule_holds_the_sweeper():
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    sweeper = schedule["common.tasks.job_runs_sweep"]
    assert sweeper["schedule"] <= 5 * 60
    assert 0 < sweeper["options"]["expires"] <= sweeper["schedule"]
    assert set(PERIODIC) <= set(schedule)
