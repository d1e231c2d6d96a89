"""Clients without an invitation: they ask from the company page, prove their
address, and are invited once the matching invoice is registered."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.email_addresses import canonical_email
from common.signed_links import row_from_token
from common.text import identifier_text
from directory.models import Company

from .. import emails
from ..links import REQUEST_SALT
from ..models import (
    Invoice,
    ReviewInvitation,
    ReviewRequest,
    ReviewRequestStatus,
)
from ..names import compare_names
from . import invitations

REQUEST_MAX_AGE = timedelta(days=2)


@transaction.atomic
def review_request_create(*, company: Company, fields: dict) -> ReviewRequest:
    """Record the request and send the e-mail that proves the address (in
    one transaction: the request never exists without its e-mail)."""
    request = ReviewRequest(company=company, **fields)
    request.email = request.email.strip().lower()
    # The written form invoice numbers are kept in ("F–001" is "F-001").
    request.invoice_number = identifier_text(request.invoice_number)
    request.full_clean()
    request.save()
    emails.send_review_request_confirmation(request.pk)
    return request


def _match(request: ReviewRequest) -> Invoice | None:
    """The registered invoice this request designates: same number, and
    the same client (e-mail, or a name that is not a mismatch)."""
    invoice = request.company.invoices.filter(number__iexact=request.invoice_number).first()
    if invoice is None:
        return None
    same_email = invoice.client_email_canonical == canonical_email(request.email)
    name = compare_names(request.name, invoice.client_name, invoice_company=invoice.client_company)
    if same_email or name.result != "mismatch":
        return invoice
    return None


@transaction.atomic
def review_request_confirm(*, token: str) -> ReviewRequest:
    """The address is proven; match now, or wait for the invoice."""
    request = row_from_token(
        ReviewRequest.objects.select_for_update(),
        token,
        salt=REQUEST_SALT,
        max_age=REQUEST_MAX_AGE,
        invalid=_("This link is not valid or has expired."),
    )
    if request.status == ReviewRequestStatus.UNCONFIRMED:
        request.confirmed_at = timezone.now()
        request.status = ReviewRequestStatus.WAITING
        request.save(update_fields=["confirmed_at", "status"])
        _try_match(request)
    return request


def _try_match(request: ReviewRequest) -> None:
    """Invite the client of the invoice the request designates, unless it
    is older than ``REVIEW_INVOICE_MAX_AGE_DAYS`` (the invoice form's own
    limit, ``invitations.invoice_too_old``): then the request ends as
    ``too_old``, and no invitation is created or sent again."""
    invoice = _match(request)
    if invoice is None:
        return
    if invitations.invoice_too_old(invoice.issued_on):
        request.invoice, request.status = invoice, ReviewRequestStatus.TOO_OLD
        request.save(update_fields=["invoice", "status"])
        return
    invitation = ReviewInvitation.objects.filter(invoice=invoice).first()
    if invitation is None:
        invitation = invitations.invitation_create(invoice=invoice)  # sent to the invoice's client
    elif invitation.is_open:
        emails.send_review_invitation(invitation.pk, reminder=True)
    request.invoice, request.status = invoice, ReviewRequestStatus.MATCHED
    request.save(update_fields=["invoice", "status"])


def review_requests_match(*, invoice: Invoice) -> int:
    """A newly registered invoice answers the requests waiting for it."""
    waiting = ReviewRequest.objects.filter(
        company=invoice.company,
        status=ReviewRequestStatus.WAITING,
        invoice_number__iexact=invoice.number,
    )
    matched = 0
    for request in waiting:
        _try_match(request)
        matched += request.status == ReviewRequestStatus.MATCHED
    return matched
