"""Reads of the referrers' pages (issue 15, "Referrers and ambassadors"):
the leaderboard of a pipeline and what one referrer brought.

Revenue is what the referred clients paid the company: the amounts of
their counted service sessions (``loyalty``: completed, not excluded),
found by the loyalty client key of the prospect's e-mail, else phone,
else name. The platform's pipeline has no revenue (companies do not pay
for their listing): ``None``. Reviews are never read: nothing is paid for
reviews, and referrals never touch them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from loyalty.identity import NoClientIdentity, client_key
from loyalty.models import ServiceSession

from .models import Pipeline, Prospect, Referrer, Stage
from .scope import Scope


def scope_referrers(scope: Scope) -> QuerySet[Referrer]:
    """Every referrer of the pipeline: the only rows its pages may name."""
    if scope.is_platform:
        return Referrer.objects.filter(pipeline=Pipeline.PLATFORM)
    return Referrer.objects.filter(pipeline=Pipeline.COMPANY, company=scope.company)


def leaderboard(scope: Scope) -> QuerySet[Referrer]:
    """The pipeline's referrers with ``leads`` (prospects brought) and
    ``clients`` (of them, clients now), most clients first, then most
    leads. One query."""
    return (
        scope_referrers(scope)
        .annotate(
            leads=Count("referrals", distinct=True),
            clients=Count("referrals", filter=Q(referrals__stage=Stage.CLIENT), distinct=True),
        )
        .order_by("-clients", "-leads", "name", "pk")
    )


def _key(prospect: Prospect) -> str | None:
    try:
        return client_key(
            company_id=prospect.company_id or 0,
            email=prospect.email,
            phone=prospect.phone,
            name=prospect.name,
        )
    except NoClientIdentity:
        return None


def referral_revenue(scope: Scope, referrer_ids: list[int]) -> dict[int, Decimal]:
    """Revenue (€, incl. tax) from the clients each referrer brought, for
    ``referrer_ids`` of a company's pipeline (empty for the platform's).
    Two queries: the referred clients, then their sessions' sums by key."""
    if scope.is_platform or not referrer_ids:
        return {}
    clients = (
        scope.prospects()
        .filter(referrer_id__in=referrer_ids, stage=Stage.CLIENT, anonymised_at__isnull=True)
        .only("pk", "company_id", "email", "phone", "name", "referrer_id")
    )
    keys: dict[str, set[int]] = defaultdict(set)
    for prospect in clients:
        key = _key(prospect)
        if key is not None and prospect.referrer_id is not None:
            keys[key].add(prospect.referrer_id)
    if not keys:
        return {}
    sums = (
        ServiceSession.objects.counted()
        .filter(company=scope.company, client_key__in=list(keys))
        .order_by()
        .values_list("client_key")
        .annotate(total=Sum("amount"))
        .values_list("client_key", "total")
    )
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    for key, total in sums:
        for referrer_id in keys[key]:
            revenue[referrer_id] += total or Decimal(0)
    return dict(revenue)


@dataclass(frozen=True)
class Referral:
    prospect: Prospect
    revenue: Decimal | None


def referrals_of(scope: Scope, referrer: Referrer, *, limit: int) -> list[Referral]:
    """What ``referrer`` brought, newest first (at most ``limit``), each
    with the revenue from that client (``None`` for the platform's
    pipeline, 0 for a prospect not yet client)."""
    prospects = list(
        scope.prospects()
        .filter(referrer=referrer)
        .select_related("owner")
        .order_by("-created_at", "-pk")[:limit]
    )
    if scope.is_platform:
        return [Referral(prospect, None) for prospect in prospects]
    keys = {prospect.pk: _key(prospect) for prospect in prospects if prospect.stage == Stage.CLIENT}
    sums = dict(
        ServiceSession.objects.counted()
        .filter(company=scope.company, client_key__in=[key for key in keys.values() if key])
        .order_by()
        .values_list("client_key")
        .annotate(total=Sum("amount"))
        .values_list("client_key", "total")
    )
    return [
        Referral(prospect, (sums.get(keys.get(prospect.pk) or "") or Decimal(0)))
        for prospect in prospects
    ]
