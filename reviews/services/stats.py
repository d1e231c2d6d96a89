"""Aggregates of published reviews kept on the companies (count, average,
trust score that search ranks by)."""

from __future__ import annotations

from django.db.models import Avg, Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from directory import ranking
from directory.models import Company, CompanyProfession

from ..models import (
    Review,
)


def company_review_stats_refresh(*, company_ids: list[int] | None = None) -> int:
    """Recount published reviews and their average for the given companies
    (all when None), in set-based UPDATEs, then copy the trust score that
    search ranks by onto the companies' trade rows. Returns companies
    updated."""
    published = Review.objects.published().filter(company_id=OuterRef("pk"))
    companies = (
        Company.objects.all() if company_ids is None else Company.objects.filter(pk__in=company_ids)
    )
    count_sql = Subquery(published.values("company_id").annotate(n=Count("*")).values("n"))
    average_sql = Subquery(published.values("company_id").annotate(a=Avg("rating")).values("a"))
    updated = companies.update(
        review_count=Coalesce(count_sql, Value(0)),
        rating_average=average_sql,
    )
    # trust = ranking.trust(...) evaluated in SQL on the fresh columns.
    companies.filter(review_count__gt=0).update(
        trust_score=ranking.trust(
            average_rating=F("rating_average"), review_count=F("review_count")
        )
    )
    companies.filter(review_count=0).update(trust_score=ranking.trust())
    links = CompanyProfession.objects.all()
    if company_ids is not None:
        links = links.filter(company_id__in=company_ids)
    links.update(
        trust_score=Subquery(
            Company.objects.filter(pk=OuterRef("company_id")).values("trust_score")[:1]
        )
    )
    return updated
