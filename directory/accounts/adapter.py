"""django-allauth, customised through its adapter only."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import AbstractBaseUser

from common.mail import queue_message


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's message now and put it in the outbox, in the
        current transaction; a worker sends it once that commits (the web
        request never waits for SMTP, nor fails when the broker is down)."""
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


def user_display(user: AbstractBaseUser) -> str:
    return user.email
