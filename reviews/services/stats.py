"""Aggregates of published reviews kept on the companies (count, average,
trust score that search ranks by)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Avg, Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from directory.companies.services import company_search_keys_sync
from directory.models import Company
from directory.search import ranking

from ..models import Review


@dataclass(frozen=True)
class StatsReport:
    companies: int  # companies looked at
    changed: int  # companies whose figures were written


def company_review_stats_refresh_all() -> StatsReport:
    """Every company's figures (the night's step): see
    :func:`company_review_stats_refresh`."""
    changed = company_review_stats_refresh()
    return StatsReport(companies=Company.objects.count(), changed=changed)


def company_review_stats_refresh(*, company_ids: Iterable[int] | None = None) -> int:
    """Recount published reviews, their average and the trust score search
    ranks by (``directory.search.ranking.trust_of_columns``, with the
    company's loyalty score) for the given companies
    (every company when None), in one set-based UPDATE with no id list that
    rewrites only the companies whose figures changed, then copy the trust
    score onto their trade rows (``company_search_keys_sync``). Returns the
    companies whose figures changed."""
    if company_ids is not None:
        company_ids = list(company_ids)
    published = Review.objects.published().filter(company_id=OuterRef("pk"))
    companies = (
        Company.objects.all() if company_ids is None else Company.objects.filter(pk__in=company_ids)
    )
    count = Coalesce(
        Subquery(published.values("company_id").annotate(n=Count("*")).values("n")), Value(0)
    )
    average = Subquery(published.values("company_id").annotate(a=Avg("rating")).values("a"))
    # No review: the average is NULL and the rating part neutral; the
    # loyalty part is the company's whole score / 100 (loyalty's nightly job).
    trust = ranking.trust_of_columns(average, count, F("loyalty_score"))
    fresh = companies.annotate(fresh_count=count, fresh_average=average, fresh_trust=trust)
    same_average = Q(rating_average=F("fresh_average")) | Q(
        rating_average__isnull=True, fresh_average__isnull=True
    )
    stale = fresh.exclude(
        Q(review_count=F("fresh_count")) & Q(trust_score=F("fresh_trust")) & same_average
    )
    updated = Company.objects.filter(pk__in=stale.values("pk")).update(
        review_count=count, rating_average=average, trust_score=trust
    )
    company_search_keys_sync(company_ids=company_ids)
    return updated
