"""Gunicorn's settings, given as ``-c gunicorn.conf.py`` by
docker-compose's ``web`` service, the image's default command and ``make
bench-http`` (``directory/bench/http.py``), so that what is measured is
what is deployed; only the address (``--bind``) is given on the command
line. Access log lines go to stdout with every bearer token of a path,
query string or referrer masked (``common.log_filters``): a review link
in a log is a review someone else can write."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from common.log_filters import mask_tokens


class TokenMaskingLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger, whose access-log atoms (request line, path,
    query string, headers such as the referrer) have tokens masked."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: mask_tokens(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


logger_class = TokenMaskingLogger
accesslog = "-"

# Serving: synchronous workers, one request each at a time, about
# 1.5 per core on the 2-core machine the benchmarks run on; a request
# that takes more than 30 s is killed with its worker. Each worker is
# replaced after 20,000 requests (± 2,000, so that they are not all
# replaced at once): a slow leak cannot grow without bound. Not fewer: a
# new worker starts without the pages kept for visitors
# (common.page_cache), and served from memory they come at some 900 a
# second (make bench-http), so 2,000 requests were 7 s of a worker's life. Database
# connections persist between requests (CONN_MAX_AGE, config/settings/base.py).
worker_class = "sync"
workers = 3
threads = 1
timeout = 30
max_requests = 20000
max_requests_jitter = 2000
# The application is imported once, by the master, before the workers are
# forked: a worker replaced after its requests starts at once instead of
# importing Django again (a second or more of CPU each time, taken from the
# workers serving; at 1,300 req/s a worker is replaced every few seconds).
# Nothing opens a connection at import: the database, Redis and the broker
# are connected lazily, in each worker.
preload_app = True
