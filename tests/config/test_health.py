from __future__ import annotations

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_reports_every_service_up(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
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
