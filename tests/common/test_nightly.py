"""The night's work is one chain in order, on record (``common.nightly``):
each step of a night is run once (a rerun skips what is done), a failed
step is recorded and stops the chain, a step held by another run stops
the second one, and a step whose worker died is sent again by the
sweeper and the night completes. The Celery messages run eagerly here;
faults are injected as in ``test_job_runs``: an exception no handler
catches leaves the step ``running`` under its lease, as ``kill -9``."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings

from common import jobs, nightly
from common import tasks as common_tasks
from common.models import JobRun
from config.celery import app
from directory.models import Company, CompanyProfession
from loyalty import tasks as loyalty_tasks
from reviews.services import stats
from tests.reviews.test_invoice_import_faults import worker_lost

pytestmark = pytest.mark.django_db
app.loader.import_default_modules()

NIGHT = "2026-11-30 01:15 +0100"
STEPS = list(settings.NIGHTLY_STEPS)


class Killed(BaseException):
    """What ``kill -9`` leaves: the step's row ``running`` under its lease."""


def runs() -> dict[str, tuple[str, int]]:
    """{step: (status, attempts)} of every step run, in the order created."""
    return {
        run.name.removeprefix(nightly.JOB_PREFIX): (run.status, run.attempts)
        for run in JobRun.objects.filter(name__startswith=nightly.JOB_PREFIX).order_by("pk")
    }


def start(task_id: str = "beat-1"):
    """Beat's message: the chain starts (every step runs eagerly, here)."""
    return common_tasks.nightly_start.apply(task_id=task_id)


@pytest.fixture
def stale(cast):
    """Company A's figures and trade rows out of step: the review figures
    step and the search keys step have something to write."""
    Company.objects.filter(pk=cast.company_a.pk).update(review_count=4, trust_score=0.9)
    CompanyProfession.objects.filter(company=cast.company_a).update(trust_score=0.1)
    return cast.company_a


# --- The schedule -------------------------------------------------------------------


def test_the_chain_is_one_beat_entry_and_its_steps_are_no_longer_scheduled_alone():
    schedule = settings.CELERY_BEAT_SCHEDULE
    entry = schedule["nightly-chain"]
    assert entry["task"] == "common.tasks.nightly_start"
    assert entry["schedule"] == crontab(hour=1, minute=15)
    assert settings.CELERY_TIMEZONE == "Europe/Paris"
    assert STEPS == [
        "review-audits",
        "session-audits",
        "review-stats",
        "loyalty-scores",
        "prospect-scores",
        "eligibility",
        "vetting-checks",
        "search-keys",
    ]
    tasks = {e["task"] for e in schedule.values()}
    assert not tasks & {
        "reviews.tasks.run_audits",
        "reviews.tasks.refresh_review_stats",
        "loyalty.tasks.recompute_loyalty_scores",
        "loyalty.tasks.run_session_audits",
        "prospects.tasks.score_prospects",
        "eligibility.tasks.rescreen_companies",
    }
    # Independent jobs keep their own entries.
    assert {"reviews.tasks.send_reminders", "prospects.tasks.send_follow_up_digests"} <= tasks


def test_every_step_has_a_function_a_label_and_limits_below_the_hard_one():
    for step in nightly.nightly_steps():
        assert callable(step.run)
        assert str(step.label)
        assert 0 < step.soft_time_limit < step.time_limit <= 60 * 60
        assert step.lease > timedelta(seconds=step.time_limit)


def test_limits_in_the_wrong_order_are_refused(settings):
    steps = copy.deepcopy(settings.NIGHTLY_STEPS)
    steps["search-keys"]["soft_time_limit"] = steps["search-keys"]["time_limit"]
    settings.NIGHTLY_STEPS = steps
    with pytest.raises(nightly.ImproperlyConfigured, match="search-keys"):
        nightly.nightly_steps()


def test_an_unknown_step_is_named_with_the_known_ones():
    with pytest.raises(nightly.UnknownStep, match="review-audits, session-audits"):
        nightly.step_named("nope")


# --- In order, once a night --------------------------------------------------------------


def test_the_chain_runs_every_step_in_order_and_records_each(stale):
    with time_machine.travel(NIGHT, tick=False):
        start()
    assert runs() == dict.fromkeys(STEPS, ("done", 1))
    recorded = JobRun.objects.filter(name__startswith=nightly.JOB_PREFIX)
    assert set(recorded.values_list("slot", flat=True)) == {"2026-11-30"}
    for run in recorded:
        assert None not in (run.rows_read, run.rows_changed, run.duration)
        assert run.error == ""
        assert (run.lease_owner, run.leased_until) == ("", None)
    review_stats = recorded.get(name="nightly.review-stats")
    assert review_stats.rows_read == Company.objects.count()
    assert review_stats.rows_changed == 1  # company A only
    stale.refresh_from_db()
    assert (stale.review_count, stale.trust_score) != (4, 0.9)
    # The last step copied the trust score the earlier steps wrote.
    rows = CompanyProfession.objects.filter(company=stale)
    assert set(rows.values_list("trust_score", flat=True)) == {stale.trust_score}


def test_a_rerun_of_the_night_does_nothing_twice(stale):
    with time_machine.travel(NIGHT, tick=False) as traveller:
        start("beat-1")
        first = list(JobRun.objects.order_by("pk").values_list("pk", "finished_at"))
        traveller.shift(timedelta(minutes=30))
        with mock.patch.object(stats, "company_review_stats_refresh") as work:
            start("beat-2")  # beat sent it twice, or a worker ran it again
        work.assert_not_called()
        assert common_tasks.nightly_start.apply(kwargs={"night": "2026-11-30"}).result
    assert list(JobRun.objects.order_by("pk").values_list("pk", "finished_at")) == first
    assert runs() == dict.fromkeys(STEPS, ("done", 1))


def test_the_next_night_runs_again(stale):
    with time_machine.travel(NIGHT, tick=False) as traveller:
        start("beat-1")
        traveller.shift(timedelta(days=1))
        start("beat-2")
    slots = JobRun.objects.filter(name="nightly.search-keys").values_list("slot", flat=True)
    assert sorted(slots) == ["2026-11-30", "2026-12-01"]


# --- A failed step -----------------------------------------------------------------------


def test_a_failed_step_is_recorded_and_stops_the_chain(stale):
    with (
        time_machine.travel(NIGHT, tick=False),
        mock.patch.object(loyalty_tasks, "scores_recompute", side_effect=RuntimeError("secret")),
        pytest.raises(RuntimeError),
    ):
        start()
    assert runs() == {
        "review-audits": ("done", 1),
        "session-audits": ("done", 1),
        "review-stats": ("done", 1),
        "loyalty-scores": ("failed", 1),
    }
    failed = JobRun.objects.get(name="nightly.loyalty-scores")
    assert (failed.error, failed.result) == ("RuntimeError", "RuntimeError")
    assert failed.rows_changed is None
    assert failed.finished_at is not None
    assert "secret" not in failed.result + failed.error  # the message may quote a row


def test_running_the_night_again_resumes_at_the_failed_step(stale):
    with time_machine.travel(NIGHT, tick=False) as traveller:
        with (
            mock.patch.object(loyalty_tasks, "scores_recompute", side_effect=RuntimeError),
            pytest.raises(RuntimeError),
        ):
            start("beat-1")
        traveller.shift(timedelta(hours=1))
        start("retry")
    assert runs() == {**dict.fromkeys(STEPS, ("done", 1)), "loyalty-scores": ("done", 2)}
    retried = JobRun.objects.get(name="nightly.loyalty-scores")
    assert (retried.error, retried.rows_read is None) == ("", False)


def test_a_step_that_failed_at_every_attempt_is_given_up(stale):
    step = nightly.step_named("loyalty-scores")
    night = date(2026, 11, 30)
    with mock.patch.object(loyalty_tasks, "scores_recompute", side_effect=RuntimeError):
        outcomes = [
            nightly.step_run(step=step, night=night, owner=f"m-{n}").outcome
            for n in range(jobs.JOB_RUN_MAX_ATTEMPTS + 1)
        ]
    assert outcomes == [nightly.Outcome.FAILED] * jobs.JOB_RUN_MAX_ATTEMPTS + [
        nightly.Outcome.GIVEN_UP
    ]


# --- Two runs at once -------------------------------------------------------------------------


def test_a_second_run_while_the_first_works_skips_and_the_first_finishes(stale):
    real = stats.company_review_stats_refresh
    second: list[list[nightly.StepReport]] = []

    def slow(**kwargs):
        # The first run holds "review-stats": a second chain starts meanwhile.
        second.append(nightly.nightly_run(night=date(2026, 11, 30), owner="second", only=None))
        return real(**kwargs)

    with (
        time_machine.travel(NIGHT, tick=False),
        mock.patch.object(stats, "company_review_stats_refresh", side_effect=slow),
    ):
        start("first")
    [reports] = second
    assert [(r.step.name, r.outcome) for r in reports] == [
        ("review-audits", nightly.Outcome.ALREADY_DONE),
        ("session-audits", nightly.Outcome.ALREADY_DONE),
        ("review-stats", nightly.Outcome.BUSY),
    ]
    assert runs() == dict.fromkeys(STEPS, ("done", 1))


def test_a_step_still_running_for_the_previous_night_holds_tonights_chain(stale):
    with time_machine.travel(NIGHT, tick=False) as traveller:
        with (
            mock.patch.object(stats, "company_review_stats_refresh", side_effect=Killed),
            pytest.raises(Killed),
        ):
            start("yesterday")
        # Within its lease (the step's hard limit and a minute).
        traveller.shift(nightly.step_named("review-stats").lease - timedelta(seconds=30))
        reports = nightly.nightly_run(night=date(2026, 12, 1), owner="tonight")
    assert [r.outcome for r in reports][-1] == nightly.Outcome.BUSY
    assert reports[-1].step.name == "review-stats"


# --- A worker killed under a step ----------------------------------------------------------------


def test_the_message_of_a_step_whose_worker_died_goes_back_to_the_queue():
    assert worker_lost("common.tasks.nightly_step", ()) == [("reject", True)]
    assert worker_lost("common.tasks.nightly_start", ()) == [("reject", True)]


def test_a_step_whose_worker_died_is_sent_again_by_the_sweeper_and_the_night_completes(stale):
    step = nightly.step_named("review-stats")
    with time_machine.travel(NIGHT, tick=False) as traveller:
        with (
            mock.patch.object(stats, "company_review_stats_refresh", side_effect=Killed),
            pytest.raises(Killed),
        ):
            start("beat-1")
        assert runs()["review-stats"] == ("running", 1)
        traveller.shift(step.lease - timedelta(seconds=1))
        assert common_tasks.job_runs_sweep() == {"requeued": 0, "failed": 0}
        traveller.shift(timedelta(seconds=2))
        # Queued again; its message (eager here) finishes the chain.
        assert common_tasks.job_runs_sweep() == {"requeued": 1, "failed": 0}
    assert runs() == {**dict.fromkeys(STEPS, ("done", 1)), "review-stats": ("done", 2)}
    assert set(JobRun.objects.values_list("slot", flat=True)) == {"2026-11-30"}


def test_the_redelivered_message_of_a_killed_step_finishes_the_night(stale):
    with time_machine.travel(NIGHT, tick=False):
        with (
            mock.patch.object(stats, "company_review_stats_refresh", side_effect=Killed),
            pytest.raises(Killed),
        ):
            common_tasks.nightly_step.apply(
                kwargs={"night": "2026-11-30", "step": "review-stats"}, task_id="m-1"
            )
        # Redelivered with its own id after WorkerLostError: the lease is its own.
        common_tasks.nightly_step.apply(
            kwargs={"night": "2026-11-30", "step": "review-stats"}, task_id="m-1"
        )
    assert runs()["review-stats"] == ("done", 2)
    assert runs()["search-keys"] == ("done", 1)


def test_each_step_message_carries_its_own_time_limits():
    step = nightly.step_named("loyalty-scores")
    with mock.patch.object(common_tasks.nightly_step, "apply_async") as sent:
        common_tasks.nightly_step_send(night="2026-11-30", step=step)
    assert sent.call_args.kwargs == {
        "kwargs": {"night": "2026-11-30", "step": "loyalty-scores"},
        "soft_time_limit": step.soft_time_limit,
        "time_limit": step.time_limit,
    }
