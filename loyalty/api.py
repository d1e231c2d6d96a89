"""Loyalty in the partner API: the section of a company's profile
(``settings.API_COMPANY_SECTIONS``, read by ``directory.api``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from directory.models import Company

from .selectors import public_loyalty


def company_loyalty(company: Company) -> dict[str, Any] | None:
    """The public line of the company page as data, for a scored company
    only (None otherwise: never "0 %"). No query for a company that is not
    scored (``public_loyalty``)."""
    loyalty = public_loyalty(company)
    if loyalty is None:
        return None
    return {
        "percent": loyalty.percent,
        "trade_percent": loyalty.baseline_percent,
        "trade_baseline": loyalty.trade_baseline,
        "new_clients": loyalty.new_clients,
        "returned": loyalty.returned,
        "period_days": settings.LOYALTY_RETURN_DAYS,
    }
