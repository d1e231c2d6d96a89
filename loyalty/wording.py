"""The loyalty periods in words, from the settings the score uses, so that
no page says "6 mois" when ``LOYALTY_RETURN_DAYS`` says otherwise."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import npgettext

# A period of a whole number of 30-day months is said in months.
MONTH_DAYS = 30
YEAR_DAYS = 365


def period(days: int) -> str:
    """``days`` in words: "1 an" for 365 (whole years), "6 mois" for 180
    (whole 30-day months from 60 days), else "45 jours" (translated,
    singular or plural)."""
    if days >= YEAR_DAYS and days % YEAR_DAYS == 0:
        years = days // YEAR_DAYS
        return npgettext("period", "%(count)d year", "%(count)d years", years) % {"count": years}
    if days >= 2 * MONTH_DAYS and days % MONTH_DAYS == 0:
        months = days // MONTH_DAYS
        return npgettext("period", "%(count)d month", "%(count)d months", months) % {
            "count": months
        }
    return npgettext("period", "%(count)d day", "%(count)d days", days) % {"count": days}


def return_period() -> str:
    """How long a new client has to come back: ``LOYALTY_RETURN_DAYS``
    (180: "6 mois")."""
    return period(settings.LOYALTY_RETURN_DAYS)
