"""Writes of quote requests: creation (duplicates within 24 h refused),
confirmation of anonymous requests (48 h), replies, status, purge.

A request reaches the company when it is sent from a verified account or
confirmed by e-mail: the company's active members are notified, else its
contact e-mail gets the request in full, else nobody can be written to.
The request is then kept all the same (status "new", ``delivery``
"nobody") and waits in the company's inbox for a member to join; the
requester is told so, never that the company received it."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.email_addresses import canonical_email
from common.signed_links import LinkError
from common.text import normalize
from common.types import User
from directory.companies.models import Company
from directory.quotes.models import (
    QUOTE_TRANSITIONS,
    QuoteReply,
    QuoteRequest,
    QuoteRequestEvent,
    QuoteStatus,
)

from . import emails
from .selectors import quote_from_confirmation_link
from .signals import quote_request_received

DUPLICATE_WINDOW = timedelta(hours=24)


def _move(quote: QuoteRequest, to: str, *, actor: User | None, by: str, reason: str = "") -> None:
    """The one way a quote request changes status: allowed by
    ``QUOTE_TRANSITIONS`` for ``by`` (else ``TransitionError``), recorded
    as a ``QuoteRequestEvent``. ``quote`` must be locked by the caller."""
    QUOTE_TRANSITIONS.check(quote.status, to, by=by)
    QuoteRequestEvent.objects.create(
        quote_request=quote, actor=actor, from_status=quote.status, to_status=to, reason=reason
    )
    quote.status = to
    fields = ["status"]
    if to == QuoteStatus.NEW and quote.confirmed_at is None:
        quote.confirmed_at = timezone.now()
        fields.append("confirmed_at")
    quote.save(update_fields=fields)


def _locked(quote: QuoteRequest) -> QuoteRequest:
    return QuoteRequest.objects.select_for_update().get(pk=quote.pk)


def quote_fingerprint(need: str) -> str:
    return hashlib.sha256(normalize(need).encode()).hexdigest()


@transaction.atomic
def quote_request_create(*, company: Company, requester: User | None, fields: dict) -> QuoteRequest:
    """Record a quote request. From a verified account it goes straight to
    the company; otherwise it waits for its e-mail to be confirmed.

    The same person sending the same text to the same company within 24
    hours is refused: a double click or a bot, never a new need.
    """
    email = (requester.email if requester else fields["email"]).strip().lower()
    fingerprint = quote_fingerprint(fields["need"])
    since = timezone.now() - DUPLICATE_WINDOW
    # The same need to the same company in the window: a handful of rows,
    # compared by person in Python (one mailbox, many spellings).
    person = canonical_email(email)
    same_need = company.quote_requests.filter(fingerprint=fingerprint, created_at__gte=since)
    if any(
        (requester is not None and quote.requester_id == requester.pk)
        or canonical_email(quote.email) == person
        for quote in same_need.only("pk", "email", "requester_id")
    ):
        raise ValidationError(
            _("You already sent this request to this company in the last 24 hours.")
        )
    confirmed = requester is not None
    quote = QuoteRequest(
        company=company,
        requester=requester,
        fingerprint=fingerprint,
        status=QuoteStatus.NEW if confirmed else QuoteStatus.UNCONFIRMED,
        confirmed_at=timezone.now() if confirmed else None,
        **{**fields, "email": email},
    )
    quote.full_clean()
    quote.save()
    QuoteRequestEvent.objects.create(
        quote_request=quote,
        actor=requester,
        to_status=quote.status,
        reason="sent by a logged-in requester" if confirmed else "awaiting e-mail confirmation",
    )
    if confirmed:
        _deliver(quote)
    else:
        emails.send_quote_confirmation(quote.pk)
    return quote


def _deliver(quote: QuoteRequest) -> None:
    """Notify the company of a request that reaches it, and record whom."""
    quote.delivery = emails.notify_company_of_quote_request(quote.pk)
    quote.save(update_fields=["delivery"])
    # Robust: a receiver that fails (the prospect pipeline) is logged and
    # never turns a request that was saved into an error for its sender.
    transaction.on_commit(
        partial(quote_request_received.send, sender=QuoteRequest, quote_request_id=quote.pk),
        robust=True,
    )


@transaction.atomic
def quote_request_confirm(*, token: str) -> tuple[QuoteRequest, bool]:
    """The requester clicked the link of the confirmation e-mail: the
    request reaches the company. Returns the request and whether this
    click confirmed it (``False``: it was already confirmed). Raises
    ``LinkError`` for a link that cannot be used
    (:func:`~directory.quotes.selectors.quote_from_confirmation_link`)."""
    quote = quote_from_confirmation_link(
        token,
        QuoteRequest.objects.select_for_update(of=("self",)).select_related(
            "company__primary_profession"
        ),
    )
    # The row is locked: two clicks confirm once, and notify once.
    if quote.status != QuoteStatus.UNCONFIRMED:
        return quote, False
    if not quote.company.is_public:
        raise LinkError(
            _("%(company)s is no longer listed: your request cannot be sent.")
            % {"company": quote.company.trade_name}
        )
    _move(quote, QuoteStatus.NEW, actor=quote.requester, by="requester", reason="e-mail confirmed")
    _deliver(quote)
    return quote, True


@transaction.atomic
def quote_request_mark_read(*, quote: QuoteRequest, actor: User) -> None:
    """A member opened a new request: it becomes read."""
    quote = _locked(quote)
    if quote.status == QuoteStatus.NEW:
        _move(quote, QuoteStatus.READ, actor=actor, by="member", reason="opened")


@transaction.atomic
def quote_reply_create(*, quote: QuoteRequest, author: User, body: str) -> QuoteReply:
    """A member answers; the request becomes answered (a closed one stays
    closed) and the requester gets the answer by e-mail."""
    if quote.anonymised_at is not None:
        raise ValidationError(_("The requester deleted their account: they cannot be answered."))
    reply = QuoteReply(quote_request=quote, author=author, body=body)
    reply.full_clean()
    reply.save()
    quote = _locked(quote)
    if quote.status not in (QuoteStatus.ANSWERED, QuoteStatus.CLOSED):
        _move(quote, QuoteStatus.ANSWERED, actor=author, by="member", reason="answer sent")
    emails.send_quote_reply(reply.pk)
    return reply


@transaction.atomic
def quote_request_set_status(*, quote: QuoteRequest, status: str, actor: User) -> None:
    """A member files a request by hand (read, answered, closed). Raises
    ``ValidationError`` for any other status or a change not allowed."""
    if status not in (QuoteStatus.READ, QuoteStatus.ANSWERED, QuoteStatus.CLOSED):
        raise ValidationError(_("This status cannot be set by hand."))
    quote = _locked(quote)
    if quote.status != status:
        _move(quote, status, actor=actor, by="member", reason="set by hand")


def quote_requests_purge_unconfirmed() -> int:
    """Delete anonymous requests never confirmed: they hold an e-mail
    address nobody proved. Returns how many."""
    limit = timezone.now() - timedelta(hours=settings.QUOTE_CONFIRMATION_MAX_AGE_HOURS)
    _total, deleted = QuoteRequest.objects.filter(
        status=QuoteStatus.UNCONFIRMED, created_at__lt=limit
    ).delete()
    return deleted.get(QuoteRequest._meta.label, 0)
