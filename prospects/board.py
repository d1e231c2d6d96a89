"""Reads of the pipeline screens (issue 15, "Screens"): the board's
columns, bounded and in a constant number of queries whatever the size of
the pipeline; the people who work a pipeline; a prospect's timeline.

Kept apart from ``selectors`` (the domain's reads, shared with jobs and
e-mails): these shape rows for one page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from common.text import normalize
from common.types import User
from directory.models import Company, Profession
from eligibility.selectors import TradeFit

from .fit import FIT_LABELS, fit_filter
from .models import (
    OWNER,
    STAGE_TRANSITIONS,
    Interaction,
    Pipeline,
    Prospect,
    ProspectEvent,
    Stage,
)
from .selectors import pipeline_prospects

# Cards shown per column: a column of the platform's pipeline may hold
# tens of thousands of suspects; the board reads at most this many per
# stage (one query for all columns), the rest is one click away ("voir
# plus": the stage's own paginated list).
COLUMN_SIZE = 50
# Entries of a prospect's timeline shown (newest first): years of weekly
# calls stay readable and the page bounded.
TIMELINE_SIZE = 100
# The model field of the nightly temperature score, once it exists (issue
# 15, "Nightly temperature score"): the board's filter by minimum score
# appears by itself when ``Prospect`` has it.
SCORE_FIELD = "score"


def has_score() -> bool:
    """Whether prospects carry a temperature score yet (the filter's hook)."""
    return any(model_field.name == SCORE_FIELD for model_field in Prospect._meta.get_fields())


@dataclass(frozen=True)
class BoardFilters:
    """What the board is narrowed to; every field optional."""

    owner: User | None = None
    profession: Profession | None = None
    town: str = ""
    overdue: bool = False
    min_score: int | None = None
    # A platform prospect's fit (``prospects.fit``): "good", "check", "poor".
    fit: str = ""


@dataclass
class Column:
    stage: str
    label: str
    count: int
    cards: list[Prospect] = field(default_factory=list)
    # The stages a card of this column may move to: (value, label).
    targets: list[tuple[str, str]] = field(default_factory=list)

    @property
    def more(self) -> int:
        """How many prospects of this stage the column does not show."""
        return max(self.count - len(self.cards), 0)


def board_prospects(
    pipeline: str,
    company: Company | None,
    filters: BoardFilters,
    *,
    today: date | None = None,
    trades: Mapping[int, TradeFit] | None = None,
) -> QuerySet[Prospect]:
    """The pipeline's prospects the board shows (anonymised ones never),
    narrowed by ``filters``. The town is matched on its normal form, from
    its beginning ("st etienne" finds "Saint-Étienne" only if typed
    "saint etienne"); overdue = a follow-up date before today, lost
    prospects excepted (as ``selectors.follow_ups``)."""
    rows = pipeline_prospects(pipeline, company).filter(anonymised_at__isnull=True)
    if filters.owner is not None:
        rows = rows.filter(owner=filters.owner)
    if filters.profession is not None:
        rows = rows.filter(profession=filters.profession)
    if town := normalize(filters.town):
        rows = rows.filter(town_key__startswith=town)
    if filters.overdue:
        rows = rows.filter(next_follow_up__lt=today or timezone.localdate()).exclude(
            stage=Stage.LOST
        )
    if filters.min_score is not None and has_score():
        rows = rows.filter(**{f"{SCORE_FIELD}__gte": filters.min_score})
    if filters.fit in FIT_LABELS and trades is not None and pipeline == Pipeline.PLATFORM:
        rows = rows.filter(fit_filter(filters.fit, trades))
    return rows


def card_order() -> list[Any]:
    """Cards in a column: the most urgent follow-up first, then the most
    recently worked."""
    return [F("next_follow_up").asc(nulls_last=True), F("updated_at").desc(), F("pk").desc()]


def board_columns(
    pipeline: str,
    company: Company | None,
    filters: BoardFilters,
    *,
    size: int = COLUMN_SIZE,
    today: date | None = None,
    trades: Mapping[int, TradeFit] | None = None,
) -> list[Column]:
    """Every stage's column, in the order of ``Stage``, each with its
    count and its first ``size`` cards (owner and trade joined). Two
    queries in all: one GROUP BY for the counts, one window query
    (ROW_NUMBER per stage) for the cards. ``trades``: the trades' fits
    (``eligibility.selectors.trade_fit_details``, read once by the
    caller), for the platform's filter by fit."""
    rows = board_prospects(pipeline, company, filters, today=today, trades=trades)
    counts = dict(
        rows.order_by().values_list("stage").annotate(n=Count("pk")).values_list("stage", "n")
    )
    ranked = (
        rows.select_related("owner", "profession", "application")
        .annotate(rank=Window(RowNumber(), partition_by=[F("stage")], order_by=card_order()))
        .filter(rank__lte=size)
        .order_by("stage", "rank")
    )
    cards: dict[str, list[Prospect]] = {}
    for prospect in ranked:
        cards.setdefault(prospect.stage, []).append(prospect)
    return [
        Column(
            stage=stage, label=str(label), count=counts.get(stage, 0), cards=cards.get(stage, [])
        )
        for stage, label in Stage.choices
    ]


def move_targets(stage: str) -> list[str]:
    """The stages a person may move a prospect in ``stage`` to, in the
    order of ``Stage``."""
    allowed = set(STAGE_TRANSITIONS.targets(stage, by=OWNER))
    return [value for value in Stage.values if value in allowed]


def pipeline_workers(pipeline: str, company: Company | None) -> QuerySet[User]:
    """The people who may own prospects of the pipeline, by e-mail: the
    company's members, or the platform's sales staff (the permission, by
    group or by person) and superusers. Active accounts only."""
    if pipeline == Pipeline.COMPANY:
        workers = Q(memberships__company=company)
    else:
        permission = Permission.objects.filter(
            content_type__app_label="prospects", codename="work_platform_pipeline"
        )
        workers = (
            Q(groups__permissions__in=permission)
            | Q(user_permissions__in=permission)
            | Q(is_superuser=True)
        )
    return User.objects.filter(workers, is_active=True).distinct().order_by("email")


def pipeline_professions(pipeline: str, company: Company | None) -> QuerySet[Profession]:
    """The trades of the pipeline's prospects (the filter's choices)."""
    used = pipeline_prospects(pipeline, company).filter(profession__isnull=False)
    return Profession.objects.filter(pk__in=used.values("profession")).order_by("name_fr")


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a prospect's timeline: an interaction or a history
    event (stage change, merge)."""

    at: datetime
    interaction: Interaction | None = None
    event: ProspectEvent | None = None


def prospect_timeline(prospect: Prospect, *, size: int = TIMELINE_SIZE) -> list[TimelineEntry]:
    """Interactions and history events of ``prospect``, newest first, at most
    ``size``. Two queries."""
    interactions = prospect.interactions.select_related("author").order_by("-happened_at", "-pk")[
        :size
    ]
    events = prospect.events.select_related("actor").order_by("-created_at", "-pk")[:size]
    entries = [TimelineEntry(at=row.happened_at, interaction=row) for row in interactions]
    entries += [TimelineEntry(at=row.created_at, event=row) for row in events]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:size]
