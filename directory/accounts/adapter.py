"""django-allauth, customised through its adapter only."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from common.client_ip import client_ip
from directory.accounts.emails import send_email


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's message now, send it from a worker once the
        transaction commits (the web request never waits for SMTP)."""
        message = self.render_mail(template_prefix, email, context)
        alternatives = [
            (content, mimetype) for content, mimetype in getattr(message, "alternatives", [])
        ]
        send_email.delay_on_commit(
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            html=alternatives[0][0] if alternatives else None,
        )

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address behind ``TRUSTED_PROXY_COUNT`` proxies, as every
        other rate limit of the site sees it (``common.client_ip``)."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


def user_display(user: AbstractBaseUser) -> str:
    return user.email
