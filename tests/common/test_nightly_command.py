"""``manage.py nightly`` runs the worker's chain in the foreground: the
same steps, order, leases and records, each step's duration and rows
printed; bad arguments are refused before anything runs."""

from __future__ import annotations

import copy
import time
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from common import nightly
from common.models import JobRun
from loyalty import tasks as loyalty_tasks

pytestmark = pytest.mark.django_db

NIGHT = "2026-11-30 09:00 +0100"
STEPS = list(settings.NIGHTLY_STEPS)
STATS_REFRESH = "reviews.services.stats.company_review_stats_refresh"


def nightly_command(*args: str) -> str:
    out = StringIO()
    call_command("nightly", *args, stdout=out)
    return out.getvalue()


def recorded() -> dict[str, tuple[str, str]]:
    return {
        run.name.removeprefix(nightly.JOB_PREFIX): (run.slot, run.status)
        for run in JobRun.objects.filter(name__startswith=nightly.JOB_PREFIX)
    }


def test_it_runs_every_step_in_order_and_prints_durations_and_rows(cast):
    with time_machine.travel(NIGHT, tick=False):
        out = nightly_command()
    lines = out.splitlines()
    assert lines[0] == f"Night of 2026-11-30: {len(STEPS)} step(s)."
    assert [line.split()[0] for line in lines[1:]] == STEPS
    for line in lines[1:]:
        assert " done in " in line
        assert " s · read " in line
        assert ", changed " in line
    assert recorded() == dict.fromkeys(STEPS, ("2026-11-30", "done"))


def test_a_second_run_the_same_night_does_nothing_again(cast):
    with time_machine.travel(NIGHT, tick=False) as traveller:
        nightly_command()
        finished = set(JobRun.objects.values_list("pk", "finished_at"))
        traveller.shift(timedelta(hours=1))
        out = nightly_command()
    assert out.count("already done for this night") == len(STEPS)
    assert set(JobRun.objects.values_list("pk", "finished_at")) == finished


def test_only_runs_one_step(cast):
    with time_machine.travel(NIGHT, tick=False):
        out = nightly_command("--only", "review-stats")
    assert out.splitlines()[1].startswith("review-stats")
    assert recorded() == {"review-stats": ("2026-11-30", "done")}


def test_date_records_the_runs_under_that_night(cast):
    with time_machine.travel(NIGHT, tick=False):
        nightly_command("--date", "2026-11-28", "--only", "search-keys")
    assert recorded() == {"search-keys": ("2026-11-28", "done")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "30/11/2026"], "is not a date written YYYY-MM-DD"),
        (["--date", "2026-12-01"], "has not come yet"),
        (["--only", "review_stats"], "the steps are: review-audits, session-audits"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_runs(cast, args, message):
    with time_machine.travel(NIGHT, tick=False), pytest.raises(CommandError, match=message):
        nightly_command(*args)
    assert not JobRun.objects.exists()


def test_a_failed_step_stops_the_chain_and_the_command_fails(cast):
    with (
        time_machine.travel(NIGHT, tick=False),
        mock.patch.object(loyalty_tasks, "scores_recompute", side_effect=ZeroDivisionError),
        pytest.raises(CommandError, match="Step loyalty-scores failed \\(ZeroDivisionError\\)"),
    ):
        nightly_command()
    assert recorded() == {
        "review-audits": ("2026-11-30", "done"),
        "session-audits": ("2026-11-30", "done"),
        "review-stats": ("2026-11-30", "done"),
        "loyalty-scores": ("2026-11-30", "failed"),
    }
    # Run again: it resumes at the failed step.
    with time_machine.travel(NIGHT, tick=False):
        out = nightly_command()
    assert out.count("already done") == 3
    assert recorded() == dict.fromkeys(STEPS, ("2026-11-30", "done"))


def test_a_step_held_by_a_worker_stops_the_command_without_failing(cast):
    with time_machine.travel(NIGHT, tick=False):
        JobRun.objects.create(
            name="nightly.review-audits",
            slot="2026-11-30",
            status=JobRun.Status.RUNNING,
            lease_owner="worker-task",
            leased_until=timezone.now() + timedelta(minutes=5),
            attempts=1,
        )
        out = nightly_command()
    assert "review-audits    busy" in out
    assert "held by another run" in out
    assert recorded() == {"review-audits": ("2026-11-30", "running")}


def test_the_foreground_keeps_the_steps_soft_time_limit(cast):
    steps = copy.deepcopy(settings.NIGHTLY_STEPS)
    steps["review-stats"]["soft_time_limit"] = 0.2

    def slow(**kwargs):
        time.sleep(2)

    with (
        override_settings(NIGHTLY_STEPS=steps),
        mock.patch("reviews.services.stats.company_review_stats_refresh", side_effect=slow),
        pytest.raises(CommandError, match="SoftTimeLimitExceeded"),
    ):
        nightly_command("--only", "review-stats")
    run = JobRun.objects.get()
    assert (run.status, run.error) == ("failed", "SoftTimeLimitExceeded")
    assert run.duration < timedelta(seconds=1.5)


@pytest.mark.django_db(transaction=True)  # the interrupted connection is closed
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="a statement the server runs (pg_sleep)",
)
def test_a_time_limit_inside_a_statement_cancels_it_and_records_the_failure():
    from django.db import connection

    steps = copy.deepcopy(settings.NIGHTLY_STEPS)
    steps["review-stats"]["soft_time_limit"] = 0.5

    def slow_statement(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(30)")

    started = time.monotonic()
    with (
        override_settings(NIGHTLY_STEPS=steps),
        mock.patch(
            "reviews.services.stats.company_review_stats_refresh", side_effect=slow_statement
        ),
        pytest.raises(CommandError, match="SoftTimeLimitExceeded"),
    ):
        nightly_command("--only", "review-stats")
    assert time.monotonic() - started < 10
    run = JobRun.objects.get()
    assert (run.status, run.error, run.lease_owner) == ("failed", "SoftTimeLimitExceeded", "")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%%'"
            " AND state = 'active'"
        )
        assert cursor.fetchone() == (0,)  # cancelled on the server too
