"""Logs that stay readable during an outage.

A 50-second Redis outage once wrote 19,182 full tracebacks, one per
failed request (issue 10, §2). ``CondenseRepeats`` lets through the
first record of each *kind* of failure with its traceback, then at most
one line per kind per ``window`` seconds, saying how many similar
records it held back. Error reporting (Sentry), when configured, still
receives every event: it hooks in before the handlers' filters.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback


class CondenseRepeats(logging.Filter):
    """A handler filter condensing WARNING-and-above records by kind.

    The kind of a record is its logger, level and, for a record carrying
    an exception, the exception's class and the file and line that raised
    it; otherwise its message template (``record.msg``, before its
    arguments). Lower levels pass untouched.
    """

    def __init__(self, name: str = "", window: float = 60.0) -> None:
        super().__init__(name)
        self.window = float(window)
        self._lock = threading.Lock()
        # kind -> [start of the current window (monotonic), records held back]
        self._windows: dict[tuple[object, ...], list[float]] = {}
        self._seen: set[tuple[object, ...]] = set()

    @staticmethod
    def kind(record: logging.LogRecord) -> tuple[object, ...]:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            frames = traceback.extract_tb(exc.__traceback__)
            where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
            return (record.name, record.levelno, type(exc).__qualname__, where)
        return (record.name, record.levelno, str(record.msg))

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        kind = self.kind(record)
        now = time.monotonic()
        with self._lock:
            window = self._windows.get(kind)
            if window is not None and now - window[0] < self.window:
                window[1] += 1
                return False
            held_back = int(window[1]) if window is not None else 0
            self._windows[kind] = [now, 0]
            first_time = kind not in self._seen
            self._seen.add(kind)
        if not first_time:
            # Already shown in full once: one line from now on.
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                record.msg = f"{record.getMessage()} [{type(exc).__qualname__}: {exc}]"
                record.args = None
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        if held_back:
            record.msg = (
                f"{record.getMessage()} (and {held_back} similar in the last "
                f"{int(self.window)} s, not shown)"
            )
            record.args = None
        return True
