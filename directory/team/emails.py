"""E-mails of the team: written to the outbox (:mod:`common.mail`) in the
transaction of the service that causes them, sent by a worker."""

from __future__ import annotations

from django.conf import settings

from common.mail import queue_templated, site_url
from directory.team.models import Invitation

from . import links


def send_invitation(invitation_id: int) -> None:
    invitation = (
        Invitation.objects.select_related("company", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return  # replaced or accepted meanwhile
    token = links.invitation_token(invitation)
    queue_templated(
        "invitation",
        {
            "invitation": invitation,
            "url": site_url("directory:invitation", token),
            "days": settings.DIRECTORY_INVITATION_MAX_AGE_DAYS,
        },
        [invitation.email],
    )
