"""E-mails of quote requests: written to the outbox (:mod:`common.mail`)
in the transaction of the service that causes them, sent by a worker."""

from __future__ import annotations

from django.conf import settings

from common.mail import queue_templated, site_url
from directory.quotes.models import QuoteDelivery, QuoteReply, QuoteRequest, QuoteStatus
from directory.quotes.selectors import quote_recipients

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


def notify_company_of_quote_request(quote_id: int) -> QuoteDelivery:
    """Tell the company about a request that reaches it; returns whom
    (``quote_recipients``). Members get a notice and read the request in
    the pro space; a company without members gets the whole request at
    its contact e-mail, the requester as reply-to; with neither, nothing
    is sent (``NOBODY``)."""
    quote = QuoteRequest.objects.select_related("company", "profession").get(pk=quote_id)
    delivery, recipients = quote_recipients(quote.company)
    if delivery == QuoteDelivery.MEMBERS:
        queue_templated(
            "quote_new",
            {"quote": quote, "url": site_url("directory:pro-quote", quote.company_id, quote.pk)},
            recipients,
        )
    elif delivery == QuoteDelivery.COMPANY_EMAIL:
        queue_templated(
            "quote_new_direct",
            {"quote": quote, "url": site_url("directory:company", quote.company.slug)},
            recipients,
            reply_to=[quote.email],
        )
    return delivery


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
