"""Aggregates of published reviews kept on the companies (count, average,
trust score that search ranks by)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, FloatField, IntegerField
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query

from directory.companies.services import company_search_keys_sync
from directory.models import Company
from directory.search import ranking

from ..models import Review


@dataclass(frozen=True)
class StatsReport:
    companies: int  # companies looked at
    changed: int  # companies whose figures were written


def company_review_stats_refresh_all() -> StatsReport:
    """Every company's figures (the night's step "review-stats"), their
    trade rows left to the night's last step ("search-keys"): see
    :func:`company_review_stats_refresh`."""
    changed = company_review_stats_refresh(search_keys=False)
    return StatsReport(companies=Company.objects.count(), changed=changed)


def company_review_stats_refresh(
    *, company_ids: Iterable[int] | None = None, search_keys: bool = True
) -> int:
    """Recount published reviews, their average and the trust score search
    ranks by (``directory.search.ranking.trust_of_columns``, with the
    company's loyalty score) for the given companies (every company when
    None, without an id list), then copy the trust score onto their trade
    rows (``company_search_keys_sync``) unless ``search_keys`` is False.
    Returns the companies whose figures changed.

    One statement whatever the number of companies: the published reviews
    are aggregated once (``GROUP BY company``), joined to the companies,
    and only the companies whose figures differ are written (``UPDATE …
    FROM``, PostgreSQL and SQLite alike) — not a subquery per company and
    per figure."""
    ids = None if company_ids is None else list(company_ids)
    if ids == []:
        return 0
    sql, params = _refresh_sql(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        updated = int(cursor.rowcount)
    if search_keys:
        company_search_keys_sync(company_ids=ids)
    return updated


def _refresh_sql(company_ids: list[int] | None) -> tuple[str, list[Any]]:
    published = Review.objects.published()
    if company_ids is not None:
        published = published.filter(company_id__in=company_ids)
    figures, figures_params = (
        published.order_by()
        .values("company_id")
        .annotate(n=Count("*"), a=Avg("rating"))
        .values_list("company_id", "n", "a")
        .query.sql_with_params()
    )
    # The trust score as search computes it, from the aggregates (``r``,
    # NULL when no review) and the company's loyalty score (``c``). The
    # average as the column stores it (double precision): PostgreSQL's AVG
    # of integers is a numeric, and a trust computed from it differed in
    # its last digits from the one the loyalty step computes from the
    # stored average, so each night rewrote the same companies twice, 2,137
    # of them at 1,000,000 companies (``make bench-nightly``).
    query = Query(Company)
    trust = ranking.trust_of_columns(
        RawSQL("CAST(r.a AS DOUBLE PRECISION)", [], output_field=FloatField()),
        RawSQL("COALESCE(r.n, 0)", [], output_field=IntegerField()),
        RawSQL("c.loyalty_score", [], output_field=FloatField()),
    ).resolve_expression(query)
    trust_sql, trust_params = query.get_compiler(connection=connection).compile(trust)
    table = connection.ops.quote_name(Company._meta.db_table)
    where, where_params = "", []
    if company_ids is not None:
        where = f"WHERE c.id IN ({', '.join(['%s'] * len(company_ids))})"
        where_params = company_ids
    # Identifiers come from the models, values are parameters.
    sql = f"""
        UPDATE {table} SET review_count = f.n, rating_average = f.a, trust_score = f.trust
        FROM (
            SELECT c.id, COALESCE(r.n, 0) AS n, r.a AS a, {trust_sql} AS trust
            FROM {table} c LEFT JOIN ({figures}) r ON r.company_id = c.id
            {where}
        ) f
        WHERE {table}.id = f.id AND (
            {table}.review_count <> f.n
            OR {table}.trust_score <> f.trust
            OR {table}.rating_average <> f.a
            OR ({table}.rating_average IS NULL) <> (f.a IS NULL)
        )
    """  # noqa: S608
    return sql, [*trust_params, *figures_params, *where_params]
