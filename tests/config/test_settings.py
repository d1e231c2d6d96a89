"""The embedded default and the production settings, each in a fresh
interpreter so the environment is exactly what a machine would have."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-enough-1234567890",
    "LOYALTY_CLIENT_KEY": "a-loyalty-client-key-secret-that-is-long-and-random-1234567890",
    "ALLOWED_HOSTS": "plusquepro.fr",
    "DATABASE_URL": "postgres://user:pass@db.example:5432/plusquepro",
    "REDIS_URL": "redis://redis.example:6379/0",
    "EMAIL_URL": "smtp://mail.example:25",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("secret", ["SECRET_KEY", "LOYALTY_CLIENT_KEY"])
def test_production_refuses_to_start_without_a_secret(secret):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != secret}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert secret in result.stderr


def test_production_refuses_to_start_without_a_database():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DATABASE_URL"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_embedded_default_needs_no_environment(tmp_path):
    script = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'],"
        " s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, s.DEBUG, s.LANGUAGE_CODE,"
        " bool(s.SECRET_KEY))"
    )
    result = manage("shell", "-c", script, env={"VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "True",
        "fr",
        "True",
    ]


def test_real_services_are_read_from_the_environment(tmp_path):
    script = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'],"
        " s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)"
    )
    env = {k: PRODUCTION_ENV[k] for k in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL")}
    result = manage("shell", "-c", script, env={**env, "VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "django.db.backends.postgresql",
        "common.cache.FailSafeRedisCache",
        "redis://redis.example:6379/0",
        "False",
        "django.core.mail.backends.smtp.EmailBackend",
    ]


def test_production_never_turns_the_webhook_ssrf_guard_off(tmp_path):
    script = (
        "from django.conf import settings as s;"
        "print(s.WEBHOOK_ALLOW_HTTP, s.WEBHOOK_ALLOW_PRIVATE_TARGETS)"
    )
    lax = {"WEBHOOK_ALLOW_HTTP": "true", "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true"}
    production = manage("shell", "-c", script, env={**PRODUCTION_ENV, **lax})
    assert production.returncode == 0, production.stderr
    assert production.stdout.splitlines()[-1].split() == ["False", "False"]
    # The embedded default lets a developer receive webhooks on 127.0.0.1,
    # and can be told not to.
    local = manage("shell", "-c", script, env={"VAR_DIR": str(tmp_path)})
    assert local.stdout.splitlines()[-1].split() == ["True", "True"]
    strict = {"WEBHOOK_ALLOW_HTTP": "false", "WEBHOOK_ALLOW_PRIVATE_TARGETS": "no"}
    local = manage("shell", "-c", script, env={"VAR_DIR": str(tmp_path), **strict})
    assert local.stdout.splitlines()[-1].split() == ["False", "False"]
