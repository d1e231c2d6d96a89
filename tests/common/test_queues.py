"""Every task has a queue of its kind, and the deployment runs a worker on
every queue (issue 16 §4): an e-mail or a webhook never waits behind an
import or the night's work, and no task lands where nobody listens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from celery.schedules import crontab
from django.conf import settings

from config.celery import app

COMPOSE = Path(settings.BASE_DIR) / "docker-compose.yml"
QUEUES = set(settings.CELERY_TASK_QUEUES)


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def project_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def test_the_queues_are_the_documented_ones():
    assert set(app.amqp.queues) == QUEUES
    assert {"default", "mail", "webhooks", "imports", "nightly"} == QUEUES
    assert settings.CELERY_TASK_DEFAULT_QUEUE == "default"


def test_every_task_goes_to_a_declared_queue():
    tasks = project_tasks()
    assert len(tasks) > 20
    assert {name: queue_of(name) for name in tasks if queue_of(name) not in QUEUES} == {}


@pytest.mark.parametrize(
    ("pattern", "queue"),
    [
        (r"send_outbox_email|outbox_sweep|send_reminders|digests", "mail"),
        (r"webhooks?$|deliver_webhook", "webhooks"),
        (r"_imports?$", "imports"),
    ],
)
def test_each_kind_of_work_has_its_queue(pattern, queue):
    tasks = [name for name in project_tasks() if re.search(pattern, name)]
    assert tasks
    # The webhook log's nightly purge is maintenance, not a delivery.
    expected = {name: queue for name in tasks if not name.endswith("purge_webhook_log")}
    assert {name: queue_of(name) for name in expected} == expected


def test_the_nights_jobs_run_on_the_nightly_queue():
    """Every daily job of the beat between midnight and 6:00: recomputes,
    audits, checks, retention and purges (the outbox's included)."""
    night = {
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if isinstance(entry["schedule"], crontab)
        and entry["schedule"].hour <= set(range(0, 7))
        and len(entry["schedule"].hour) == 1
    }
    assert "common.tasks.nightly_start" in night
    assert queue_of("common.tasks.nightly_step") == "nightly"
    assert {name: queue_of(name) for name in night} == dict.fromkeys(night, "nightly")


def test_the_light_queues_never_share_a_worker_with_imports_or_the_night():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    served: dict[str, set[str]] = {}
    for name, service in services.items():
        command = service.get("command") or ""
        if "celery" in command and " worker " in f" {command} ":
            found = re.search(r"--queues[ =](\S+)", command)
            assert found, f"{name} must name its queues"
            served[name] = set(found[1].split(","))
    assert set().union(*served.values()) == QUEUES  # nobody left unserved
    for name, queues in served.items():
        heavy = queues & {"imports", "nightly"}
        assert not heavy or (queues == heavy and len(heavy) == 1), name
    assert any({"mail", "webhooks"} <= queues for queues in served.values())
