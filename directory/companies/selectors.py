"""Reads about a company's profile."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from directory.companies.models import Company, CompanyStatus


class CompanyGone(Exception):
    """The company was listed and is no longer (suspended by staff): its
    public pages answer 410 Gone, without its reviews or contact details."""

    def __init__(self, company: Company) -> None:
        super().__init__(company.slug)
        self.company = company


def public_company(slug: str, queryset: QuerySet[Company] | None = None) -> Company:
    """The listed company whose slug is ``slug``, read through ``queryset``
    (default: every company; give one with the joins the page needs).

    Raises ``Http404`` when no company has this slug or it was never listed
    (pending vetting: it was never public), ``CompanyGone`` when it was
    listed and is no longer (the only way out of "listed" is a suspension,
    ``eligibility.models.COMPANY_TRANSITIONS``). One query, two when gone.
    """
    rows = queryset if queryset is not None else Company.objects.all()
    company = rows.filter(status=CompanyStatus.LISTED, slug=slug).first()
    if company is not None:
        return company
    gone = (
        Company.objects.filter(slug=slug, status=CompanyStatus.SUSPENDED)
        .select_related("primary_profession", "place")
        .first()
    )
    if gone is None:
        raise Http404
    raise CompanyGone(gone)


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


# Whom the platform writes to about a company (``company_recipients``).
RECIPIENTS_MEMBERS = "members"
RECIPIENTS_COMPANY_EMAIL = "company_email"
RECIPIENTS_NOBODY = "nobody"


def company_recipients(company: Company) -> tuple[str, list[str]]:
    """Who hears from the platform about ``company`` (a quote request, a
    suspension): the addresses of its members whose account is active,
    sorted and without duplicates (``RECIPIENTS_MEMBERS``); without any, the
    contact e-mail it shows on its page (``RECIPIENTS_COMPANY_EMAIL``);
    without that either, ``(RECIPIENTS_NOBODY, [])``. One query."""
    members = sorted(
        {
            address
            for address in company.memberships.filter(user__is_active=True).values_list(
                "user__email", flat=True
            )
            if address
        }
    )
    if members:
        return RECIPIENTS_MEMBERS, members
    if company.email:
        return RECIPIENTS_COMPANY_EMAIL, [company.email]
    return RECIPIENTS_NOBODY, []
