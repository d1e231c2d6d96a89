"""Reads of the directory app that views and tasks share."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import Company, Membership, MembershipRole, QuoteRequest

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


def membership_for(user: AbstractBaseUser, company_id: int) -> Membership:
    """The user's membership of that company, or 404: a pro never learns
    whether another company's page exists."""
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("company__primary_profession")
        .filter(user=user, company_id=company_id)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def companies_of(user: AbstractBaseUser) -> QuerySet[Company]:
    return Company.objects.filter(memberships__user=user).order_by("trade_name")


def owners_of(company: Company) -> QuerySet[Membership]:
    return company.memberships.filter(role=MembershipRole.OWNER)


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


def quote_requests_for_company(company: Company) -> QuerySet[QuoteRequest]:
    return company.quote_requests.visible_to_company().select_related("profession")


def quote_request_for_member(membership: Membership, quote_id: int) -> QuoteRequest:
    quote = (
        quote_requests_for_company(membership.company)
        .prefetch_related("replies__author")
        .filter(pk=quote_id)
        .first()
    )
    if quote is None:
        raise Http404
    return quote
