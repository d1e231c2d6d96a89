"""The funnel of one pipeline: how many prospects stand in each stage, how
many of those who reached a stage went on to the next, how long prospects
stay in each open stage, and why the lost ones were lost.

Definitions (shown on the page, tested in tests/prospects/test_analytics_funnel.py):

* **The chain** is suspect → cold → warm → hot → client (``CHAIN``); lost
  is outside it.
* A prospect's **entry** is the stage it was created in (its history's
  first move, from nothing); its **depth** is the furthest stage of the
  chain it ever reached (any move of its history, client included). A
  prospect with no history (none is written without one, but rows may be
  loaded by hand) counts its current stage as both.
* A prospect **reached** stage N when entry ≤ N ≤ depth: stages skipped on
  the way (suspect straight to hot) count as passed through; stages below
  its entry never count (created warm, it never was a suspect, even if it
  cools down to cold later).
* **Conversion from N to N+1** = prospects that reached N and also N+1 ÷
  prospects that reached N. A prospect still in N counts as not converted
  (yet); none when nobody reached N.
* **Days in stage**: a stay starts with a move into the stage and ends with
  the prospect's next move. A stay still running is counted **up to now**:
  leaving it out would make a stage where prospects stagnate look fast (so
  for those stays the figure is a lower bound; the page says how many are
  running). The **median** of the stays, per open stage (client and lost
  are where prospects end). Histories brought by a merge are chains of
  their own; their last stay ended with the merge, at a moment not
  recorded, so it is left out.
* **Lost by reason**: the prospects lost now, per ``LostReason``.

Set-based: three queries whatever the volume (``FUNNEL_QUERIES``), on
PostgreSQL and SQLite alike (window functions and aggregates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, Count, IntegerField, Max, Min, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from directory.models import Company

from ..models import OPEN_STAGES, LostReason, Pipeline, Prospect, ProspectEvent, Stage
from ..selectors import pipeline_prospects

CHAIN: tuple[str, ...] = (Stage.SUSPECT, Stage.COLD, Stage.WARM, Stage.HOT, Stage.CLIENT)
FUNNEL_QUERIES = 3


@dataclass(frozen=True)
class StageFigures:
    """One stage of the chain: prospects in it now, prospects that ever
    reached it, and its median stay (days, None for client or without any
    stay) out of ``stays`` stays, ``running`` of them still going on."""

    stage: str
    label: str
    current: int
    reached: int
    median_days: float | None
    stays: int
    running: int


@dataclass(frozen=True)
class Conversion:
    """From one stage of the chain to the next: ``converted`` of the
    ``reached`` prospects that reached ``start`` reached ``end``; ``rate``
    (0–1) is None when none reached ``start``."""

    start: str
    end: str
    start_label: str
    end_label: str
    reached: int
    converted: int

    @property
    def rate(self) -> float | None:
        return self.converted / self.reached if self.reached else None

    @property
    def percent(self) -> int | None:
        """The rate in whole percent (half up), None as ``rate``."""
        if not self.reached:
            return None
        return int(
            (Decimal(100 * self.converted) / self.reached).to_integral_value("ROUND_HALF_UP")
        )


@dataclass(frozen=True)
class LostFigure:
    reason: str
    label: str
    count: int


@dataclass(frozen=True)
class Funnel:
    """The funnel of one pipeline (see the module's definitions).
    ``total`` counts every prospect, lost included; ``lost`` the lost ones,
    ``lost_by_reason`` every reason with at least one, most first."""

    stages: tuple[StageFigures, ...]
    conversions: tuple[Conversion, ...]
    lost: int
    lost_by_reason: tuple[LostFigure, ...]
    total: int

    @property
    def empty(self) -> bool:
        return self.total == 0

    @property
    def rows(self) -> tuple[tuple[StageFigures, Conversion | None], ...]:
        """Each stage with its conversion to the next (None for client)."""
        return tuple(
            (stage, self.conversions[rank] if rank < len(self.conversions) else None)
            for rank, stage in enumerate(self.stages)
        )


def _rank(field: str) -> Case:
    """The position of ``field``'s stage in the chain (0–4), NULL for lost."""
    return Case(
        *(When(**{field: stage}, then=Value(rank)) for rank, stage in enumerate(CHAIN)),
        default=None,
        output_field=IntegerField(),
    )


def _counts(pipeline: str, company: Company | None) -> dict[tuple[str, str], int]:
    """Prospects per (stage, lost reason): one GROUP BY."""
    rows = (
        pipeline_prospects(pipeline, company)
        .order_by()
        .values_list("stage", "lost_reason")
        .annotate(count=Count("pk"))
    )
    return {(stage, reason): count for stage, reason, count in rows}


def _reached(pipeline: str, company: Company | None) -> tuple[list[int], list[int]]:
    """For each stage N of the chain: how many prospects reached it, and how
    many of those reached N+1 (the last stage: 0). One query: the entry and
    depth of each prospect (a GROUP BY over its history), counted by
    conditional aggregates in an outer query."""
    transition = Q(events__kind=ProspectEvent.Kind.TRANSITION)
    entry_rank = Case(
        *(
            When(
                transition & Q(events__from_status="", events__to_status=stage),
                then=Value(rank),
            )
            for rank, stage in enumerate(CHAIN)
        ),
        default=None,
        output_field=IntegerField(),
    )
    depth_rank = Case(
        *(
            When(transition & Q(events__to_status=stage), then=Value(rank))
            for rank, stage in enumerate(CHAIN)
        ),
        default=None,
        output_field=IntegerField(),
    )
    per_prospect = (
        pipeline_prospects(pipeline, company)
        .order_by()
        .annotate(
            entry=Coalesce(Min(entry_rank), _rank("stage")),
            depth=Coalesce(Max(depth_rank), _rank("stage")),
        )
    )
    last = len(CHAIN) - 1
    aggregates = {}
    for rank in range(len(CHAIN)):
        aggregates[f"reached_{rank}"] = Count("pk", filter=Q(entry__lte=rank, depth__gte=rank))
        if rank < last:
            aggregates[f"passed_{rank}"] = Count(
                "pk", filter=Q(entry__lte=rank, depth__gte=rank + 1)
            )
    figures = per_prospect.aggregate(**aggregates)
    reached = [figures[f"reached_{rank}"] or 0 for rank in range(len(CHAIN))]
    passed = [figures.get(f"passed_{rank}") or 0 for rank in range(last)] + [0]
    return reached, passed


# Days between two moments, as a float, in each engine's own arithmetic.
_DAYS = {
    "postgresql": "EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0",
    "sqlite": "julianday({end}) - julianday({start})",
}

_STAYS_SQL = """
WITH stays AS (
    SELECT e.to_status AS stage,
           e.created_at AS started,
           LEAD(e.created_at) OVER (
               PARTITION BY e.prospect_id, COALESCE(e.merged_from, 0)
               ORDER BY e.created_at, e.id
           ) AS ended,
           e.merged_from AS merged_from
    FROM {event} e
    JOIN {prospect} p ON p.id = e.prospect_id
    WHERE {owner} AND e.kind = %s
),
durations AS (
    SELECT stage,
           {days} AS days,
           CASE WHEN ended IS NULL THEN 1 ELSE 0 END AS running
    FROM stays
    WHERE stage IN ({stages}) AND (ended IS NOT NULL OR merged_from IS NULL)
),
ranked AS (
    SELECT stage, days, running,
           ROW_NUMBER() OVER (PARTITION BY stage ORDER BY days) AS position,
           COUNT(*) OVER (PARTITION BY stage) AS stays
    FROM durations
)
SELECT stage,
       AVG(CASE WHEN position IN ((stays + 1) / 2, (stays + 2) / 2) THEN days END),
       MAX(stays),
       SUM(running)
FROM ranked
GROUP BY stage
"""


def _stays(
    pipeline: str, company: Company | None, now: datetime
) -> dict[str, tuple[float, int, int]]:
    """Per open stage: (median days, stays, running stays). One query: the
    stays by ``LEAD`` over each history, ranked by ``ROW_NUMBER`` per stage;
    the median is the middle row, or the mean of the two middle ones."""
    vendor = connection.vendor
    if vendor not in _DAYS:  # pragma: no cover - the project runs on these two
        raise NotImplementedError(f"No day arithmetic for {vendor}.")
    params: list[Any] = [pipeline]
    owner = "p.pipeline = %s AND "
    if pipeline == Pipeline.COMPANY:
        owner += "p.company_id = %s"
        params.append(company.pk if company is not None else None)
    else:
        owner += "p.company_id IS NULL"
    params.append(ProspectEvent.Kind.TRANSITION)
    stages = ", ".join(["%s"] * len(OPEN_STAGES))
    sql = _STAYS_SQL.format(
        event=connection.ops.quote_name(ProspectEvent._meta.db_table),
        prospect=connection.ops.quote_name(Prospect._meta.db_table),
        owner=owner,
        days=_DAYS[vendor].format(end="COALESCE(ended, %s)", start="started"),
        stages=stages,
    )
    # The moment "now" of running stays, as the engine stores a datetime.
    params.append(connection.ops.adapt_datetimefield_value(now))
    params.extend(str(stage) for stage in OPEN_STAGES)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            stage: (float(median), int(count), int(running))
            for stage, median, count, running in cursor.fetchall()
        }


def pipeline_funnel(
    *, pipeline: str, company: Company | None, now: datetime | None = None
) -> Funnel:
    """The funnel of the platform's pipeline (``company`` None) or of a
    company's, at ``now`` (default: now). ``FUNNEL_QUERIES`` queries."""
    now = now or timezone.now()
    counts = _counts(pipeline, company)
    reached, passed = _reached(pipeline, company)
    stays = _stays(pipeline, company, now)
    labels = dict(Stage.choices)
    stages = []
    for rank, stage in enumerate(CHAIN):
        median, count, running = stays.get(stage, (None, 0, 0))
        stages.append(
            StageFigures(
                stage=stage,
                label=str(labels[stage]),
                current=sum(n for (s, _r), n in counts.items() if s == stage),
                reached=reached[rank],
                median_days=median,
                stays=count,
                running=running,
            )
        )
    conversions = tuple(
        Conversion(
            start=CHAIN[rank],
            end=CHAIN[rank + 1],
            start_label=str(labels[CHAIN[rank]]),
            end_label=str(labels[CHAIN[rank + 1]]),
            reached=reached[rank],
            converted=passed[rank],
        )
        for rank in range(len(CHAIN) - 1)
    )
    reasons = dict(LostReason.choices)
    lost = [(reason, count) for (stage, reason), count in counts.items() if stage == Stage.LOST]
    lost_by_reason = tuple(
        LostFigure(reason=reason, label=str(reasons.get(reason, reason)), count=count)
        for reason, count in sorted(lost, key=lambda item: (-item[1], item[0]))
    )
    return Funnel(
        stages=tuple(stages),
        conversions=conversions,
        lost=sum(count for _reason, count in lost),
        lost_by_reason=lost_by_reason,
        total=sum(counts.values()),
    )
