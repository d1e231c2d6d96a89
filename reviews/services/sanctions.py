"""Sanctions for fake reviews: a public warning and no new reviews until
lifted."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from common.types import User
from directory.models import Company

from ..models import (
    Sanction,
)


def company_is_frozen(company: Company) -> bool:
    """A sanction for fake reviews freezes new reviews."""
    return company.review_sanctions.active().exists()


def sanction_create(*, company: Company, actor: User, reason: str) -> Sanction:
    """Fake reviews found: a public warning on the company page and no new
    reviews until staff lift it."""
    if not reason.strip():
        raise ValidationError(_("The warning needs a reason; it is public."))
    if company_is_frozen(company):
        raise ValidationError(_("This company is already sanctioned."))
    return Sanction.objects.create(company=company, reason=reason.strip(), decided_by=actor)


def sanction_lift(*, sanction: Sanction, actor: User) -> None:
    Sanction.objects.active().filter(pk=sanction.pk).update(
        lifted_at=timezone.now(), lifted_by=actor
    )
