"""django-allauth, customised through its adapter only."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import AbstractBaseUser

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


def user_display(user: AbstractBaseUser) -> str:
    return user.email
