"""django-allauth, customised through its adapter only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse

from common.client_ip import client_ip
from common.mail import queue_message
from directory.team.models import Membership


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's e-mails call ``current_site``: the platform's name
    (``SITE_NAME``) and the domain of ``SITE_URL``, whatever host the
    request came through."""

    name: str
    domain: str


def site_identity() -> SiteIdentity:
    return SiteIdentity(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's message now and put it in the outbox, in the
        current transaction; a worker sends it once that commits (the web
        request never waits for SMTP, nor fails when the broker is down).
        The context is allauth's own (request, address, site) with our
        site's name and domain: without django.contrib.sites they were
        empty ("Bonjour, c'est  !")."""
        context = {
            "request": allauth_context.request,
            "email": email,
            "current_site": site_identity(),
            **context,
        }
        message = self.render_mail(template_prefix, email, context)
        alternatives = [
            (content, mimetype) for content, mimetype in getattr(message, "alternatives", [])
        ]
        queue_message(
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            html=alternatives[0][0] if alternatives else "",
        )

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Where a person lands after logging in (or confirming their
        address) when no safe ``?next=`` says otherwise — allauth honours
        that first and drops an unsafe one: a pro (a member of a company)
        in the pro space, anyone else in their account."""
        user = request.user
        if user.is_authenticated and Membership.objects.filter(user_id=user.pk).exists():
            return reverse("directory:pro-home")
        return reverse("directory:account")

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address behind ``TRUSTED_PROXY_COUNT`` proxies, as every
        other rate limit of the site sees it (``common.client_ip``)."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The key of allauth's "login_failed" limit per key (5 per 5
        minutes): the account *and* the client's address. Keyed on the
        account alone, anyone who typed five wrong passwords locked the
        real user out for 5 minutes (issue 10, §6); the per-address
        limit (10 a minute) still bounds one client across accounts.

        allauth 65 has no public setting for this key; the method is the
        one its ``pre_authenticate`` and password reset use."""
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{self.get_client_ip(request)}"


def user_display(user: AbstractBaseUser) -> str:
    return user.email
