"""Invitations: the platform asks the client of an invoice for a review
(one signed link, one reminder, an opt-out)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.signed_links import LinkError, row_from_token

from .. import emails
from ..links import INVITATION_SALT
from ..models import (
    Invoice,
    Review,
    ReviewInvitation,
)


def invoice_max_age() -> timedelta:
    """How old an invoice may be for its client to be invited
    (``REVIEW_INVOICE_MAX_AGE_DAYS``, 365 days: "12 mois")."""
    return timedelta(days=settings.REVIEW_INVOICE_MAX_AGE_DAYS)


def invoice_max_age_months() -> int:
    """:func:`invoice_max_age` in whole months, as people say it (365
    days: 12)."""
    return max(1, round(settings.REVIEW_INVOICE_MAX_AGE_DAYS * 12 / 365))


def too_old_message() -> str:
    """What the pro reads for an invoice registered without an invitation:
    "facture de plus de 12 mois : pas d'invitation"."""
    months = invoice_max_age_months()
    return ngettext(
        "invoice more than %(months)s month old: no invitation",
        "invoice more than %(months)s months old: no invitation",
        months,
    ) % {"months": months}


def invoice_too_old(issued_on: date, *, today: date | None = None) -> bool:
    """An invoice issued on ``issued_on`` is past :func:`invoice_max_age`
    on ``today`` (the local date by default): it is registered, but its
    client is never invited, by the company's rule or by a client's request
    (``reviews.services.requests``). Issued exactly ``max_age`` ago is
    still in time."""
    return issued_on < (today or timezone.localdate()) - invoice_max_age()


def invitation_create(*, invoice: Invoice) -> ReviewInvitation:
    """Create the invitation of ``invoice`` and put its e-mail in the outbox,
    in the caller's transaction (invoice form or import). Raises
    ``ValidationError`` for an invoice past :func:`invoice_max_age`: callers
    check :func:`invoice_too_old` first and tell the pro why."""
    if invoice_too_old(invoice.issued_on):
        raise ValidationError(too_old_message())
    invitation = ReviewInvitation.objects.create(
        invoice=invoice,
        expires_at=timezone.now() + timedelta(days=settings.REVIEW_INVITATION_DAYS),
    )
    emails.send_review_invitation(invitation.pk)
    return invitation


def invitation_from_token(token: str) -> ReviewInvitation:
    """The invitation a link names, if it can still be used. Raises
    :class:`~common.signed_links.LinkError`."""
    invitation = row_from_token(
        ReviewInvitation.objects.select_related("invoice__company"),
        token,
        salt=INVITATION_SALT,
        invalid=_("This review link is not valid."),
    )
    if invitation.used_at is not None or Review.objects.filter(invoice=invitation.invoice).exists():
        raise LinkError(_("A review was already written for this invoice."))
    if invitation.opted_out_at is not None:
        raise LinkError(_("You asked not to be invited for this invoice."))
    if invitation.expires_at <= timezone.now():
        raise LinkError(_("This review link has expired."))
    return invitation


def invitation_opened(invitation: ReviewInvitation) -> None:
    """Note the first time the client opened a usable invitation link (the
    pro dashboard counts invitations sent / opened / answered). One UPDATE,
    a no-op after the first time."""
    ReviewInvitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
        opened_at=timezone.now()
    )


def invitation_opt_out(*, token: str) -> ReviewInvitation:
    invitation = row_from_token(
        ReviewInvitation.objects.all(),
        token,
        salt=INVITATION_SALT,
        invalid=_("This link is not valid."),
    )
    ReviewInvitation.objects.filter(pk=invitation.pk, opted_out_at__isnull=True).update(
        opted_out_at=timezone.now()
    )
    return invitation


def invitations_remind(*, now=None) -> int:
    """Queue the one reminder of invitations left unanswered. Returns how
    many; a conditional update claims each row, so two workers never send
    the same reminder, and the claim and the outbox row commit together."""
    now = now or timezone.now()
    due = ReviewInvitation.objects.filter(
        sent_at__lte=now - timedelta(days=settings.REVIEW_REMINDER_DAYS),
        reminded_at__isnull=True,
        used_at__isnull=True,
        opted_out_at__isnull=True,
        expires_at__gt=now,
    ).values_list("pk", flat=True)[:5000]
    count = 0
    for pk in list(due):
        with transaction.atomic():
            claimed = ReviewInvitation.objects.filter(pk=pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed:
                emails.send_review_invitation(pk, reminder=True)
                count += 1
    return count
