"""Who may see which pipeline: the platform's to the staff group
``sales`` (permission ``prospects.work_platform_pipeline``, given by
``directory.accounts.services.STAFF_GROUPS``), a company's to its members,
nobody else (consumers never)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from directory.models import Membership

from .models import Pipeline, Prospect

PLATFORM_PERMISSION = "prospects.work_platform_pipeline"


def can_see_pipeline(user: Any, *, pipeline: str, company_id: int | None = None) -> bool:
    """Whether ``user`` (any user, anonymous included) may see and work
    that pipeline."""
    if not user.is_authenticated or not user.is_active:
        return False
    if pipeline == Pipeline.PLATFORM:
        return bool(user.has_perm(PLATFORM_PERMISSION))
    if pipeline == Pipeline.COMPANY and company_id is not None:
        return Membership.objects.filter(user=user, company_id=company_id).exists()
    return False


def can_see_prospect(user: Any, prospect: Prospect) -> bool:
    return can_see_pipeline(user, pipeline=prospect.pipeline, company_id=prospect.company_id)


def prospects_visible_to(user: Any) -> QuerySet[Prospect]:
    """Every prospect ``user`` may see, of every pipeline they work."""
    if not user.is_authenticated or not user.is_active:
        return Prospect.objects.none()
    visible = Q(pipeline=Pipeline.COMPANY, company__memberships__user=user)
    if user.has_perm(PLATFORM_PERMISSION):
        visible |= Q(pipeline=Pipeline.PLATFORM)
    return Prospect.objects.filter(visible).distinct()
