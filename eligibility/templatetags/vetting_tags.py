"""The vetting checks on the pages of other apps (issue 17): the checks a
company passed, on its public page, and the catalogue, on "Pourquoi nous
faire confiance". Templates load these tags; directory's code never
imports eligibility."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from directory.models import Company, Profession

from ..checklist import public_checks
from ..checks import Scope, catalogue

register = template.Library()


@register.inclusion_tag("eligibility/includes/public_checks.html")
def vetting_public_checks(company: Company) -> dict[str, Any]:
    """ "Assurance décennale vérifiée le 12/03/2026, valable jusqu'au
    31/12/2026" for each check passed, "expirée" for a required one whose
    pass ended; never the documents (one query, the trades prefetched)."""
    return {"checks": public_checks(company)}


@register.inclusion_tag("eligibility/includes/catalogue.html")
def vetting_catalogue() -> dict[str, Any]:
    """Every check of the catalogue with what it needs and for whom: all
    companies, or the trades that ask for it (named from the data)."""
    trades: dict[str, list[str]] = {}
    for profession in Profession.objects.public().only("name_fr", "name_en", "vetting_checks"):
        for code in profession.vetting_checks:
            trades.setdefault(code, []).append(profession.name)
    return {
        "checks": [
            {
                "check": check,
                "for_all": check.scope == Scope.ALL,
                "trades": sorted(trades.get(check.code, [])),
            }
            for check in catalogue()
        ],
        "reminder_days": sorted(settings.VETTING_REMINDER_DAYS, reverse=True),
    }
