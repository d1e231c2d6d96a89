"""Settings for the test suite: the embedded default, or PostgreSQL and
Redis when ``DATABASE_URL`` / ``REDIS_URL`` are set (as in CI)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from .local import *  # noqa: F403
from .local import CACHES, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process so a test sees their effect; the broker itself is
# exercised by the health check tests.
CELERY_TASK_ALWAYS_EAGER = True
# pytest-xdist runs the suite in several processes ("gw0", "gw1"…): each
# gets its own media folders and (below) its own Redis cache database, as
# pytest-django gives each its own test database.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_SUFFIX = f"-{WORKER}" if WORKER else ""
MEDIA_ROOT = VAR_DIR / f"test-media{_SUFFIX}"  # noqa: F405
PRIVATE_MEDIA_ROOT = VAR_DIR / f"test-private{_SUFFIX}"  # noqa: F405

if REDIS_URL:
    # Tests flush their cache: keep it in a database of its own so a
    # developer's broker queue (database 0) is never wiped; one per worker
    # (15, 14, …) so that a worker's flush never wipes another's.
    # And a key prefix of this run's own (pytest-xdist's run id, else this
    # process): the cache's clear() deletes its prefix's keys only, so two
    # runs on one Redis server (a developer's and CI's) never wipe each
    # other's rate-limit counters.
    parts = urlsplit(REDIS_URL)
    database = 15 - int(WORKER.removeprefix("gw") or 0)
    RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:12] or str(os.getpid())
    CACHES = {
        "default": {
            **CACHES["default"],
            "LOCATION": urlunsplit(parts._replace(path=f"/{database}")),
            "KEY_PREFIX": f"pqp-test-{RUN}{_SUFFIX}",
        }
    }
