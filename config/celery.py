"""The Celery app: configured from Django settings (``CELERY_*``), tasks
discovered in every installed app's ``tasks.py``."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("plusquepro")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
