"""Celery tasks of the directory: they take ids, re-read the rows, and
leave the logic to services; e-mails are rendered in French."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from common.mail import EMAIL_TASK, send_templated, site_url

from . import services
from .models import Invitation, QuoteReply, QuoteRequest, QuoteStatus


@shared_task(soft_time_limit=5 * 60, time_limit=6 * 60)
def refresh_profession_counts() -> int:
    return services.profession_counts_refresh()


@shared_task(soft_time_limit=5 * 60, time_limit=6 * 60)
def purge_unconfirmed_quote_requests() -> int:
    return services.quote_requests_purge_unconfirmed()


@shared_task(**EMAIL_TASK)
def send_email(*, subject: str, body: str, to: list[str], html: str | None = None) -> None:
    """Send one e-mail; SMTP failures are retried with back-off."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task(**EMAIL_TASK)
def send_invitation(invitation_id: int) -> None:
    invitation = (
        Invitation.objects.select_related("company", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return  # replaced or accepted meanwhile
    token = services.invitation_token(invitation)
    send_templated(
        "invitation",
        {
            "invitation": invitation,
            "url": site_url("directory:invitation", token),
            "days": settings.DIRECTORY_INVITATION_MAX_AGE_DAYS,
        },
        [invitation.email],
    )


@shared_task(**EMAIL_TASK)
def send_quote_confirmation(quote_id: int) -> None:
    quote = (
        QuoteRequest.objects.select_related("company")
        .filter(pk=quote_id, status=QuoteStatus.UNCONFIRMED)
        .first()
    )
    if quote is None:
        return
    token = services.quote_confirmation_token(quote)
    send_templated(
        "quote_confirmation",
        {
            "quote": quote,
            "url": site_url("directory:quote-confirm", token),
            "hours": settings.QUOTE_CONFIRMATION_MAX_AGE_HOURS,
        },
        [quote.email],
    )


@shared_task(**EMAIL_TASK)
def notify_company_of_quote_request(quote_id: int) -> None:
    quote = QuoteRequest.objects.select_related("company", "profession").get(pk=quote_id)
    members = list(
        quote.company.memberships.select_related("user").values_list("user__email", flat=True)
    )
    if not members:
        return
    send_templated(
        "quote_new",
        {"quote": quote, "url": site_url("directory:pro-quote", quote.company_id, quote.pk)},
        members,
    )


@shared_task(**EMAIL_TASK)
def send_quote_reply(reply_id: int) -> None:
    reply = QuoteReply.objects.select_related("quote_request__company", "author").get(pk=reply_id)
    quote = reply.quote_request
    if not quote.email:
        return  # anonymised meanwhile
    send_templated(
        "quote_reply",
        {"reply": reply, "quote": quote},
        [quote.email],
        reply_to=[reply.author.email] if reply.author else None,
    )
