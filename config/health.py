"""``/healthz``: is every backing service answering, and quickly?

Each check runs in its own thread and the whole answer waits at most
``HEALTHZ_TIMEOUT_SECONDS`` (settings): a service that has not answered
by then is reported as ``{"ok": false, "error": "Timeout"}``, so a
probe gets a 503 naming the component instead of hanging (a broker that
refuses connections used to cost 2 s of kombu retry back-off; an
unreachable one, the socket's whole connect timeout). The cache is asked
directly, never the fallback that keeps the site up without it
(``common.cache.FailSafeRedisCache.check``).

Last night's chain (``common.nightly``) that failed, or did not run to
its end, is a *warning*: named under ``warnings`` and ``"status":
"warning"``, still a 200 — the site serves, and a container restarted
for it would not run the night again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from common.nightly import night_warning

# One pool for the process: a check stuck past the deadline keeps its
# thread until its own socket timeout, not a new thread per probe.
_pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="healthz")


def _database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # this thread's own connection


def _cache() -> None:
    check = getattr(cache, "check", None)
    if callable(check):  # FailSafeRedisCache: ask Redis itself
        check()
        return
    key, value = f"healthz:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("value written to the cache could not be read back")
    cache.delete(key)


def _broker() -> None:
    from kombu.connection import Connection

    timeout = settings.HEALTHZ_TIMEOUT_SECONDS
    with Connection(  # type: ignore[no-untyped-call]  # kombu is untyped
        settings.CELERY_BROKER_URL,
        connect_timeout=timeout,
        transport_options={"socket_connect_timeout": timeout, "socket_timeout": timeout},
    ) as conn:
        # One attempt, no retry back-off.
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)


def _nightly() -> str | None:
    try:
        return night_warning()
    finally:
        connection.close()  # this thread's own connection


def _run(check: Callable[[], None]) -> float:
    started = time.perf_counter()
    check()
    return time.perf_counter() - started


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache}
    if not settings.CELERY_BROKER_URL.startswith("memory://"):  # a real broker is configured
        checks["broker"] = _broker
    started = time.perf_counter()
    futures: dict[str, Future[float]] = {
        name: _pool.submit(_run, check) for name, check in checks.items()
    }
    nightly = _pool.submit(_nightly)
    pending: list[Future[Any]] = [*futures.values(), nightly]
    wait(pending, timeout=settings.HEALTHZ_TIMEOUT_SECONDS)
    report: dict[str, dict[str, object]] = {}
    for name, future in futures.items():
        if not future.done():
            elapsed = time.perf_counter() - started
            report[name] = {"ok": False, "error": "Timeout", "ms": round(elapsed * 1000, 1)}
            continue
        error = future.exception()
        if error is not None:
            elapsed = time.perf_counter() - started
            report[name] = {"ok": False, "error": error.__class__.__name__}
        else:
            elapsed = future.result()
            report[name] = {"ok": True}
        report[name]["ms"] = round(elapsed * 1000, 1)
    healthy = all(check["ok"] for check in report.values())
    # Unanswered or failed, the night's question says nothing: the
    # database check above names the outage.
    warning = nightly.result() if nightly.done() and nightly.exception() is None else None
    warnings = [warning] if warning else []
    status = ("warning" if warnings else "ok") if healthy else "unavailable"
    return JsonResponse(
        {"status": status, "checks": report, "warnings": warnings},
        status=200 if healthy else 503,
    )
