"""The review figures step of the killed worker (``test_nightly_worker``):
the real step, after a pause the first time, during which the test kills
the worker. The first attempt leaves a mark (``NIGHTLY_TEST_MARK``): the
test waits for it, and the attempt after the restart finds it and does not
pause."""

from __future__ import annotations

import os
import time
from pathlib import Path

from common.nightly import StepResult
from reviews.tasks import nightly_review_stats

PAUSE = 60  # seconds: far longer than the test needs to kill the worker


def review_stats_slowly() -> StepResult:
    mark = Path(os.environ["NIGHTLY_TEST_MARK"])
    if not mark.exists():
        mark.write_text(str(os.getpid()))
        time.sleep(PAUSE)
    return nightly_review_stats()
