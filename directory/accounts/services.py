"""Writes of user accounts: deletion and personal data export (GDPR
articles 17 and 20), and the staff groups with their permissions."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from common.types import User
from directory.quotes.models import QuoteRequest
from directory.team.selectors import owners_of


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account and its personal data. Quote requests stay with the
    companies for their records, anonymised; a last owner must first hand
    the company over."""
    for membership in user.memberships.select_related("company"):
        if membership.is_owner and owners_of(membership.company).count() == 1:
            raise ValidationError(
                _("You are the only owner of %(company)s: invite another owner first.")
                % {"company": membership.company.trade_name}
            )
    QuoteRequest.objects.filter(Q(requester=user) | Q(email__iexact=user.email)).update(
        requester=None,
        name="",
        email="",
        phone="",
        need=_("[deleted at the requester's request]"),
        anonymised_at=timezone.now(),
    )
    user.delete()


def user_data_export(*, user: User) -> dict:
    """Everything the platform holds about a person, as JSON-ready data:
    ``{"account": {...}, <section>: [...], ...}``, one section per entry of
    ``settings.PERSONAL_DATA_SECTIONS`` (each app exports its own data)."""
    data: dict[str, object] = {
        "account": {
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user)
            ],
        },
    }
    for section, path in settings.PERSONAL_DATA_SECTIONS.items():
        data[section] = import_string(path)(user)
    return data


# The staff teams and what each may do (app_label.codename). Later apps
# add their own permissions here.
STAFF_GROUPS = {
    "vetting": [
        "eligibility.vet_application",
        "directory.view_company",
        "directory.change_company",
        "directory.view_certification",
        "directory.view_membership",
    ],
    "moderation": [
        "reviews.moderate_review",
        "reviews.view_review",
        "reviews.view_invoice",
        "loyalty.decide_sessionaudit",
        "loyalty.view_sessionaudit",
        "directory.view_company",
        "directory.view_quoterequest",
    ],
    "sales": [
        "directory.view_company",
        "prospects.work_platform_pipeline",
        "prospects.view_prospect",
        "prospects.view_referrer",
    ],
    # Failed e-mails: see the outbox list (recipient, subject, status,
    # error count) and put failed ones back in the queue. Message bodies
    # carry sign-in and confirmation links: only superusers open them.
    "support": [
        "post_office.view_email",
        "post_office.change_email",
        # The night's chain: its staff page (common.views.nightly_runs).
        "common.view_jobrun",
    ],
}


def staff_groups_ensure() -> None:
    """Create the staff groups with exactly their permissions. Idempotent;
    runs after every migrate."""
    for name, codes in STAFF_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.none()
        for code in codes:
            app_label, codename = code.split(".")
            permissions |= Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            )
        group.permissions.set(permissions)
