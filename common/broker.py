"""Sending a task to Celery from a request without waiting on a dead broker.

With Celery's defaults, ``apply_async`` against a broker that refuses
connections retries for about 6 s before it raises. A request that has
already committed its write (an e-mail in the outbox, an import job row)
does not need to wait: a sweeper sends whatever was not sent. Hence one
attempt, no pause (about 0.2 s when the broker refuses the connection).
"""

from __future__ import annotations

import logging
from typing import Any

from kombu import pools
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# kombu's connection options: one attempt, no pause.
FAIL_FAST_TRANSPORT = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


def task_send_or_leave(task: Any, args: tuple[Any, ...], *, what: str) -> bool:
    """Send ``task`` with ``args`` in one attempt. Returns True when sent;
    False when the broker is down or unreachable (one warning line naming
    ``what`` — an id, never personal data — the caller's sweeper sends it
    later) or on any other error (logged with its traceback: a bug; the
    caller's write has committed and must still get its answer)."""
    try:
        broker = task.app.connection_for_write(transport_options=FAIL_FAST_TRANSPORT)
        with pools.connections[broker].acquire(block=True) as connection:
            task.apply_async(args, connection=connection, retry=False)
    except (OperationalError, OSError) as error:
        logger.warning("%s left for the sweeper (%s)", what, type(error).__name__)
        return False
    except Exception:
        logger.exception("%s: could not be queued", what)
        return False
    return True
