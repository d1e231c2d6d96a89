"""Reads about a company's profile."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from directory.companies.models import Company

# What a good profile has, in the order a pro should fix it: (check, label).
PROFILE_CHECKS = (
    ("description", _("A description of at least 200 characters")),
    ("logo", _("A logo")),
    ("photos", _("At least three photos of your work")),
    ("phone", _("A phone number")),
    ("website", _("A website")),
    ("year_founded", _("The year the company was founded")),
    ("certifications", _("Your labels, qualifications or insurance")),
    ("other_trades", _("Your other trades, if any")),
)


def profile_gaps(company: Company) -> list[str]:
    """What is missing for a good profile (labels from PROFILE_CHECKS)."""
    present = {
        "description": len(company.description) >= 200,
        "logo": bool(company.logo),
        "photos": company.photos.count() >= 3,
        "phone": bool(company.phone),
        "website": bool(company.website),
        "year_founded": company.year_founded is not None,
        "certifications": company.certifications.exists(),
        "other_trades": company.trade_links.count() > 1,
    }
    return [label for key, label in PROFILE_CHECKS if not present[key]]
