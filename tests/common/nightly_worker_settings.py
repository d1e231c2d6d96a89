"""Settings of the real Celery worker that ``test_nightly_worker`` starts
and kills: the test settings against the test's PostgreSQL database and
Redis (``DATABASE_URL``, ``REDIS_URL`` from the test), tasks sent for real
on a queue of the test's own (``NIGHTLY_TEST_QUEUE``), unacknowledged
messages given back after a few seconds, and the review figures step
slowed down once so that the worker can be killed in the middle of it."""

from __future__ import annotations

import copy
import os

from config.settings.test import *  # noqa: F403
from config.settings.test import CELERY_TASK_ROUTES, NIGHTLY_STEPS

CELERY_TASK_ALWAYS_EAGER = False
QUEUE = os.environ["NIGHTLY_TEST_QUEUE"]
CELERY_TASK_QUEUES = {QUEUE: {"exchange": QUEUE, "routing_key": QUEUE}}
CELERY_TASK_DEFAULT_QUEUE = QUEUE
CELERY_TASK_ROUTES = {name: {"queue": QUEUE} for name in CELERY_TASK_ROUTES}
# A message whose worker was killed before acknowledging it goes back to
# the queue after this long (kombu's Redis transport: 1 h by default),
# looked for every second (every 10 × 10 s by default).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
NIGHTLY_STEPS = copy.deepcopy(NIGHTLY_STEPS)
NIGHTLY_STEPS["review-stats"]["run"] = "tests.common.nightly_worker_steps.review_stats_slowly"
