"""E-mails sent by workers: rendered from templates/emails/<name>_subject.txt
and <name>_body.txt in the site's language, with absolute links."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

# Options of every Celery task that sends one e-mail: SMTP hiccups are
# retried with back-off, a stuck connection is cut.
EMAIL_TASK = {
    "autoretry_for": (OSError,),
    "retry_backoff": 30,
    "max_retries": 5,
    "soft_time_limit": 60,
    "time_limit": 90,
}


def site_url(name: str, *args: Any) -> str:
    """An absolute URL for an e-mail (workers have no request)."""
    with translation.override(settings.LANGUAGE_CODE):
        base: str = settings.SITE_URL
        return base + reverse(name, args=args)


def send_templated(
    template: str,
    context: dict[str, Any],
    to: list[str],
    *,
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {**context, "SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"emails/{template}_body.txt", context)
    EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}",
        body=body,
        to=to,
        reply_to=reply_to,
        headers=headers,
    ).send()
