"""Reads of the daily follow-up digest (issue 15, "Interactions"): who
gets one this morning, and what it lists.

A person's digest covers the prospects they own and, in a company's
pipeline, the prospects nobody owns if they are one of the company's
owners (members with the role "owner"): an unowned lead is never
forgotten. A platform prospect without owner goes to nobody (sales staff
share the board). Only prospects of pipelines the person still works are
listed (a member who left, staff who lost the permission: nothing).

Set-based: the recipients are one query (``EXISTS`` per person, never the
prospects in Python); a person's digest is one aggregate for the counts
and one bounded query for the rows listed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from common.types import User
from directory.models import Membership, MembershipRole

from .models import OPEN_STAGES, DigestSent, DigestSubscription, Pipeline, Prospect, Stage
from .permissions import PLATFORM_PERMISSION

# Rows listed in one e-mail (overdue first); beyond, the e-mail gives the
# count and the link to the "à relancer" page.
DIGEST_MAX_ROWS = 30


def _due(today: date) -> QuerySet[Prospect]:
    """Prospects with a follow-up on or before ``today``: not lost, not
    anonymised (as ``selectors.follow_ups``)."""
    return Prospect.objects.exclude(stage=Stage.LOST).filter(
        anonymised_at__isnull=True, next_follow_up__lte=today
    )


def digest_recipients(*, today: date) -> QuerySet[User, int]:
    """Primary keys (ascending) of the active users with an address who
    have something due ``today`` — owned, or unowned in a company they
    own —, have not opted out and have not had ``today``'s digest."""
    due = _due(today)
    owned = Exists(due.filter(owner=OuterRef("pk")))
    unowned = Exists(
        due.filter(
            owner__isnull=True,
            pipeline=Pipeline.COMPANY,
            company__memberships__user=OuterRef("pk"),
            company__memberships__role=MembershipRole.OWNER,
        )
    )
    opted_out = Exists(DigestSubscription.objects.filter(user=OuterRef("pk"), enabled=False))
    sent = Exists(DigestSent.objects.filter(user=OuterRef("pk"), day=today))
    return (
        User.objects.filter(owned | unowned, is_active=True)
        .exclude(email="")
        .exclude(opted_out)
        .exclude(sent)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@dataclass
class Digest:
    """What one person's e-mail says: the rows listed (at most
    ``DIGEST_MAX_ROWS``, earliest first) and the full counts."""

    overdue: list[Prospect] = field(default_factory=list)
    today: list[Prospect] = field(default_factory=list)
    overdue_count: int = 0
    today_count: int = 0
    without_next_step_count: int = 0

    @property
    def is_empty(self) -> bool:
        return self.overdue_count + self.today_count == 0

    @property
    def not_listed(self) -> int:
        return self.overdue_count + self.today_count - len(self.overdue) - len(self.today)


def digest_prospects(user: User) -> QuerySet[Prospect]:
    """The prospects a person's digest is about, whatever their date: owned
    by them, or unowned in a company they own; in pipelines they work."""
    memberships = list(Membership.objects.filter(user=user).values_list("company_id", "role"))
    member_of = [company_id for company_id, _role in memberships]
    owner_of = [company_id for company_id, role in memberships if role == MembershipRole.OWNER]
    visible = Q(pipeline=Pipeline.COMPANY, company_id__in=member_of)
    if user.has_perm(PLATFORM_PERMISSION):
        visible |= Q(pipeline=Pipeline.PLATFORM)
    mine = Q(owner=user) | Q(owner__isnull=True, pipeline=Pipeline.COMPANY, company_id__in=owner_of)
    return Prospect.objects.filter(mine, visible, anonymised_at__isnull=True).exclude(
        stage=Stage.LOST
    )


def digest_for(user: User, *, today: date) -> Digest:
    """``user``'s digest of ``today``: two queries whatever the size of
    their pipelines."""
    rows = digest_prospects(user)
    counts = rows.aggregate(
        overdue=Count("pk", filter=Q(next_follow_up__lt=today)),
        today=Count("pk", filter=Q(next_follow_up=today)),
        none=Count("pk", filter=Q(stage__in=OPEN_STAGES, next_follow_up__isnull=True)),
    )
    listed = list(
        rows.filter(next_follow_up__lte=today)
        .select_related("company")
        .order_by("next_follow_up", "pk")[:DIGEST_MAX_ROWS]
    )
    return Digest(
        overdue=[prospect for prospect in listed if prospect.next_follow_up != today],
        today=[prospect for prospect in listed if prospect.next_follow_up == today],
        overdue_count=counts["overdue"],
        today_count=counts["today"],
        without_next_step_count=counts["none"],
    )
