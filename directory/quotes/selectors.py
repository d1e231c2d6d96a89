"""Reads of quote requests, for the company's members."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from common.types import User
from directory.companies.models import Company
from directory.quotes.models import QuoteRequest
from directory.team.models import Membership


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
