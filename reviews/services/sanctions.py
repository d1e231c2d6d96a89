"""Sanctions for fake reviews: a public warning and no new reviews until
lifted. Each sanction given or lifted is chained in the record of every
review the company has at that moment (``ledger``)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.types import User
from directory.models import Company

from ..models import (
    Review,
    Sanction,
)
from . import ledger


def company_is_frozen(company: Company) -> bool:
    """A sanction for fake reviews freezes new reviews."""
    return company.review_sanctions.active().exists()


def _chain(sanction: Sanction, *, action: str, actor: User, at: datetime) -> None:
    review_ids = Review.objects.filter(company_id=sanction.company_id).order_by("pk")
    ledger.append(
        [
            ledger.sanction_entry(
                review_id=review_id,
                sanction_id=sanction.pk,
                action=action,
                reason=sanction.reason,
                actor_id=actor.pk,
                at=at,
            )
            for review_id in review_ids.values_list("pk", flat=True)
        ]
    )


@transaction.atomic
def sanction_create(*, company: Company, actor: User, reason: str) -> Sanction:
    """Fake reviews found: a public warning on the company page and no new
    reviews until staff lift it."""
    if not reason.strip():
        raise ValidationError(_("The warning needs a reason; it is public."))
    if company_is_frozen(company):
        raise ValidationError(_("This company is already sanctioned."))
    sanction = Sanction.objects.create(company=company, reason=reason.strip(), decided_by=actor)
    _chain(sanction, action="given", actor=actor, at=sanction.created_at)
    return sanction


@transaction.atomic
def sanction_lift(*, sanction: Sanction, actor: User) -> None:
    now = timezone.now()
    if Sanction.objects.active().filter(pk=sanction.pk).update(lifted_at=now, lifted_by=actor):
        _chain(sanction, action="lifted", actor=actor, at=now)
