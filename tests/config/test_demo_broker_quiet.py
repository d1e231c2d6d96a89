"""The embedded default (no REDIS_URL, ``make run``) names a host in its
in-memory broker's URL, so Celery opens it without kombu's warning
(found by a fresh-user trial: ``seed_demo_checks`` and then every e-mail
of the demo logged "WARNING kombu.connection No hostname was supplied.
Reverting to default 'localhost'", which reads like a misconfiguration);
/healthz still checks no broker then."""

from __future__ import annotations

from tests.config.demo_process import run_as_demo

OPEN_THE_BROKER = """
import django
django.setup()
from django.conf import settings
from config.celery import app
print(settings.CELERY_BROKER_URL)
with app.connection_for_write() as connection:
    connection.default_channel
print("opened")
"""


def test_the_embedded_broker_opens_without_a_warning(tmp_path):
    run = run_as_demo(OPEN_THE_BROKER, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["memory://localhost/", "opened"]
    assert "No hostname" not in run.stderr
    assert "WARNING" not in run.stderr
