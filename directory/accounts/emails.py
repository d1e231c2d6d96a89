"""The e-mail task django-allauth's messages go through (see
:mod:`directory.accounts.adapter`)."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from common.mail import EMAIL_TASK


@shared_task(**EMAIL_TASK)
def send_email(*, subject: str, body: str, to: list[str], html: str | None = None) -> None:
    """Send one e-mail; SMTP failures are retried with back-off."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
