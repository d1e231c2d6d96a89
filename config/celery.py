"""The Celery app: configured from Django settings (``CELERY_*``), tasks
discovered in the ``tasks.py`` (periodic and background jobs) and
``emails.py`` (one e-mail each) of every project app and of its feature
sub-packages (``directory/quotes/tasks.py``…)."""

from __future__ import annotations

import os
import pkgutil
from importlib import import_module
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

TASK_MODULE_NAMES = ("tasks", "emails")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def project_packages() -> list[str]:
    """The installed apps that live in this repository, with their
    sub-packages (``directory``, ``directory.quotes``…), by import name."""
    from django.conf import settings

    packages = []
    for name in settings.INSTALLED_APPS:
        module = import_module(name)
        path = Path(module.__file__ or "").resolve()
        if path.parent.parent != PROJECT_ROOT:  # django.contrib, allauth…
            continue
        packages.append(name)
        packages += [
            info.name
            for info in pkgutil.walk_packages(module.__path__, prefix=f"{name}.")
            if info.ispkg and ".migrations" not in info.name and ".management" not in info.name
        ]
    return packages


app = Celery("plusquepro")
app.config_from_object("django.conf:settings", namespace="CELERY")
for module_name in TASK_MODULE_NAMES:
    app.autodiscover_tasks(project_packages, related_name=module_name)
