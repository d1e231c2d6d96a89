"""Signed links of team invitations (see :mod:`common.signed_links`)."""

from __future__ import annotations

from common.signed_links import make_token
from directory.team.models import Invitation

INVITATION_SALT = "directory.invitation"


def invitation_token(invitation: Invitation) -> str:
    return make_token(INVITATION_SALT, invitation.pk, invitation.nonce)
