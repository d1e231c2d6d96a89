"""Reads of the eligibility app about listed companies."""

from __future__ import annotations

from django.db.models import QuerySet

from directory.models import Company, Membership

from .models import CompanyEvent


def company_status_history(company: Company) -> QuerySet[CompanyEvent]:
    """Every move of a company's status, oldest first, with its actor
    (one query)."""
    return company.events.select_related("actor", "application").order_by("created_at", "pk")


def company_status_recipients(company: Company) -> list[str]:
    """Who hears of a suspension or a reinstatement: every member of the
    company whose account is active, else the company's contact e-mail,
    else nobody (an empty list). Addresses sorted, without duplicates."""
    members = sorted(
        {
            address
            for address in Membership.objects.filter(
                company=company, user__is_active=True
            ).values_list("user__email", flat=True)
            if address
        }
    )
    if members:
        return members
    return [company.email] if company.email else []
