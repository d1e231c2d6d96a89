"""Reads of quote requests: who a company's requests reach, the request a
confirmation link names, and the company's inbox."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from common.signed_links import LinkError, LinkExpired, row_from_token
from common.types import User
from directory.companies.models import Company
from directory.companies.selectors import company_recipients
from directory.quotes.models import QuoteDelivery, QuoteRequest, QuoteStatus
from directory.team.models import Membership

from .links import QUOTE_SALT


def quote_recipients(company: Company) -> tuple[QuoteDelivery, list[str]]:
    """Where a request to ``company`` is e-mailed, and how that is called.

    The addresses of its members whose account is active (they read and
    answer in the pro space); without any, the contact e-mail the company
    shows on its page (the request is e-mailed in full, the company
    answers directly); without that either, ``(NOBODY, [])``: the request
    waits in the company's inbox for a member to join. The rule is
    ``directory.companies.selectors.company_recipients``. One query.
    """
    kind, addresses = company_recipients(company)
    return QuoteDelivery(kind), addresses


def quote_from_confirmation_link(
    token: str, queryset: QuerySet[QuoteRequest] | None = None
) -> QuoteRequest:
    """The request a confirmation link names (``queryset`` may lock it).

    A link is valid ``QUOTE_CONFIRMATION_MAX_AGE_HOURS``; past that it
    still names a request it already confirmed, so that opening it again
    from the mailbox says "already confirmed". Raises ``LinkError`` (its
    ``message`` for the visitor) for a garbled or forged link, an expired
    link of a request never confirmed, or a request deleted since.
    """
    rows = queryset if queryset is not None else QuoteRequest.objects.all()
    invalid = _(
        "This confirmation link is not valid: check that you copied the whole link "
        "from the e-mail, or send your request again."
    )
    try:
        return row_from_token(
            rows,
            token,
            salt=QUOTE_SALT,
            max_age=timedelta(hours=settings.QUOTE_CONFIRMATION_MAX_AGE_HOURS),
            invalid=invalid,
            expired=_(
                "This link has expired: a request not confirmed within %(hours)s hours "
                "is deleted. Please send your request again."
            )
            % {"hours": settings.QUOTE_CONFIRMATION_MAX_AGE_HOURS},
            revoked=_("This request no longer exists. Please send it again."),
        )
    except LinkExpired as expired:
        try:
            quote = row_from_token(rows, token, salt=QUOTE_SALT, invalid=invalid)
        except LinkError:
            raise expired from None
        if quote.status == QuoteStatus.UNCONFIRMED:
            raise
        return quote


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


def personal_data(user: User) -> list[dict]:
    """The quote requests the user sent, with the companies' answers, for
    their data export."""
    quotes = QuoteRequest.objects.filter(requester=user).select_related("company")
    return [
        {
            "company": quote.company.trade_name,
            "created_at": quote.created_at.isoformat(),
            "status": quote.status,
            "name": quote.name,
            "email": quote.email,
            "phone": quote.phone,
            "need": quote.need,
            "postal_code": quote.postal_code,
            "city": quote.city,
            "timeframe": quote.timeframe,
            "budget": quote.budget,
            "contact_preference": quote.contact_preference,
            "answers": [
                {"created_at": reply.created_at.isoformat(), "body": reply.body}
                for reply in quote.replies.all()
            ],
        }
        for quote in quotes.prefetch_related("replies")
    ]
