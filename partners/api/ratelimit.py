"""Rate limits per key and scope, announced with the IETF headers
(draft-ietf-httpapi-ratelimit-headers):

    RateLimit-Policy: "directory:read";q=600;w=60
    RateLimit: "directory:read";r=597;t=42

A fixed window of ``w`` seconds per key and policy, counted in the cache
(Redis in production: one round trip a request,
``common.cache.window_count``). Past the quota: 429 with
``Retry-After`` and a detail giving the same wait in seconds. When the
cache cannot count, the request goes through without a ``RateLimit``
header (fail open) and the outage is logged once until counting works
again."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from common.cache import window_count

logger = logging.getLogger(__name__)

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")

# The policy of an endpoint that requires no scope.
DEFAULT_POLICY = "default"

_cache_down_logged = False


@dataclass(frozen=True)
class Policy:
    name: str
    quota: int
    window: int  # seconds

    def header(self) -> str:
        return f'"{self.name}";q={self.quota};w={self.window}'


@dataclass(frozen=True)
class Usage:
    policy: Policy
    remaining: int | None  # None: not counted (cache down)
    reset: int  # seconds to the end of the window

    def headers(self) -> dict[str, str]:
        headers = {"RateLimit-Policy": self.policy.header()}
        if self.remaining is not None:
            headers["RateLimit"] = f'"{self.policy.name}";r={self.remaining};t={self.reset}'
        return headers


class RateLimited(exceptions.Throttled):
    """429: the problem's detail and ``Retry-After`` both give the wait,
    in seconds, from ``wait`` (``problems.exception_handler``)."""

    default_code = "rate_limited"
    extra_detail_singular = extra_detail_plural = ""

    def __init__(self, wait: int, usage: Usage) -> None:
        self.usage = usage
        super().__init__(wait=wait, detail=str(_("Rate limit exceeded for this API key.")))


def parse_rate(name: str, rate: str) -> Policy:
    """ "600/minute", "10/5minute", "5000/day" → a Policy."""
    match = _RATE.match(rate)
    if not match:
        raise ImproperlyConfigured(f"API_RATE_LIMITS[{name!r}]: {rate!r} is not like '600/minute'")
    quota, multiple, unit = match.groups()
    return Policy(name, int(quota), int(multiple or 1) * _PERIODS[unit])


def policy_for(scopes: tuple[str, ...]) -> Policy:
    """The policy of an endpoint: its (first) scope's, else the default."""
    limits: dict[str, str] = settings.API_RATE_LIMITS
    name = scopes[0] if scopes and scopes[0] in limits else DEFAULT_POLICY
    return parse_rate(name, limits[name])


def consume(key_id: str, policy: Policy, now: float | None = None) -> Usage:
    """Count one request of the key ``key_id`` (its prefix: unique, and
    no hash in cache keys) under ``policy``; raise
    :class:`RateLimited` past the quota."""
    global _cache_down_logged
    now = time.time() if now is None else now
    window_start = int(now // policy.window) * policy.window
    reset = max(int(window_start + policy.window - now), 1)
    counter = f"api-rl:{policy.name}:{key_id}:{window_start}"
    try:
        count = window_count(caches["default"], counter, timeout=policy.window + 5)
    except Exception:  # the cache is down or lost the key: let the request through
        if not _cache_down_logged:
            logger.warning("API rate limits not counted: the cache is unavailable", exc_info=True)
            _cache_down_logged = True
        return Usage(policy, None, reset)
    _cache_down_logged = False
    if count > policy.quota:
        raise RateLimited(reset, Usage(policy, 0, reset))
    return Usage(policy, policy.quota - count, reset)
