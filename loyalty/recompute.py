"""The nightly loyalty computation: every company's score, the trades' and
the platform's baselines, the month's snapshots and the loyalty input of
search ranking, as :mod:`loyalty.score` defines them.

On PostgreSQL each step is one set-based statement, and nothing loads the
sessions into Python:

1. the counts of every company — a window function gives each session its
   client's first completed session with the company, ``bool_or`` tells
   whether the client came back on a later day within ``return_days``,
   then one row per company — into a temporary table;
2. the sums of the scored companies per trade and for the platform
   (``GROUPING SETS``), from which Python fits the baselines
   (:func:`loyalty.score.trade_baseline`: one row per trade) and writes
   those that changed;
3. the figures of every company (``INSERT … ON CONFLICT … DO UPDATE …
   WHERE (…) IS DISTINCT FROM (…)``: only rows whose figures changed are
   written), a company without sessions whose row already is the "0 / 30"
   row of its baseline left out before any arithmetic;
4. the month's snapshots, the same way;
5. the companies' ``loyalty_score`` (the whole score / 100) and
   ``trust_score``, in one UPDATE of the companies whose whole score
   changed, copied onto their search rows.

Elsewhere (SQLite: development and tests) steps 1–4 run the reference
functions of :mod:`loyalty.score` over the sessions loaded in memory and
write only what changed; step 5 is the same UPDATE. Either way a second
run on the same day changes nothing, and the whole computation is one
transaction (readers see yesterday's figures or today's, never a mix),
under a PostgreSQL advisory lock so that two runs never overlap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Floor
from django.utils import timezone

from directory.companies.services import company_search_keys_sync
from directory.models import Company, CompanyStatus
from directory.search import ranking
from partners.models import EventType
from partners.webhooks import event_subscribed, events_publish

from . import score
from .models import LoyaltyScore, LoyaltySnapshot, ServiceSession, SessionStatus, TradeBaseline
from .score import Baseline, CompanyScore, Rules, SessionFact, TradeStats

# The figures of a score row and of a snapshot, compared to tell a change.
SCORE_FIGURES = (
    "sessions",
    "new_clients",
    "returned",
    "qualified",
    "baseline",
    "raw_rate",
    "smoothed_rate",
    "score",
    "score_low",
    "score_high",
)
SNAPSHOT_FIGURES = (
    "sessions",
    "new_clients",
    "returned",
    "qualified",
    "baseline",
    "smoothed_rate",
    "score",
    "score_low",
    "score_high",
)
BASELINE_FIGURES = ("mean", "prior_strength", "companies", "source")
# Session rows read at a time by the in-memory path.
CHUNK = 2000
# Key of the advisory lock held by a run (PostgreSQL), any 64-bit number.
LOCK_KEY = 1_301_300_001


@dataclass(frozen=True)
class RecomputeReport:
    """What a run found and changed: companies with a score row, those
    scored, and the rows written (scores, baselines, snapshots, companies
    whose ranking input changed). A run that changed nothing has
    ``changed == 0``."""

    companies: int
    scored: int
    scores_changed: int
    baselines_changed: int
    snapshots_changed: int
    ranking_changed: int

    @property
    def changed(self) -> int:
        return (
            self.scores_changed
            + self.baselines_changed
            + self.snapshots_changed
            + self.ranking_changed
        )

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "changed": self.changed}


def scores_recompute(*, on: date | None = None, rules: Rules | None = None) -> RecomputeReport:
    """Recompute every company's loyalty figures as of ``on`` (today, local
    time) under ``rules`` (the settings): see the module. Idempotent."""
    on = on or timezone.localdate()
    rules = rules or Rules.from_settings()
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
                # The statements are few and their plans simple: compiling
                # them (JIT, planned when costs are estimated high) costs
                # more than it saves — 2 of the 2.4 s of step 3 at 50,000
                # companies (``make bench-loyalty``).
                cursor.execute("SET LOCAL jit = off")
            baselines_changed, scores_changed = _scores_sql(on=on, rules=rules, now=now)
            snapshots_changed = _snapshots_sql(month=on.replace(day=1))
        else:
            computation = _compute_in_memory(on=on, rules=rules)
            baselines_changed = _baselines_write(computation.baselines, now=now)
            scores_changed = _scores_write(computation.scores, now=now)
            snapshots_changed = _snapshots_write(month=on.replace(day=1))
        ranking_changed = _ranking_write()
        companies = LoyaltyScore.objects.count()
        scored = LoyaltyScore.objects.filter(score__isnull=False).count()
    return RecomputeReport(
        companies=companies,
        scored=scored,
        scores_changed=scores_changed,
        baselines_changed=baselines_changed,
        snapshots_changed=snapshots_changed,
        ranking_changed=ranking_changed,
    )


def snapshots_backfill(*, months: int, on: date | None = None, rules: Rules | None = None) -> int:
    """The snapshots of the ``months`` months before the month of ``on``
    (today, local time), each as the nightly computation gives it on the
    month's last day (``scores_recompute(on=<last day>)``: the sessions
    performed by then, by the reference functions of :mod:`loyalty.score`,
    on any database). For a platform or a demo whose sessions predate the
    nightly job, which writes the current month only. Writes only the rows
    that changed (a second run writes none) and touches neither the scores,
    the baselines nor the ranking; returns the rows written. The sessions
    are read once and kept in memory: fine for thousands of companies,
    not for the benchmark's millions."""
    on = on or timezone.localdate()
    rules = rules or Rules.from_settings()
    history: dict[int, list[SessionFact]] = {}
    sessions = ServiceSession.objects.filter(
        status=SessionStatus.COMPLETED, performed_on__lt=on.replace(day=1)
    ).values_list("company_id", "client_key", "performed_on")
    for company_id, key, performed_on in sessions.iterator(chunk_size=CHUNK):
        history.setdefault(company_id, []).append(SessionFact(key, performed_on))
    trades = dict(Company.objects.values_list("pk", "primary_profession_id"))
    written = 0
    month_end = on.replace(day=1) - timedelta(days=1)
    with transaction.atomic():
        for _ in range(months):
            computation = score.compute(history, trades, on=month_end, rules=rules)
            written += _snapshots_write_of(computation.scores, month=month_end.replace(day=1))
            month_end = month_end.replace(day=1) - timedelta(days=1)
    return written


def _snapshots_write_of(scores: Mapping[int, CompanyScore], *, month: date) -> int:
    """The month's snapshots of ``scores`` (companies with sessions), written
    where they differ from the stored ones."""
    existing = {
        row["company_id"]: tuple(row[name] for name in SNAPSHOT_FIGURES)
        for row in LoyaltySnapshot.objects.filter(month=month).values(
            "company_id", *SNAPSHOT_FIGURES
        )
    }
    changed = []
    for company_id, result in scores.items():
        if not result.counts.sessions:
            continue
        figures = _score_figures(result)
        row = {name: figures[name] for name in SNAPSHOT_FIGURES}
        if existing.get(company_id) != tuple(row.values()):
            changed.append(LoyaltySnapshot(company_id=company_id, month=month, **row))
    LoyaltySnapshot.objects.bulk_create(
        changed,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["company", "month"],
        update_fields=list(SNAPSHOT_FIGURES),
    )
    return len(changed)


# --- Baselines (both paths) ----------------------------------------------------------


def _baselines_write(baselines: Mapping[int | None, Baseline], *, now: datetime) -> int:
    """Write the baselines that changed, delete those of trades without a
    scored company any more; returns the rows written or deleted. A few
    hundred rows at most: one per trade."""
    existing = {row.profession_id: row for row in TradeBaseline.objects.all()}
    changed = 0
    for profession_id, baseline in baselines.items():
        figures = {
            "mean": baseline.mean,
            "prior_strength": baseline.strength,
            "companies": baseline.companies,
            "source": baseline.source,
        }
        row = existing.pop(profession_id, None)
        if row is None:
            TradeBaseline.objects.create(profession_id=profession_id, computed_at=now, **figures)
        elif any(getattr(row, name) != value for name, value in figures.items()):
            TradeBaseline.objects.filter(pk=row.pk).update(computed_at=now, **figures)
        else:
            continue
        changed += 1
    if existing:
        TradeBaseline.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    return changed + len(existing)


def _baselines_fit(
    platform_stats: TradeStats, trade_stats: Mapping[int, TradeStats], *, rules: Rules
) -> dict[int | None, Baseline]:
    platform = score.platform_baseline(platform_stats, rules=rules)
    baselines: dict[int | None, Baseline] = {None: platform}
    for trade, stats in trade_stats.items():
        baselines[trade] = score.trade_baseline(stats, platform=platform, rules=rules)
    return baselines


# --- In memory (SQLite) --------------------------------------------------------------


def _compute_in_memory(*, on: date, rules: Rules) -> score.Computation:
    history: dict[int, list[SessionFact]] = {}
    sessions = (
        ServiceSession.objects.counted()
        .filter(performed_on__lte=on)
        .values_list("company_id", "client_key", "performed_on")
    )
    for company_id, key, performed_on in sessions.iterator(chunk_size=CHUNK):
        history.setdefault(company_id, []).append(SessionFact(key, performed_on))
    trades = dict(Company.objects.values_list("pk", "primary_profession_id"))
    return score.compute(history, trades, on=on, rules=rules)


def _score_figures(result: CompanyScore) -> dict[str, Any]:
    return {
        "sessions": result.counts.sessions,
        "new_clients": result.counts.new_clients,
        "returned": result.counts.returned,
        "qualified": result.qualified,
        "baseline": result.baseline,
        "raw_rate": result.raw_rate,
        "smoothed_rate": result.smoothed_rate,
        "score": result.score,
        "score_low": result.score_low,
        "score_high": result.score_high,
    }


def _scores_write(scores: Mapping[int, CompanyScore], *, now: datetime) -> int:
    existing = {
        row["company_id"]: tuple(row[name] for name in SCORE_FIGURES)
        for row in LoyaltyScore.objects.values("company_id", *SCORE_FIGURES)
    }
    changed = []
    for company_id, result in scores.items():
        figures = _score_figures(result)
        if existing.get(company_id) != tuple(figures[name] for name in SCORE_FIGURES):
            changed.append(LoyaltyScore(company_id=company_id, computed_at=now, **figures))
    LoyaltyScore.objects.bulk_create(
        changed,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["company"],
        update_fields=[*SCORE_FIGURES, "computed_at"],
    )
    return len(changed)


def _snapshots_write(*, month: date) -> int:
    existing = {
        row["company_id"]: tuple(row[name] for name in SNAPSHOT_FIGURES)
        for row in LoyaltySnapshot.objects.filter(month=month).values(
            "company_id", *SNAPSHOT_FIGURES
        )
    }
    changed = []
    rows = LoyaltyScore.objects.filter(sessions__gt=0).values("company_id", *SNAPSHOT_FIGURES)
    for row in rows:
        company_id = row.pop("company_id")
        if existing.get(company_id) != tuple(row[name] for name in SNAPSHOT_FIGURES):
            changed.append(LoyaltySnapshot(company_id=company_id, month=month, **row))
    LoyaltySnapshot.objects.bulk_create(
        changed,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["company", "month"],
        update_fields=list(SNAPSHOT_FIGURES),
    )
    return len(changed)


# --- PostgreSQL ----------------------------------------------------------------------


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# Step 1: one row per company with completed sessions.
COUNTS_SQL = """
CREATE TEMPORARY TABLE loyalty_counts ON COMMIT DROP AS
WITH completed AS (
    SELECT company_id, client_key, performed_on,
           min(performed_on) OVER (PARTITION BY company_id, client_key) AS first_on
    FROM {sessions}
    WHERE status = %(completed)s AND excluded_at IS NULL AND performed_on <= %(on)s
), clients AS (
    SELECT company_id, min(first_on) AS first_on, count(*) AS sessions,
           bool_or(performed_on > first_on
                   AND performed_on <= first_on + %(return_days)s::integer) AS returned
    FROM completed
    GROUP BY company_id, client_key
)
SELECT company_id,
       sum(sessions)::integer AS sessions,
       (count(*) FILTER (WHERE first_on BETWEEN %(first_from)s AND %(first_until)s))::integer
           AS new_clients,
       (count(*) FILTER (WHERE first_on BETWEEN %(first_from)s AND %(first_until)s
                         AND returned))::integer AS returned
FROM clients
GROUP BY company_id
"""

# Step 2: the sums of loyalty.score.TradeStats over the scored companies,
# per primary trade and for the platform. The rate sums are exact to 30
# decimals (numeric), so their order does not matter.
STATS_SQL = """
SELECT c.primary_profession_id, GROUPING(c.primary_profession_id) = 1 AS platform,
       count(*), coalesce(sum(t.new_clients), 0), coalesce(sum(t.returned), 0),
       coalesce(sum(t.returned::numeric(60, 30) / t.new_clients), 0),
       coalesce(sum((t.returned * t.returned)::numeric(60, 30)
                    / (t.new_clients * t.new_clients)), 0),
       coalesce(sum(1::numeric(60, 30) / t.new_clients), 0)
FROM loyalty_counts t
JOIN {companies} c ON c.id = t.company_id
WHERE t.sessions >= %(min_sessions)s AND t.new_clients > 0
GROUP BY GROUPING SETS ((c.primary_profession_id), ())
"""

# Step 3: loyalty.score.company_score in SQL, operation for operation, for
# every company (a company without sessions gets its "0 / 30" row).
SCORES_SQL = """
WITH inputs AS (
    SELECT c.id AS company_id,
           coalesce(t.sessions, 0) AS sessions,
           coalesce(t.new_clients, 0) AS n,
           coalesce(t.returned, 0) AS r,
           coalesce(b.mean, p.mean) AS m,
           coalesce(b.prior_strength, p.prior_strength) AS k,
           %(z)s::float8 AS z
    FROM {companies} c
    LEFT JOIN loyalty_counts t ON t.company_id = c.id
    LEFT JOIN {baselines} b ON b.profession_id = c.primary_profession_id
    CROSS JOIN (SELECT mean, prior_strength FROM {baselines} WHERE profession_id IS NULL) p
    LEFT JOIN {scores} o ON o.company_id = c.id
    -- A company without sessions whose row already is the "0 / 30" row of
    -- its baseline would be written as it is: left out, the night reads it
    -- and computes nothing for it.
    WHERE t.company_id IS NOT NULL OR o.company_id IS NULL
       OR NOT (o.sessions = 0 AND o.new_clients = 0 AND o.returned = 0
               AND o.qualified = (0 >= %(min_sessions)s)
               AND o.baseline = coalesce(b.mean, p.mean)
               AND o.raw_rate IS NULL AND o.smoothed_rate IS NULL AND o.score IS NULL
               AND o.score_low IS NULL AND o.score_high IS NULL)
), posterior AS (
    SELECT *,
           sessions >= %(min_sessions)s AS qualified,
           sessions >= %(min_sessions)s AND n > 0 AS scored,
           r + m * k AS alpha,
           (n - r) + (1.0::float8 - m) * k AS beta
    FROM inputs
), shape AS (
    SELECT *,
           alpha / (alpha + beta) AS smoothed,
           alpha - 0.5::float8 AS ya,
           beta - 0.5::float8 AS yb
    FROM posterior
), cumulants AS (
    SELECT *,
           ln(ya / yb) + 1.0::float8 / (24.0::float8 * ya * ya)
               - 1.0::float8 / (24.0::float8 * yb * yb) AS center,
           1.0::float8 / ya - 1.0::float8 / (12.0::float8 * ya * ya * ya)
               + 1.0::float8 / yb - 1.0::float8 / (12.0::float8 * yb * yb * yb) AS variance
    FROM shape
), spread AS (
    SELECT *,
           sqrt(variance) AS deviation,
           (z * z - 1.0::float8)
               * ((1.0::float8 / (yb * yb) - 1.0::float8 / (ya * ya))
                  / power(variance, 1.5::float8))
               / 6.0::float8 AS correction
    FROM cumulants
), bounds AS (
    SELECT *,
           1.0::float8 / (1.0::float8 + exp(-(center + deviation * (-z + correction)))) AS low,
           1.0::float8 / (1.0::float8 + exp(-(center + deviation * (z + correction)))) AS high
    FROM spread
)
INSERT INTO {scores} AS s (
    company_id, sessions, new_clients, returned, qualified, baseline,
    raw_rate, smoothed_rate, score, score_low, score_high, computed_at
)
SELECT company_id, sessions, n, r, qualified, m,
       CASE WHEN scored THEN r::float8 / n END,
       CASE WHEN scored THEN smoothed END,
       CASE WHEN scored THEN 100.0::float8 * (smoothed * (1.0::float8 - m))
           / (smoothed * (1.0::float8 - m) + m * (1.0::float8 - smoothed)) END,
       CASE WHEN scored THEN 100.0::float8 * (low * (1.0::float8 - m))
           / (low * (1.0::float8 - m) + m * (1.0::float8 - low)) END,
       CASE WHEN scored THEN 100.0::float8 * (high * (1.0::float8 - m))
           / (high * (1.0::float8 - m) + m * (1.0::float8 - high)) END,
       %(now)s
FROM bounds
ON CONFLICT (company_id) DO UPDATE SET
    {update_scores}, computed_at = EXCLUDED.computed_at
WHERE ({old_scores}) IS DISTINCT FROM ({new_scores})
"""

# Step 4: the month's snapshot of every company with sessions.
SNAPSHOTS_SQL = """
INSERT INTO {snapshots} AS h (company_id, month, {figures})
SELECT company_id, %(month)s, {figures} FROM {scores} WHERE sessions > 0
ON CONFLICT (company_id, month) DO UPDATE SET {update}
WHERE ({old}) IS DISTINCT FROM ({new})
"""


def _columns(alias: str, names: tuple[str, ...]) -> str:
    return ", ".join(f"{alias}.{name}" for name in names)


def _scores_sql(*, on: date, rules: Rules, now: datetime) -> tuple[int, int]:
    """Steps 1–3; returns (baselines changed, scores changed)."""
    first_from, first_until = rules.window(on)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.loyalty_counts")
        cursor.execute(
            COUNTS_SQL.format(sessions=_table(ServiceSession)),
            {
                "completed": SessionStatus.COMPLETED.value,
                "on": on,
                "return_days": rules.return_days,
                "first_from": first_from,
                "first_until": first_until,
            },
        )
        cursor.execute("ANALYZE loyalty_counts")
        cursor.execute(
            STATS_SQL.format(companies=_table(Company)), {"min_sessions": rules.min_sessions}
        )
        platform_stats = TradeStats()
        trade_stats: dict[int, TradeStats] = {}
        for trade, platform, *sums in cursor.fetchall():
            stats = _trade_stats(*sums)
            if platform:
                platform_stats = stats
            else:
                trade_stats[trade] = stats
        baselines_changed = _baselines_write(
            _baselines_fit(platform_stats, trade_stats, rules=rules), now=now
        )
        cursor.execute(
            SCORES_SQL.format(
                companies=_table(Company),
                baselines=_table(TradeBaseline),
                scores=_table(LoyaltyScore),
                update_scores=", ".join(f"{name} = EXCLUDED.{name}" for name in SCORE_FIGURES),
                old_scores=_columns("s", SCORE_FIGURES),
                new_scores=_columns("EXCLUDED", SCORE_FIGURES),
            ),
            {
                "min_sessions": rules.min_sessions,
                "z": score.INTERVAL_Z,
                "now": now,
            },
        )
        scores_changed = int(cursor.rowcount)
        cursor.execute("DROP TABLE loyalty_counts")
    return baselines_changed, scores_changed


def _trade_stats(
    companies: int,
    new_clients: int,
    returned: int,
    rate_sum: Any,
    rate_square_sum: Any,
    inverse_new_sum: Any,
) -> TradeStats:
    return TradeStats(
        companies=companies,
        new_clients=int(new_clients),
        returned=int(returned),
        rate_sum=Fraction(rate_sum),
        rate_square_sum=Fraction(rate_square_sum),
        inverse_new_sum=Fraction(inverse_new_sum),
    )


def _snapshots_sql(*, month: date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            SNAPSHOTS_SQL.format(
                snapshots=_table(LoyaltySnapshot),
                scores=_table(LoyaltyScore),
                figures=", ".join(SNAPSHOT_FIGURES),
                update=", ".join(f"{name} = EXCLUDED.{name}" for name in SNAPSHOT_FIGURES),
                old=_columns("h", SNAPSHOT_FIGURES),
                new=_columns("EXCLUDED", SNAPSHOT_FIGURES),
            ),
            {"month": month},
        )
        return int(cursor.rowcount)


# --- Ranking (both paths) ------------------------------------------------------------


def _ranking_write() -> int:
    """Step 5: each company's ``loyalty_score`` becomes its whole score /
    100 (:attr:`loyalty.score.CompanyScore.ranking_input`; NULL when not
    scored) and its ``trust_score`` follows
    (``directory.search.ranking.trust_of_columns``), in one UPDATE of the
    companies where either differs; then their search rows. Returns the
    companies updated."""

    def whole_score(score: str) -> ExpressionWrapper[Any]:
        return ExpressionWrapper(
            Floor(F(score) + Value(0.5)) / Value(100.0), output_field=FloatField()
        )

    # Read through one join of the companies to their score rows (a
    # subquery per company took 7.8 s to find nothing stale among
    # 1,000,000, ``make bench-nightly``); the UPDATE, which cannot join,
    # reads the same value by a subquery, for the stale companies alone.
    fresh = Subquery(
        LoyaltyScore.objects.filter(company_id=OuterRef("pk")).values(value=whole_score("score"))[
            :1
        ]
    )
    joined = whole_score("loyalty__score")
    # NULL-safe: a company whose score goes away is stale too.
    same_loyalty = Q(
        loyalty_score=F("fresh_loyalty"), loyalty_score__isnull=False, fresh_loyalty__isnull=False
    ) | Q(loyalty_score__isnull=True, fresh_loyalty__isnull=True)
    stale = Company.objects.annotate(
        fresh_loyalty=joined,
        fresh_trust=ranking.trust_of_columns(F("rating_average"), F("review_count"), joined),
    ).exclude(same_loyalty & Q(trust_score=F("fresh_trust")))
    trust = ranking.trust_of_columns(F("rating_average"), F("review_count"), fresh)
    if not stale.exists():
        return 0
    # Partners hear of listed companies whose whole score changed (not of
    # a trust score moved by reviews): read before the UPDATE erases it.
    changed = _loyalty_changed(stale, same_loyalty) if event_subscribed(LOYALTY_EVENT) else []
    updated = Company.objects.filter(Exists(stale.filter(pk=OuterRef("pk")))).update(
        loyalty_score=fresh, trust_score=trust
    )
    company_search_keys_sync()
    events_publish(LOYALTY_EVENT, changed)
    return updated


LOYALTY_EVENT = EventType.LOYALTY_UPDATED


def _loyalty_changed(stale: Any, same_loyalty: Q) -> list[tuple[int, dict[str, Any]]]:
    """``(company id, payload)`` of the listed companies among ``stale``
    whose whole score differs from the stored one (NULL: not scored)."""
    rows = (
        stale.exclude(same_loyalty)
        .filter(status=CompanyStatus.LISTED)
        .values_list("pk", "slug", "fresh_loyalty")
    )
    return [
        (
            pk,
            {
                "company": {"id": pk, "slug": slug},
                "loyalty": {"score": None if value is None else round(value * 100)},
            },
        )
        for pk, slug, value in rows.iterator(chunk_size=CHUNK)
    ]
