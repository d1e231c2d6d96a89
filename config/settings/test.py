"""Settings for the test suite: the embedded default, or PostgreSQL and
Redis when ``DATABASE_URL`` / ``REDIS_URL`` are set (as in CI)."""

from __future__ import annotations

import os

from .local import *  # noqa: F403
from .local import CACHES, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process so a test sees their effect; the broker itself is
# exercised by the health check tests.
CELERY_TASK_ALWAYS_EAGER = True
# pytest-xdist runs the suite in several processes ("gw0", "gw1"…): each
# gets its own media folders and (below) its own cache key prefix, as
# pytest-django gives each its own test database.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_SUFFIX = f"-{WORKER}" if WORKER else ""
MEDIA_ROOT = VAR_DIR / f"test-media{_SUFFIX}"  # noqa: F405
PRIVATE_MEDIA_ROOT = VAR_DIR / f"test-private{_SUFFIX}"  # noqa: F405

if REDIS_URL:
    # Tests clear their cache before and after each test. The cache's
    # clear() deletes its own prefix's keys only (common.cache), so each
    # run and each worker gets a prefix of its own (pytest-xdist's run id,
    # else this process; "gw0", "gw1"…): runs sharing a Redis server — a
    # developer's and CI's, or several workers — never wipe each other's
    # rate-limit counters or cached values, nor a broker queue.
    RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:12] or str(os.getpid())
    CACHES = {**CACHES, "default": {**CACHES["default"], "KEY_PREFIX": f"pqp-test-{RUN}{_SUFFIX}"}}
