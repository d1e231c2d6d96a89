"""Reads of memberships: a user's company, or 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from common.types import User
from directory.companies.models import Company
from directory.team.models import Membership, MembershipRole


def membership_for(user: User, company_id: int) -> Membership:
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


def companies_of(user: User) -> QuerySet[Company]:
    return Company.objects.filter(memberships__user=user).order_by("trade_name")


def owners_of(company: Company) -> QuerySet[Membership]:
    return company.memberships.filter(role=MembershipRole.OWNER)


def personal_data(user: User) -> list[dict]:
    """The user's memberships, for their data export."""
    return [
        {"company": m.company.trade_name, "siren": m.company.siren, "role": m.role}
        for m in user.memberships.select_related("company")
    ]
