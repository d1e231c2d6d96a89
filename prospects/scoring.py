"""The nightly temperature score of open prospects (issue 15): 0–100 and
its top reasons, from five categorical features of each prospect.

Features (each a small fixed set of values, ``DOMAINS``), computed in SQL
by :func:`with_features` as of a reference moment — now for an open
prospect, the day it was won or lost (``stage_since``) for a closed one,
so that the history the model learns from is what was known then:

- ``recency``: the last contact (every interaction but a note written by a
  person) — within 7 days, 30, 90, older, or never;
- ``frequency``: contacts in the 90 days before — none, one, 2–4, 5+;
- ``signal``: the strongest sign of interest recorded — asked for a call
  (a quote request asking to be phoned moved the prospect to hot), a quote
  request, an application to be listed (submitted: ``prospects`` hears of
  applications when they move, not of drafts), opened the pre-filled
  application link (its first opening, noted by
  ``application_links.application_link_opened``), came through a
  referrer, or none;
- ``fit``: a sales prospect's trade through the screening engine of
  ``eligibility`` (``eligibility.selectors.trade_fits``); a lead's trade among the
  company's trades (good) or not (poor); unknown without a trade;
- ``budget``: the declared budget against the seed's €1,000 line and the
  quote form's ranges (€5,000, €20,000).

Two models share these features:

- **rules** (``RULE_POINTS``): points per feature value added to
  ``RULE_BASE``, clamped to 0–100; reasons = the values that moved the score
  most;
- **bayes**, once a pipeline (the platform's, or one company's) has
  ``PROSPECT_SCORE_MIN_WON`` won and ``PROSPECT_SCORE_MIN_LOST`` lost
  prospects: a categorical naive Bayes learned from them, as Odoo's lead
  scoring (frequency of each feature value among won and among lost, with
  Laplace smoothing ``PROSPECT_SCORE_ALPHA`` over the value's whole domain,
  so a value never seen in training gets the pseudo-count alone); score =
  P(won | features) × 100; reasons = the values with the largest
  log-likelihood ratios log P(value | won) − log P(value | lost). It gives
  the probabilities of scikit-learn's ``CategoricalNB(alpha=alpha,
  min_categories=<domain sizes>)`` (tests/prospects/test_scoring_bayes.py).

The counts the models learn from come from the closed prospects' features
(one pass); open prospects are then read by chunks of ``CHUNK`` primary
keys (``open_features``: the interactions aggregated per prospect, no
GROUP BY over the prospects' columns), and only the rows whose score,
reasons or model changed are written (PostgreSQL: COPY into a temporary
table, then one ``UPDATE … FROM`` it; SQLite: ``UPDATE … FROM (VALUES …)``). A second run on
the same data writes nothing. Scores never move a stage.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    FilteredRelation,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.formats import format_amount
from directory.models import Company
from eligibility.selectors import trade_fits

from .models import (
    OPEN_STAGES,
    Interaction,
    Origin,
    Pipeline,
    Prospect,
    ProspectEvent,
    ScoreModel,
    Stage,
)

FEATURES = ("recency", "frequency", "signal", "fit", "budget")
# Every value a feature may take: the smoothing spreads over the whole
# domain, and the order is the category index given to scikit-learn.
DOMAINS: dict[str, tuple[str, ...]] = {
    "recency": ("week", "month", "quarter", "older", "never"),
    "frequency": ("none", "one", "few", "many"),
    "signal": ("call", "quote", "application", "link", "referral", "none"),
    "fit": ("good", "check", "poor", "unknown"),
    "budget": ("unknown", "under_1000", "from_1000", "from_5000", "from_20000"),
}
# The recency buckets' upper bounds, in days since the last contact.
RECENT_DAYS = {"week": 7, "month": 30, "quarter": 90}
# Contacts counted for ``frequency``: those of the last quarter, the
# horizon of a follow-up cycle.
FREQUENCY_WINDOW = timedelta(days=90)
# Budget lines (€): the seed's "generally above €1,000" and the lower bounds
# of the quote form's ranges (``prospects.services._QUOTE_BUDGET_FLOOR``).
BUDGET_LINES = {"from_1000": 1000, "from_5000": 5000, "from_20000": 20000}

# --- The rule-based score ------------------------------------------------------------
#
# Points added to RULE_BASE, chosen so that a prospect with nothing known
# sits in the lower half and one asking to be called back this week, in a
# fitting trade, tops the scale. Sources: issue 15 (what counts) and seed 001
# (the stages: a hot prospect is "very interested, everything to convert
# quickly").
RULE_BASE = 40
# Seed 001: a prospect not followed up cools down; one heard from this week
# is the warmest. A suspect is never contacted by definition: neutral.
RECENCY_POINTS = {"week": 15, "month": 5, "quarter": -5, "older": -15, "never": 0}
# More exchanges, more engagement; capped, a long thread is not a purchase.
FREQUENCY_POINTS = {"none": 0, "one": 5, "few": 10, "many": 15}
# Issue 15's signals of interest: asking to be called is the strongest
# (the quote form's "call me" makes the lead hot), then a started
# application (the company did the work of applying), a quote request,
# an opened application link (the company looked at applying: more than
# someone else's word, less than a request it wrote), a referral (word of
# mouth, seed 004).
SIGNAL_POINTS = {
    "call": 30,
    "application": 25,
    "quote": 20,
    "link": 15,
    "referral": 10,
    "none": 0,
}
# Seed 000: a trade out of scope will not be listed (sales) or does not
# match what the pro sells (leads), whatever the interest.
FIT_POINTS = {"good": 10, "check": 0, "poor": -20, "unknown": 0}
# Seed 000: a purchase that matters is "generally above €1,000".
BUDGET_POINTS = {
    "unknown": 0,
    "under_1000": -5,
    "from_1000": 5,
    "from_5000": 10,
    "from_20000": 15,
}
RULE_POINTS: dict[str, dict[str, int]] = {
    "recency": RECENCY_POINTS,
    "frequency": FREQUENCY_POINTS,
    "signal": SIGNAL_POINTS,
    "fit": FIT_POINTS,
    "budget": BUDGET_POINTS,
}
# Reasons kept with a score: enough to explain it on a card.
REASONS_SHOWN = 3

# Open prospects read and scored at a time: three queries per chunk
# (``open_features``: the chunk's interactions by the (prospect,
# happened_at) index), about 10 MB of rows in Python whatever the
# pipelines' size.
CHUNK = 20000
# Rows per UPDATE statement (``_scores_write``): 4,000 parameters, far
# under SQLite's and PostgreSQL's limits.
WRITE_BATCH = 1000
# Key of the advisory lock a run holds (PostgreSQL), any 64-bit number.
LOCK_KEY = 1_501_500_015

CLOSED_STAGES = (Stage.CLIENT, Stage.LOST)


@dataclass(frozen=True)
class Reason:
    """One reason of a score: a feature's value, pushing up (+1) or down
    (−1), and what its wording needs (``since``: the last contact's date,
    ISO)."""

    feature: str
    value: str
    effect: int
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return f"{self.feature}.{self.value}"

    def as_dict(self, *, since: date | None = None) -> dict[str, Any]:
        """The stored form; ``since`` (the last contact's local date) fills
        a recency reason's parameters when the reason was computed without
        them (once for many prospects). Keys in jsonb's order."""
        params = self.params
        if since is not None and self.feature == "recency" and not params:
            params = {"since": since.isoformat()}
        return {"code": self.code, "effect": self.effect, "params": params}


@dataclass(frozen=True)
class Scored:
    score: int
    reasons: tuple[Reason, ...]
    model: str


# --- Features (SQL) ------------------------------------------------------------------


# The system's moves the ``signal`` feature reads, on ``ProspectEvent``,
# by their origin (``models.Origin``, never their text): a quote request
# asking to be phoned moves its lead to hot
# (``services.prospect_from_quote_request``); an application moved
# (``services.prospect_from_application``).
ASKED_CALL = Q(actor__isnull=True, to_status=Stage.HOT, origin=Origin.QUOTE_REQUEST)
APPLIED = Q(actor__isnull=True, origin=Origin.APPLICATION)
# Every quote request leaves a system note with its origin (on ``Interaction``).
QUOTE_NOTE = Q(kind=Interaction.Kind.NOTE, author__isnull=True, origin=Origin.QUOTE_REQUEST)
# The first opening of each application link leaves a system note (on
# ``Interaction``, ``application_links.application_link_opened``).
LINK_OPENED_NOTE = Q(kind=Interaction.Kind.NOTE, author__isnull=True, origin=Origin.LINK_OPENED)
# A contact: every interaction but a note written by a person (a system
# note records the prospect acting: a quote request, an opened link).
CONTACT = ~Q(kind=Interaction.Kind.NOTE, author__isnull=False)


def _recency_case(bound: Callable[[int], Any]) -> Case:
    """``recency`` from the ``last_contact`` annotation; ``bound(days)``:
    the moment ``days`` before the reference one (an expression or a
    value)."""
    return Case(
        When(last_contact__isnull=True, then=Value("never")),
        *(
            When(last_contact__gt=bound(days), then=Value(bucket))
            for bucket, days in RECENT_DAYS.items()
        ),
        default=Value("older"),
        output_field=CharField(),
    )


def _frequency_case() -> Case:
    """``frequency`` from the ``contacts`` annotation."""
    return Case(
        When(contacts=0, then=Value("none")),
        When(contacts=1, then=Value("one")),
        When(contacts__lte=4, then=Value("few")),
        default=Value("many"),
        output_field=CharField(),
    )


def _fit_case(fits: Mapping[int, str]) -> Case:
    """``fit`` of a prospect row (see ``with_features``)."""
    by_fit: dict[str, list[int]] = defaultdict(list)
    for profession_id, trade_fit in fits.items():
        by_fit[trade_fit].append(profession_id)
    company_trade = Company.professions.through.objects.filter(
        company_id=OuterRef("company_id"), profession_id=OuterRef("profession_id")
    )
    return Case(
        When(profession__isnull=True, then=Value("unknown")),
        When(
            pipeline=Pipeline.COMPANY,
            then=Case(When(Exists(company_trade), then=Value("good")), default=Value("poor")),
        ),
        When(profession_id__in=by_fit["good"], then=Value("good")),
        When(profession_id__in=by_fit["poor"], then=Value("poor")),
        default=Value("check"),
        output_field=CharField(),
    )


def _budget_case() -> Case:
    """``budget`` of a prospect row."""
    return Case(
        When(budget__isnull=True, then=Value("unknown")),
        *(
            When(budget__gte=line, then=Value(bucket))
            for bucket, line in reversed(BUDGET_LINES.items())
        ),
        default=Value("under_1000"),
        output_field=CharField(),
    )


def with_features(
    rows: QuerySet[Prospect],
    *,
    now: datetime,
    fits: Mapping[int, str],
    pk_range: tuple[int, int] | None = None,
    closed: bool | None = None,
) -> QuerySet[Prospect]:
    """``rows`` annotated with ``f_<feature>`` for every feature and
    ``last_contact`` (the last contact's moment, or None), as of ``now``
    for open prospects and of the day they were won or lost for the others.
    One aggregate query over the interactions of ``rows``; ``fits`` maps a
    trade to a sales prospect's fit (``eligibility.selectors.trade_fits``). ``pk_range``
    (first, last), when ``rows`` lie within it, limits the interactions
    joined to theirs in the join itself: PostgreSQL then reads them by the
    (prospect, happened_at) index instead of hashing all of them for every
    chunk (0.5 s against 3.6 s for 20,000 prospects among 2,000,000
    interactions). ``closed`` says that ``rows`` are all closed (True) or
    all open (False): the reference moment is then a column or a constant,
    not a CASE the GROUP BY must sort on (3 times faster on PostgreSQL)."""
    at: Case | F | Value
    if closed is None:
        at = Case(
            When(stage__in=CLOSED_STAGES, then=F("stage_since")),
            default=Value(now),
            output_field=DateTimeField(),
        )
    else:
        at = F("stage_since") if closed else Value(now, output_field=DateTimeField())
    if pk_range is not None:
        rows = rows.alias(
            joined=FilteredRelation(
                "interactions",
                condition=Q(
                    interactions__prospect__gte=pk_range[0],
                    interactions__prospect__lte=pk_range[1],
                ),
            )
        )
    else:
        rows = rows.alias(joined=FilteredRelation("interactions"))
    contact = ~Q(joined__kind=Interaction.Kind.NOTE, joined__author__isnull=False)
    rows = rows.annotate(ref=at).annotate(
        last_contact=Max(
            "joined__happened_at", filter=contact & Q(joined__happened_at__lte=F("ref"))
        ),
        # Every quote request leaves a system note naming it: counted on
        # the interactions already joined (a correlated EXISTS would probe
        # the index once per prospect).
        quotes=Count(
            "joined",
            filter=Q(
                joined__kind=Interaction.Kind.NOTE,
                joined__author__isnull=True,
                joined__origin=Origin.QUOTE_REQUEST,
            ),
        ),
        contacts=Count(
            "joined",
            filter=contact
            & Q(
                joined__happened_at__lte=F("ref"),
                joined__happened_at__gt=F("ref") - FREQUENCY_WINDOW,
            ),
        ),
        opened=Count(
            "joined",
            filter=Q(
                joined__kind=Interaction.Kind.NOTE,
                joined__author__isnull=True,
                joined__origin=Origin.LINK_OPENED,
                joined__happened_at__lte=F("ref"),
            ),
        ),
    )
    recency = _recency_case(lambda days: F("ref") - timedelta(days=days))
    frequency = _frequency_case()
    signal = Case(
        When(
            Exists(ProspectEvent.objects.filter(ASKED_CALL, prospect=OuterRef("pk"))),
            then=Value("call"),
        ),
        When(quotes__gt=0, then=Value("quote")),
        When(
            Exists(ProspectEvent.objects.filter(APPLIED, prospect=OuterRef("pk"))),
            then=Value("application"),
        ),
        When(opened__gt=0, then=Value("link")),
        When(referrer__isnull=False, then=Value("referral")),
        default=Value("none"),
        output_field=CharField(),
    )
    fit = _fit_case(fits)
    budget = _budget_case()
    return rows.annotate(
        f_recency=recency, f_frequency=frequency, f_signal=signal, f_fit=fit, f_budget=budget
    )


def open_features(
    lo: int,
    hi: int,
    *,
    now: datetime,
    fits: Mapping[int, str],
    closed: bool = False,
) -> Iterator[dict[str, Any]]:
    """The open prospects (``closed``: the won and lost ones) of primary
    keys ``lo``–``hi`` with the features of ``with_features(…,
    closed=closed)`` as of ``now`` for the open ones and of ``stage_since``
    for the closed ones (``f_<feature>``, ``last_contact``), and what a run
    compares or counts (``pk``, ``pipeline``, ``company_id``, ``stage``,
    ``score``, ``stored_reasons`` as JSON text, ``score_model``), in no
    order.

    Three queries without a join between prospects and interactions
    (the nightly run's hot path; ``with_features`` groups every prospect
    column and CASE by the joined interactions, a sort that dominated):
    the interactions of the range aggregated per prospect (GROUP BY
    prospect_id only, read by the (prospect, happened_at) index), the
    system's events of the range that make a signal (``ASKED_CALL``,
    ``APPLIED``), and the prospects themselves with ``fit`` and ``budget``
    in SQL. The signal's order (call, quote, application, link, referral) is
    ``with_features``' (tests/prospects/test_scoring_rules.py compares
    both on every feature value)."""
    interactions = Interaction.objects.filter(prospect_id__gte=lo, prospect_id__lte=hi)
    ref: F | datetime
    bound: Callable[[int], Any]
    if closed:
        # The day each was won or lost: read from the prospect joined.
        interactions = interactions.filter(
            prospect__stage__in=CLOSED_STAGES, prospect__anonymised_at__isnull=True
        )
        ref = F("prospect__stage_since")
        bound = lambda days: F("prospect__stage_since") - timedelta(days=days)  # noqa: E731
    else:
        ref = now
        bound = lambda days: now - timedelta(days=days)  # noqa: E731
    activity = {
        pk: (last, quotes, opened, recency, frequency)
        for pk, last, quotes, opened, recency, frequency in (
            interactions.order_by()
            .values("prospect_id")
            .annotate(
                last_contact=Max("happened_at", filter=CONTACT & Q(happened_at__lte=ref)),
                quotes=Count("pk", filter=QUOTE_NOTE),
                opened=Count("pk", filter=LINK_OPENED_NOTE & Q(happened_at__lte=ref)),
                contacts=Count(
                    "pk",
                    filter=CONTACT
                    & Q(happened_at__lte=ref, happened_at__gt=bound(FREQUENCY_WINDOW.days)),
                ),
            )
            .annotate(f_recency=_recency_case(bound), f_frequency=_frequency_case())
            .values_list(
                "prospect_id", "last_contact", "quotes", "opened", "f_recency", "f_frequency"
            )
        )
    }
    asked_call: set[int] = set()
    applied: set[int] = set()
    for pk, call in (
        ProspectEvent.objects.filter(prospect_id__gte=lo, prospect_id__lte=hi)
        .filter(ASKED_CALL | APPLIED)
        .order_by()
        .annotate(call=Case(When(ASKED_CALL, then=Value(True)), default=Value(False)))
        .values_list("prospect_id", "call")
    ):
        (asked_call if call else applied).add(pk)
    nothing = (None, 0, 0, "never", "none")
    rows = (
        Prospect.objects.filter(
            stage__in=CLOSED_STAGES if closed else OPEN_STAGES,
            anonymised_at__isnull=True,
            pk__gte=lo,
            pk__lte=hi,
        )
        .order_by()
        .annotate(
            stored_reasons=Cast("score_reasons", TextField()),
            f_fit=_fit_case(fits),
            f_budget=_budget_case(),
        )
        .values_list(
            "pk",
            "pipeline",
            "company_id",
            "stage",
            "referrer_id",
            "score",
            "stored_reasons",
            "score_model",
            "f_fit",
            "f_budget",
        )
    )
    for pk, pipeline, company_id, stage, referrer_id, score, reasons, model, fit, budget in rows:
        last, quotes, opened, recency, frequency = activity.get(pk, nothing)
        if pk in asked_call:
            signal = "call"
        elif quotes:
            signal = "quote"
        elif pk in applied:
            signal = "application"
        elif opened:
            signal = "link"
        elif referrer_id is not None:
            signal = "referral"
        else:
            signal = "none"
        yield {
            "pk": pk,
            "pipeline": pipeline,
            "company_id": company_id,
            "stage": stage,
            "score": score,
            "stored_reasons": reasons,
            "score_model": model,
            "last_contact": last,
            "f_recency": recency,
            "f_frequency": frequency,
            "f_signal": signal,
            "f_fit": fit,
            "f_budget": budget,
        }


# --- The models -----------------------------------------------------------------------


def _since(last_contact: datetime | None) -> dict[str, Any]:
    if last_contact is None:
        return {}
    return {"since": timezone.localdate(last_contact).isoformat()}


def rule_score(features: Mapping[str, str], *, last_contact: datetime | None = None) -> Scored:
    """The rule-based score of one prospect's ``features`` (see the module
    and ``RULE_POINTS``): ``RULE_BASE`` plus each value's points, clamped to
    0–100; the reasons are the ``REASONS_SHOWN`` values worth the most
    points either way (ties: ``FEATURES`` order), none worth 0."""
    points = {name: RULE_POINTS[name][features[name]] for name in FEATURES}
    total = max(0, min(100, RULE_BASE + sum(points.values())))
    ranked = sorted(
        (name for name in FEATURES if points[name]),
        key=lambda name: -abs(points[name]),
    )[:REASONS_SHOWN]
    reasons = tuple(
        Reason(
            name,
            features[name],
            1 if points[name] > 0 else -1,
            _since(last_contact) if name == "recency" else {},
        )
        for name in ranked
    )
    return Scored(total, reasons, ScoreModel.RULES)


@dataclass
class Counts:
    """A pipeline's closed prospects counted per outcome and per feature
    value: ``total[won]`` and ``values[won][feature][value]``."""

    total: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})
    values: dict[bool, dict[str, dict[str, int]]] = field(
        default_factory=lambda: {
            won: {name: defaultdict(int) for name in FEATURES} for won in (True, False)
        }
    )

    def add(self, *, won: bool, features: Mapping[str, str], count: int = 1) -> None:
        self.total[won] += count
        for name in FEATURES:
            self.values[won][name][features[name]] += count


@dataclass(frozen=True)
class NaiveBayes:
    """A categorical naive Bayes over ``FEATURES``, from a pipeline's
    ``Counts`` and the smoothing ``alpha``: the log prior of each outcome
    (its share of the closed prospects) and the log frequency of each
    feature value given the outcome, (count + alpha) / (total + alpha ×
    domain size)."""

    log_prior: dict[bool, float]
    log_likelihood: dict[bool, dict[str, dict[str, float]]]

    @classmethod
    def fit(cls, counts: Counts, *, alpha: float) -> NaiveBayes:
        everyone = counts.total[True] + counts.total[False]
        log_prior = {won: math.log(counts.total[won] / everyone) for won in (True, False)}
        log_likelihood = {
            won: {
                name: {
                    value: math.log(
                        (counts.values[won][name].get(value, 0) + alpha)
                        / (counts.total[won] + alpha * len(DOMAINS[name]))
                    )
                    for value in DOMAINS[name]
                }
                for name in FEATURES
            }
            for won in (True, False)
        }
        return cls(log_prior, log_likelihood)

    def probability_won(self, features: Mapping[str, str]) -> float:
        """P(won | features), normalised in log space (no underflow)."""
        joint = {
            won: self.log_prior[won]
            + sum(self.log_likelihood[won][name][features[name]] for name in FEATURES)
            for won in (True, False)
        }
        top = max(joint.values())
        odds = {won: math.exp(value - top) for won, value in joint.items()}
        return odds[True] / (odds[True] + odds[False])

    def ratio(self, name: str, value: str) -> float:
        """log P(value | won) − log P(value | lost)."""
        return self.log_likelihood[True][name][value] - self.log_likelihood[False][name][value]

    def score(self, features: Mapping[str, str], *, last_contact: datetime | None = None) -> Scored:
        """P(won) × 100, rounded; the reasons are the ``REASONS_SHOWN``
        values with the largest log-likelihood ratios either way (none
        exactly 0)."""
        ratios = {name: self.ratio(name, features[name]) for name in FEATURES}
        ranked = sorted(
            (name for name in FEATURES if ratios[name]), key=lambda name: -abs(ratios[name])
        )[:REASONS_SHOWN]
        reasons = tuple(
            Reason(
                name,
                features[name],
                1 if ratios[name] > 0 else -1,
                _since(last_contact) if name == "recency" else {},
            )
            for name in ranked
        )
        return Scored(round(self.probability_won(features) * 100), reasons, ScoreModel.BAYES)


# --- The nightly run --------------------------------------------------------------------


PipelineKey = tuple[str, int | None]  # (pipeline, company id or None)


@dataclass(frozen=True)
class ScoreReport:
    """What a run did: open prospects scored, rows written (changed),
    pipelines scored by a learned model."""

    scored: int
    changed: int
    learned_pipelines: int

    def as_dict(self) -> dict[str, int]:
        return {
            "scored": self.scored,
            "changed": self.changed,
            "learned_pipelines": self.learned_pipelines,
        }


def _features_of(row: Mapping[str, Any]) -> dict[str, str]:
    return {name: row[f"f_{name}"] for name in FEATURES}


def history_counts(*, now: datetime, fits: Mapping[int, str]) -> dict[PipelineKey, Counts]:
    """The won and lost prospects of every pipeline counted per feature
    value: the features of every closed prospect as of the day it closed
    (``open_features(closed=True)``, four queries in one pass), counted in
    Python — at most 2 × 2,000 counters per pipeline, whatever its
    history."""
    closed = Prospect.objects.filter(stage__in=CLOSED_STAGES, anonymised_at__isnull=True)
    counts: dict[PipelineKey, Counts] = defaultdict(Counts)
    # One pass: PostgreSQL hashes the closed prospects once for the join
    # (per chunk, it would scan them again each time).
    span = closed.aggregate(lo=Min("pk"), hi=Max("pk"))
    if span["lo"] is not None:
        for row in open_features(span["lo"], span["hi"], now=now, fits=fits, closed=True):
            counts[(row["pipeline"], row["company_id"])].add(
                won=row["stage"] == Stage.CLIENT, features=_features_of(row)
            )
    return counts


def learned_models(
    counts: Mapping[PipelineKey, Counts],
    *,
    min_won: int | None = None,
    min_lost: int | None = None,
    alpha: float | None = None,
) -> dict[PipelineKey, NaiveBayes]:
    """A model for each pipeline with enough history (the settings, unless
    given)."""
    min_won = settings.PROSPECT_SCORE_MIN_WON if min_won is None else min_won
    min_lost = settings.PROSPECT_SCORE_MIN_LOST if min_lost is None else min_lost
    alpha = settings.PROSPECT_SCORE_ALPHA if alpha is None else alpha
    return {
        key: NaiveBayes.fit(pipeline_counts, alpha=alpha)
        for key, pipeline_counts in counts.items()
        if pipeline_counts.total[True] >= min_won and pipeline_counts.total[False] >= min_lost
    }


def prospects_score(*, now: datetime | None = None) -> ScoreReport:
    """Score every open prospect (see the module) as of ``now``; write only
    the rows whose score, reasons or model changed, ``scored_at`` = ``now``
    on those. Idempotent: a rerun on the same data writes nothing. One
    transaction (readers see last night's scores or tonight's); on
    PostgreSQL a run holds an advisory lock so that two never overlap (the
    beat's lease already prevents it).

    Prospects with the same features in the same pipeline get the same
    score and reasons: each is computed once per run (``memo``), only the
    last contact's date is added per row. The stored reasons are compared
    as JSON text: ``json.dumps`` of ``Reason.as_dict`` writes the keys in
    the order and spacing PostgreSQL's jsonb prints them, so an unchanged
    row compares equal on both databases (a mismatch would only rewrite
    the row, never keep a wrong score)."""
    now = now or timezone.now()
    fits = trade_fits()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
                (locked,) = cursor.fetchone()
                # As loyalty.recompute: compiling these few simple plans
                # (JIT, triggered by high cost estimates) costs more than
                # it saves.
                cursor.execute("SET LOCAL jit = off")
                # The history's aggregate hashes one row per closed prospect
                # (and their join): with the default 4 MB it spills to disk,
                # several times slower (benchmark: 69,000 closed prospects
                # and their interactions).
                cursor.execute("SET LOCAL work_mem = '64MB'")
            if not locked:
                return ScoreReport(0, 0, 0)
        models = learned_models(history_counts(now=now, fits=fits))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Back to the server's work_mem for the chunks: with 64 MB
                # PostgreSQL hashes every trade row of every company
                # (1,750,000) for the fit of each chunk instead of probing
                # the index for its 20,000 prospects — 1.6 to 2.1 s against
                # 0.15 to 0.3 s a chunk (``make bench-nightly``).
                cursor.execute("RESET work_mem")
        open_rows = Prospect.objects.filter(stage__in=OPEN_STAGES, anonymised_at__isnull=True)
        scored = changed = 0
        memo: dict[tuple[Any, ...], Scored] = {}
        # The stored form of a memoised result, per last contact's date when
        # one of its reasons names it.
        texts: dict[tuple[Any, ...], str] = {}
        zone = timezone.get_current_timezone()
        copied = connection.vendor == "postgresql"
        if copied:
            with connection.cursor() as cursor:
                # A run inside a caller's transaction (a savepoint) finds
                # the table a previous run there left: dropped at commit only.
                cursor.execute(f"DROP TABLE IF EXISTS {_SCORES_TEMP}")
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {_SCORES_TEMP} (id bigint PRIMARY KEY, "
                    "score smallint, reasons jsonb, model varchar(5)) ON COMMIT DROP"
                )
        for lo, hi in _pk_ranges(open_rows):
            rows = open_features(lo, hi, now=now, fits=fits)
            updates: list[tuple[int, int, str, str]] = []
            for row in rows:
                scored += 1
                key = (row["pipeline"], row["company_id"])
                model = models.get(key)
                features = _features_of(row)
                memo_key = (key if model else None, *features.values())
                result = memo.get(memo_key)
                if result is None:
                    result = model.score(features) if model else rule_score(features)
                    memo[memo_key] = result
                since = (
                    row["last_contact"].astimezone(zone).date()
                    if row["last_contact"]
                    and any(reason.feature == "recency" for reason in result.reasons)
                    else None
                )
                reasons = texts.get((memo_key, since))
                if reasons is None:
                    reasons = json.dumps([reason.as_dict(since=since) for reason in result.reasons])
                    texts[(memo_key, since)] = reasons
                if (row["score"], row["stored_reasons"], row["score_model"]) != (
                    result.score,
                    reasons,
                    result.model,
                ):
                    updates.append((row["pk"], result.score, reasons, result.model))
            if copied:
                _scores_copy(updates)
            else:
                for start in range(0, len(updates), WRITE_BATCH):
                    _scores_write(updates[start : start + WRITE_BATCH], now=now)
            changed += len(updates)
        if copied:
            _scores_apply(now=now)
    return ScoreReport(scored, changed, len(models))


def _pk_ranges(rows: QuerySet[Prospect]) -> Iterator[tuple[int, int]]:
    """(first, last) primary keys of successive chunks of ``CHUNK`` rows
    of ``rows`` (keyset: one index scan each, whatever the table's size)."""
    last = 0
    while True:
        pks = list(rows.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not pks:
            return
        last = pks[-1]
        yield pks[0], last


# The changed scores of a run on PostgreSQL: COPYed into this table, then
# written by one UPDATE (``_scores_apply``).
_SCORES_TEMP = "prospect_scores_tonight"


def _scores_copy(rows: list[tuple[int, int, str, str]]) -> None:
    """COPY (pk, score, reasons as JSON text, model) rows into the run's
    temporary table (PostgreSQL): no statement per thousand rows to parse
    and plan."""
    if not rows:
        return
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's, in the run's transaction
        with raw.copy(f"COPY {_SCORES_TEMP} (id, score, reasons, model) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _scores_apply(*, now: datetime) -> None:
    """Write the run's COPYed scores in one ``UPDATE … FROM`` the
    temporary table (PostgreSQL), ``scored_at`` = ``now``."""
    table = connection.ops.quote_name(Prospect._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {_SCORES_TEMP}")
        cursor.execute(
            f"UPDATE {table} SET score = s.score, score_reasons = s.reasons, "  # noqa: S608 - constants
            f"score_model = s.model, scored_at = %s FROM {_SCORES_TEMP} s "
            f"WHERE {table}.id = s.id",
            [now],
        )
        cursor.execute(f"DROP TABLE {_SCORES_TEMP}")


def _scores_write(rows: list[tuple[int, int, str, str]], *, now: datetime) -> None:
    """Write (pk, score, reasons as JSON text, model) rows in one
    ``UPDATE … FROM (VALUES …)`` (PostgreSQL, SQLite ≥ 3.33): Django's
    ``bulk_update`` builds one CASE per column and row: about 360 s against
    about 15 s for 133,000 changed rows (a first run of the benchmark data,
    on a shared 2-core machine). ``updated_at`` is left alone: a score is not an edit."""
    if not rows:
        return
    table = connection.ops.quote_name(Prospect._meta.db_table)
    reasons = "v.column3::jsonb" if connection.vendor == "postgresql" else "v.column3"
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    sql = (
        f"UPDATE {table} SET score = v.column2, score_reasons = {reasons}, "  # noqa: S608 - constants
        f"score_model = v.column4, scored_at = %s FROM (VALUES {values}) AS v "
        f"WHERE {table}.id = v.column1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *(value for row in rows for value in row)])


# --- Wording (at display time) ------------------------------------------------------------


def reason_text(reason: Mapping[str, Any], *, today: date | None = None) -> str:
    """A stored reason (``Reason.as_dict``) in the active language:
    "a demandé un rappel", "aucun contact depuis 21 jours", "métier bien
    adapté", "budget supérieur à 1 000 €". The days since the last contact
    are counted from ``today`` (local) when shown, so the text stays true
    between two nights. An unknown code gives ""."""
    code = str(reason.get("code", ""))
    params = reason.get("params") or {}
    if code.startswith("recency.") and code != "recency.never":
        try:
            since = date.fromisoformat(str(params.get("since")))
        except ValueError:
            return ""
        days = max(0, ((today or timezone.localdate()) - since).days)
        if code in ("recency.week", "recency.month"):
            if days == 0:
                return _("contacted today")
            return ngettext(
                "last contact %(days)d day ago", "last contact %(days)d days ago", days
            ) % {"days": days}
        return ngettext("no contact for %(days)d day", "no contact for %(days)d days", days) % {
            "days": days
        }
    fixed = {
        "recency.never": _("never contacted"),
        "frequency.none": _("no exchange in the last 90 days"),
        "frequency.one": _("one exchange in the last 90 days"),
        "frequency.few": _("2 to 4 exchanges in the last 90 days"),
        "frequency.many": _("5 exchanges or more in the last 90 days"),
        "signal.call": _("asked to be called back"),
        "signal.quote": _("asked for a quote"),
        "signal.application": _("applied to be listed"),
        "signal.link": _("opened the application link"),
        "signal.referral": _("recommended by a referrer"),
        "signal.none": _("no sign of interest yet"),
        "fit.good": _("trade well suited"),
        "fit.check": _("trade to check"),
        "fit.poor": _("trade not suited"),
        "fit.unknown": _("trade unknown"),
        "budget.unknown": _("no budget given"),
        "budget.under_1000": _("budget under %(amount)s")
        % {"amount": format_amount(BUDGET_LINES["from_1000"], cents=False)},
        **{
            f"budget.{bucket}": _("budget over %(amount)s")
            % {"amount": format_amount(line, cents=False)}
            for bucket, line in BUDGET_LINES.items()
        },
    }
    return fixed.get(code, "")


def reasons_text(reasons: Iterable[Mapping[str, Any]], *, today: date | None = None) -> list[str]:
    """The worded reasons of a score (see ``reason_text``), unknown codes
    left out, each prefixed by ↑ or ↓ for the way it pushes."""
    texts = []
    for reason in reasons:
        text = reason_text(reason, today=today)
        if text:
            texts.append(f"{'↑' if reason.get('effect', 0) > 0 else '↓'} {text}")
    return texts
