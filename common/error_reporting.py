"""Error reporting to Sentry, optional and without personal data.

Enabled by ``SENTRY_DSN`` (settings): without it nothing is sent and the
error pages say nothing about anyone being alerted. With it, every
uncaught exception of the site and of the workers (sentry-sdk's Django
and Celery integrations, enabled automatically) becomes an event.

What an event never carries (GDPR art. 5(1)(c), data minimisation):
users, IP addresses, cookies, headers, request bodies, query strings and
URLs (review links carry bearer tokens; the route pattern still names
the page), local variables of the stack frames; e-mail and IP addresses
in exception messages, log messages and breadcrumbs are masked.
"""

from __future__ import annotations

import re
from typing import Any

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
MASK = "[masked]"


def _mask(text: object) -> object:
    if not isinstance(text, str):
        return text
    return IPV4.sub(MASK, EMAIL.sub(MASK, text))


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Strip what could identify a person from ``event`` (sentry-sdk's
    event dictionary) before it leaves the process."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {key: request[key] for key in ("method",) if key in request}
    event.pop("user", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        exception["value"] = _mask(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        for key in ("message", "formatted"):
            if key in logentry:
                logentry[key] = _mask(logentry[key])
        logentry.pop("params", None)
    if "message" in event:
        event["message"] = _mask(event["message"])
    breadcrumbs = event.get("breadcrumbs")
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or []:
        crumb["message"] = _mask(crumb.get("message"))
        crumb.pop("data", None)
    return event


def sentry_options(*, dsn: str, environment: str, release: str) -> dict[str, Any]:
    """The keyword arguments of ``sentry_sdk.init`` for this project."""
    return {
        "dsn": dsn,
        "environment": environment or None,
        "release": release or None,
        # send_default_pii is left unset: off by default in every 2.x
        # release (2.75 deprecates passing it, for data_collection).
        "include_local_variables": False,
        "max_request_body_size": "never",
        "traces_sample_rate": 0.0,
        "before_send": before_send,
    }


def init_error_reporting(*, dsn: str, environment: str = "", release: str = "") -> bool:
    """Start sentry-sdk when ``dsn`` is set; ``True`` when reporting is on."""
    if not dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(**sentry_options(dsn=dsn, environment=environment, release=release))
    return True
