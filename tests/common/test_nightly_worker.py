"""The night survives a killed worker (issue 16 §2), with a real Celery
worker process against Redis and PostgreSQL (skipped on the embedded
default): the chain starts, the worker is killed (SIGKILL) in the middle
of a step, a new worker takes the unacknowledged message back, re-claims
the step under its lease and finishes the night, with the same figures
as an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
from django.conf import settings
from django.db import connection

from common import nightly
from common.models import JobRun
from config.celery import app
from directory.models import Company, CompanyProfession
from reviews.models import Review
from tests.reviews.test_audit_outcomes import publish

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the worker reads what the test wrote
    # The chain's start is sent for real, to the worker (task_always_eager here).
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    pytest.mark.skipif(
        not (settings.REDIS_URL and settings.DATABASES["default"]["ENGINE"].endswith("postgresql")),
        reason="a real worker needs the Redis broker and a database it can share",
    ),
]

NIGHT = "2026-11-30"
STEPS = list(settings.NIGHTLY_STEPS)


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.2)


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    queue = f"nightly-test-{uuid4().hex}"
    yield {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.common.nightly_worker_settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "NIGHTLY_TEST_QUEUE": queue,
        "NIGHTLY_TEST_MARK": str(tmp_path / "paused"),
    }
    # Sending to it declared the queue in this process's app (Celery creates
    # missing queues): leave the app's queues as they were.
    app.amqp.queues.pop(queue, None)


@pytest.fixture
def start_worker(worker_env, tmp_path: Path):
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",  # the step runs in this very process: SIGKILL stops it dead
                f"--queues={worker_env['NIGHTLY_TEST_QUEUE']}",
                f"--hostname=nightly-test-{len(started)}-{uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=worker_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def stale(companies: list[Company]) -> None:
    """The figures the night recomputes, out of step."""
    ids = [company.pk for company in companies]
    Company.objects.filter(pk__in=ids).update(review_count=9, rating_average=1.0, trust_score=0.2)
    CompanyProfession.objects.filter(company_id__in=ids).update(trust_score=0.0)


def figures() -> dict[str, list[tuple[object, ...]]]:
    return {
        "companies": list(
            Company.objects.order_by("pk").values_list(
                "pk", "review_count", "rating_average", "trust_score", "loyalty_score"
            )
        ),
        "trade rows": list(
            CompanyProfession.objects.order_by("pk").values_list(
                "pk", "trust_score", "is_listed", "is_primary"
            )
        ),
        "fraud scores": list(Review.objects.order_by("pk").values_list("pk", "fraud_score")),
    }


def night_done() -> bool:
    done = JobRun.objects.filter(
        name__startswith=nightly.JOB_PREFIX, slot=NIGHT, status=JobRun.Status.DONE
    )
    return done.count() == len(STEPS)


def test_a_worker_killed_in_the_middle_of_a_step_and_restarted_finishes_the_night(
    cast, start_worker, worker_env
):
    for n in range(3):
        publish(cast.company_a if n % 2 else cast.company_b, n)
    stale([cast.company_a, cast.company_b])

    first = start_worker()
    queue = worker_env["NIGHTLY_TEST_QUEUE"]
    app.send_task("common.tasks.nightly_start", kwargs={"night": NIGHT}, queue=queue)
    mark = Path(worker_env["NIGHTLY_TEST_MARK"])
    wait_for(mark.exists, seconds=90, what="the worker to reach the review figures step")
    step = JobRun.objects.get(name="nightly.review-stats", slot=NIGHT)
    assert (step.status, step.attempts) == ("running", 1)
    done_before = set(
        JobRun.objects.filter(status="done", slot=NIGHT).values_list("name", flat=True)
    )
    assert done_before == {"nightly.review-audits", "nightly.session-audits"}
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)

    start_worker()  # its broker connection gives the unacknowledged message back
    wait_for(night_done, seconds=90, what="the night to finish after the restart")
    runs = {
        run.name.removeprefix(nightly.JOB_PREFIX): (run.status, run.attempts)
        for run in JobRun.objects.filter(name__startswith=nightly.JOB_PREFIX, slot=NIGHT)
    }
    assert runs == {**dict.fromkeys(STEPS, ("done", 1)), "review-stats": ("done", 2)}
    after_the_kill = figures()

    # The same data, an uninterrupted night (in this process): the same figures.
    stale([cast.company_a, cast.company_b])
    reports = nightly.nightly_run(night=date(2026, 12, 1), owner="uninterrupted")
    assert [report.outcome for report in reports] == [nightly.Outcome.DONE] * len(STEPS)
    assert figures() == after_the_kill
    assert after_the_kill["companies"] != []
