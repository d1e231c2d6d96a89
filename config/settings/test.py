"""Settings for the test suite: the embedded default, or PostgreSQL and
Redis when ``DATABASE_URL`` / ``REDIS_URL`` are set (as in CI)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from .local import *  # noqa: F403
from .local import CACHES, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process so a test sees their effect; the broker itself is
# exercised by the health check tests.
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private"  # noqa: F405

if REDIS_URL:
    # Tests flush their cache: keep it in a database of its own so a
    # developer's broker queue (database 0) is never wiped.
    parts = urlsplit(REDIS_URL)
    CACHES = {"default": {**CACHES["default"], "LOCATION": urlunsplit(parts._replace(path="/15"))}}
