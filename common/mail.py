"""E-mails, through a transactional outbox.

Every e-mail is first a row (django-post-office's ``Email``) written in the
transaction of the change that causes it, then sent by a worker
(:mod:`common.tasks`): a write that commits has its mail, a write that rolls
back has none, and a broker outage only delays it.

Messages are rendered here, when they are queued, from
``templates/emails/<name>_subject.txt`` and ``<name>_body.txt`` in the
site's language, with absolute links: the person gets what was true when
they acted (a moderation decision, a reply as written), the worker needs no
model of any app, and staff see in the admin exactly what is or was sent.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from post_office import mail as post_office_mail
from post_office.models import PRIORITY, Email

from .broker import task_send_or_leave

logger = logging.getLogger(__name__)

# The header a reply-to address travels in while the message waits in the
# outbox (post_office has no column for it); the worker gives it back to
# Django's ``reply_to`` when it sends.
REPLY_TO_HEADER = "Reply-To"


def site_url(name: str, *args: Any) -> str:
    """An absolute URL for an e-mail (workers have no request)."""
    with translation.override(settings.LANGUAGE_CODE):
        base: str = settings.SITE_URL
        return base + reverse(name, args=args)


def render_templated(
    template: str, context: dict[str, Any], *, language: str | None = None
) -> tuple[str, str]:
    """``(subject, body)`` of ``templates/emails/<template>_*.txt`` in
    ``language`` (one of ``settings.LANGUAGES``; the site's language by
    default, since a worker has no request); the subject carries the
    ``[site name]`` prefix. Both are plain text: nothing is HTML-escaped
    ("Martin & Fils" stays so, not "Martin &amp; Fils")."""
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {**context, "SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}
        subject = _plain_text(f"emails/{template}_subject.txt", context).strip()
        body = _plain_text(f"emails/{template}_body.txt", context)
    return f"[{settings.SITE_NAME}] {subject}", body


def _plain_text(name: str, context: dict[str, Any]) -> str:
    # Django's own Template under the backend's wrapper: only it takes a
    # Context, whose autoescape switch is the one plain text needs.
    template: Any = getattr(get_template(name), "template")  # noqa: B009
    return str(template.render(Context(context, autoescape=False)))


def queue_templated(
    template: str,
    context: dict[str, Any],
    to: list[str],
    *,
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
    language: str | None = None,
) -> Email:
    """Render ``template`` now, in ``language`` (the recipient's, when the
    caller knows it; else the site's), and put the message in the outbox,
    inside the caller's transaction. Returns the outbox row."""
    subject, body = render_templated(template, context, language=language)
    return queue_message(subject=subject, body=body, to=to, reply_to=reply_to, headers=headers)


def queue_message(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str = "",
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Email:
    """Put one rendered message in the outbox (a ``queued`` row) and ask a
    worker to send it once the transaction commits.

    Asking never fails the caller: if the broker is down the row waits for
    the sweeper (``common.tasks.outbox_sweep``). Raises
    :class:`~django.core.exceptions.ValidationError` on an invalid address,
    before anything is written."""
    all_headers = dict(headers or {})
    if reply_to:
        all_headers[REPLY_TO_HEADER] = ", ".join(reply_to)
    email = post_office_mail.send(
        recipients=to,
        sender=settings.DEFAULT_FROM_EMAIL,
        subject=subject,
        message=body,
        html_message=html,
        headers=all_headers or None,
        priority=PRIORITY.medium,
    )
    email_id: int = email.pk
    transaction.on_commit(lambda: outbox_kick(email_id))
    return email


def outbox_kick(email_id: int) -> None:
    """Queue the sending of one outbox row. A broker error is logged in one
    line and swallowed: the row is in the database, the sweeper sends it."""
    from .tasks import send_outbox_email  # the worker's side imports this module

    task_send_or_leave(send_outbox_email, (email_id,), what=f"outbox: e-mail {email_id}")
