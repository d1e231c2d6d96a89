"""Loyalty on the pages of other apps (issue 13 § 3): the line of the
public company page and the explanation of "Pourquoi nous faire
confiance". Templates load these tags; directory's code never imports
loyalty."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from directory.models import Company
from directory.search import ranking

from .. import score
from ..selectors import platform_return_rate, public_loyalty
from ..wording import return_period

register = template.Library()


@register.inclusion_tag("loyalty/includes/public_line.html")
def loyalty_public_line(company: Company) -> dict[str, Any]:
    """ "X % de nouveaux clients revenus dans les 6 mois (moyenne du métier :
    Y %)" for a scored company, nothing for the others; no query for a
    company that is not scored, one for a scored one."""
    return {"loyalty": public_loyalty(company), "period": return_period()}


def _percent(value: float) -> int:
    return round(100 * value)


def _percent_or_none(value: float | None) -> int | None:
    return None if value is None else _percent(value)


@register.inclusion_tag("loyalty/includes/explained.html")
def loyalty_explained() -> dict[str, Any]:
    """The definition of the score with the figures the code uses: the
    settings, ``loyalty.score``'s constants and the ranking's weights
    (``directory.search.ranking``: the loyalty share of trust is read off
    the ``trust`` function itself)."""
    loyalty_share = float(ranking.trust(loyalty=1.0)) - float(ranking.trust(loyalty=0.0))
    return {
        "minimum": settings.LOYALTY_MIN_SESSIONS,
        "return_days": settings.LOYALTY_RETURN_DAYS,
        "period": return_period(),
        "measured_percent": _percent_or_none(platform_return_rate()),
        "window_days": score.WINDOW_DAYS,
        "trade_min_companies": score.TRADE_MIN_COMPANIES,
        "seed_percent": _percent(score.SEED_RATE),
        "prior_default": round(score.PRIOR_STRENGTH_DEFAULT),
        "trust_percent": _percent(ranking.TRUST_WEIGHT),
        "loyalty_of_trust_percent": _percent(loyalty_share),
        "loyalty_of_relevance_percent": _percent(ranking.TRUST_WEIGHT * loyalty_share),
        "text_percent": _percent(ranking.TEXT_WEIGHT),
        "proximity_percent": _percent(ranking.PROXIMITY_WEIGHT),
    }
