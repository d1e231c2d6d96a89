"""Writes of a company's team: invitations (signed links, 7 days, single
use, for the invited address only) and removals (a company keeps an owner)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.email_addresses import canonical_email
from common.signed_links import LinkError, row_from_token
from common.types import User
from directory.companies.models import Company
from directory.team.models import Invitation, Membership, MembershipRole

from . import emails
from .links import INVITATION_SALT


@transaction.atomic
def invitation_create(*, company: Company, email: str, role: str, invited_by: User) -> Invitation:
    """Invite someone to the company. A pending invitation to the same
    address is replaced (its link stops working)."""
    email = email.strip().lower()
    person = canonical_email(email)
    members = company.memberships.values_list("user__email", flat=True)
    if any(canonical_email(member) == person for member in members):
        raise ValidationError(_("This person is already a member of the company."))
    pending = company.invitations.filter(accepted_at__isnull=True).only("pk", "email")
    replaced = [
        invitation.pk for invitation in pending if canonical_email(invitation.email) == person
    ]
    Invitation.objects.filter(pk__in=replaced).delete()
    invitation = Invitation.objects.create(
        company=company, email=email, role=role, invited_by=invited_by
    )
    emails.send_invitation(invitation.pk)
    return invitation


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link names, if it can still be accepted. Raises
    :class:`~common.signed_links.LinkError`."""
    invitation = row_from_token(
        Invitation.objects.select_related("company"),
        token,
        salt=INVITATION_SALT,
        max_age=timedelta(days=settings.DIRECTORY_INVITATION_MAX_AGE_DAYS),
        invalid=_("This invitation link is not valid."),
        expired=_("This invitation has expired. Ask for a new one."),
        revoked=_("This invitation was withdrawn or replaced."),
    )
    if invitation.accepted_at is not None:
        raise LinkError(_("This invitation has already been used."))
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the company. The account must be the invited address: the link
    alone does not give a company to whoever holds it."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise LinkError(_("This invitation has already been used."))
    if user.email.lower() != invitation.email:
        raise LinkError(
            _("This invitation was sent to %(email)s: log in with that address to accept it.")
            % {"email": invitation.email}
        )
    membership, _created = Membership.objects.get_or_create(
        company=invitation.company, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove someone from a company; the last owner cannot go."""
    owners = list(
        Membership.objects.select_for_update()
        .filter(company_id=membership.company_id, role=MembershipRole.OWNER)
        .values_list("pk", flat=True)
    )
    if owners == [membership.pk]:
        raise ValidationError(_("A company always keeps at least one owner."))
    membership.delete()
