from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_reports_every_service_up(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    # A new database: the night's chain never ran, a warning only.
    assert body["status"] == "warning"
    assert len(body["warnings"]) == 1
    assert "did not run" in body["warnings"][0]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is True
    if settings.REDIS_URL:
        # CI: the real broker answers too.
        assert body["checks"]["broker"]["ok"] is True
    else:
        assert "broker" not in body["checks"]  # the embedded default has none


def test_healthz_is_503_when_the_cache_is_down(client):
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE_REDIS,
        }
    }
    with override_settings(CACHES=caches):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_healthz_is_503_when_the_broker_is_down(client):
    from config.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = UNREACHABLE_REDIS
    try:
        with override_settings(CELERY_BROKER_URL=UNREACHABLE_REDIS):
            response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError

    import config.health

    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(config.health, "_database", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": response.json()["checks"]["database"]["ms"],
    }


# --- Last night's chain: a warning, never a failure -------------------------------

AFTER_THE_NIGHT = "2026-11-30 10:00 +0100"


def night_of_runs(night: str, **statuses: str) -> None:
    """Every step of ``night`` done, but those given another status."""
    from common.models import JobRun

    for name in settings.NIGHTLY_STEPS:
        status = statuses.get(name.replace("-", "_"), "done")
        if status == "absent":
            continue
        JobRun.objects.create(
            name=f"nightly.{name}",
            slot=night,
            status=status,
            attempts=1,
            error="RuntimeError" if status == "failed" else "",
        )


@pytest.mark.django_db(transaction=True)  # /healthz reads in threads of its own
def test_healthz_is_ok_after_a_whole_night(client):
    night_of_runs("2026-11-30")
    with time_machine.travel(AFTER_THE_NIGHT, tick=False):
        body = client.get("/healthz").json()
    assert (body["status"], body["warnings"]) == ("ok", [])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("statuses", "warning"),
    [
        ({"loyalty_scores": "failed"}, "failed at step loyalty-scores (RuntimeError)"),
        ({"search_keys": "absent"}, "stopped before step search-keys"),
        ({"search_keys": "running"}, "did not finish step search-keys (running)"),
    ],
)
def test_healthz_warns_of_a_night_that_failed_or_stopped_and_stays_200(client, statuses, warning):
    night_of_runs("2026-11-30", **statuses)
    with time_machine.travel(AFTER_THE_NIGHT, tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "warning"
    assert body["warnings"] == [f"the nightly chain of 2026-11-30 {warning}"]
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db(transaction=True)
def test_healthz_warns_of_a_night_that_did_not_run(client):
    night_of_runs("2026-11-29")  # the night before went well
    with time_machine.travel(AFTER_THE_NIGHT, tick=False):
        body = client.get("/healthz").json()
    assert body["warnings"] == ["the nightly chain of 2026-11-30 did not run"]


@pytest.mark.parametrize(
    ("day", "after_start", "tonight"),
    [
        # Until the chain's start and every step's hard limit are past,
        # last night is the one before; the limits are the settings' own.
        ("2026-11-30", timedelta(minutes=5), False),
        ("2026-11-30", "end - 1 min", False),
        ("2026-11-30", "end + 1 min", True),
        ("2026-11-30", timedelta(hours=22, minutes=44), True),  # 23:59
    ],
)
def test_last_night_is_the_one_whose_chain_should_be_over(day, after_start, tonight):
    assert_last_night(day, after_start, tonight)


@pytest.mark.parametrize(
    ("day", "after_start", "tonight"),
    [
        ("2026-10-25", "end - 1 min", False),
        ("2026-10-25", "end + 1 min", True),
        ("2027-03-28", "end - 1 min", False),
        ("2027-03-28", "end + 1 min", True),
    ],
)
def test_the_limits_are_durations_across_a_change_of_time(settings, day, after_start, tonight):
    """The night starts at its hour, Paris time, and the limits are
    durations: with limits long enough for the chain to cross 2–3 a.m.,
    the end is an hour more or less on the clock."""
    settings.NIGHTLY_STEPS = {
        name: {**conf, "soft_time_limit": 19 * 60, "time_limit": 20 * 60}
        for name, conf in settings.NIGHTLY_STEPS.items()
    }
    assert_last_night(day, after_start, tonight)


def assert_last_night(day, after_start, tonight):
    from common.nightly import last_night

    allowed = timedelta(seconds=sum(conf["time_limit"] for conf in settings.NIGHTLY_STEPS.values()))
    assert timedelta(0) < allowed < timedelta(hours=4)  # ends the same night
    if isinstance(after_start, str):
        after_start = allowed + timedelta(minutes=1 if "+" in after_start else -1)
    night = date.fromisoformat(day)
    start = datetime.combine(
        night,
        time(settings.NIGHTLY_START["hour"], settings.NIGHTLY_START["minute"]),
        tzinfo=ZoneInfo("Europe/Paris"),
    )
    now = (start.astimezone(UTC) + after_start).astimezone(ZoneInfo("Europe/Paris"))
    with time_machine.travel(now, tick=False):
        expected = night if tonight else night - timedelta(days=1)
        assert last_night() == expected
