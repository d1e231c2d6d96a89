"""A malformed API_RATE_LIMITS stops start-up (``manage.py check``),
naming the entry, instead of failing the first request of its scope."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from .api.ratelimit import DEFAULT_POLICY, parse_rate


@register()
def rate_limits_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    limits = getattr(settings, "API_RATE_LIMITS", {})
    errors = []
    if DEFAULT_POLICY not in limits:
        errors.append(
            Error(f"API_RATE_LIMITS needs a {DEFAULT_POLICY!r} entry.", id="partners.E001")
        )
    for name, rate in limits.items():
        try:
            parse_rate(name, rate)
        except ImproperlyConfigured as error:
            errors.append(Error(str(error), id="partners.E002"))
    return errors
