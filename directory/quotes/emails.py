"""E-mails of quote requests: written to the outbox (:mod:`common.mail`)
in the transaction of the service that causes them, sent by a worker."""

from __future__ import annotations

from django.conf import settings

from common.mail import queue_templated, site_url
from directory.quotes.models import QuoteReply, QuoteRequest, QuoteStatus

from . import links


def send_quote_confirmation(quote_id: int) -> None:
    quote = (
        QuoteRequest.objects.select_related("company")
        .filter(pk=quote_id, status=QuoteStatus.UNCONFIRMED)
        .first()
    )
    if quote is None:
        return
    token = links.quote_confirmation_token(quote)
    queue_templated(
        "quote_confirmation",
        {
            "quote": quote,
            "url": site_url("directory:quote-confirm", token),
            "hours": settings.QUOTE_CONFIRMATION_MAX_AGE_HOURS,
        },
        [quote.email],
    )


def notify_company_of_quote_request(quote_id: int) -> None:
    quote = QuoteRequest.objects.select_related("company", "profession").get(pk=quote_id)
    members = list(
        quote.company.memberships.select_related("user").values_list("user__email", flat=True)
    )
    if not members:
        return
    queue_templated(
        "quote_new",
        {"quote": quote, "url": site_url("directory:pro-quote", quote.company_id, quote.pk)},
        members,
    )


def send_quote_reply(reply_id: int) -> None:
    reply = QuoteReply.objects.select_related("quote_request__company", "author").get(pk=reply_id)
    quote = reply.quote_request
    if not quote.email:
        return  # anonymised meanwhile
    queue_templated(
        "quote_reply",
        {"reply": reply, "quote": quote},
        [quote.email],
        reply_to=[reply.author.email] if reply.author else None,
    )
