"""E-mails of the team, sent by workers."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from common.mail import EMAIL_TASK, send_templated, site_url
from directory.team.models import Invitation

from . import links


@shared_task(**EMAIL_TASK)
def send_invitation(invitation_id: int) -> None:
    invitation = (
        Invitation.objects.select_related("company", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return  # replaced or accepted meanwhile
    token = links.invitation_token(invitation)
    send_templated(
        "invitation",
        {
            "invitation": invitation,
            "url": site_url("directory:invitation", token),
            "days": settings.DIRECTORY_INVITATION_MAX_AGE_DAYS,
        },
        [invitation.email],
    )
