"""Reads behind the transparency page (« Comment nous vérifions les avis »):
the live moderation figures the page promises, each computed by one
set-based query (aggregates, GROUP BY, window functions), so the page costs
the same handful of queries whatever the number of reviews.

To add a figure: write a function that reads it in one query, add a field to
:class:`TransparencyFigures`, fill it in :func:`transparency_figures` and
show it in ``templates/reviews/how.html`` (``tests/reviews/test_transparency.py``
pins the number of queries).

Delays are measured from a review's submission (``Review.created_at``, the
moment the author sent the form) to its first **decision**: publication
(automatic or by a moderator) or refusal, as recorded in its status history
(:func:`_first_decision`), per rating, as the median and the 95th
percentile by the nearest-rank method (:func:`nearest_rank`); the delays
to publication by path (automatic or a person's) run to
``Review.published_at``. A row whose decision is recorded before its
submission is inconsistent (an import or a back-dated row): it is
**excluded** from the delays, never clamped to zero, so it can neither
produce a negative delay nor pull a percentile down. Reviews still waiting
are counted apart, with the age of the one waiting longest
(:func:`pending_ages`), against the promised maximum
``REVIEW_MODERATION_MAX_DAYS``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, RowNumber, TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from common.charts import StackedBars, stacked_bars

from .models import (
    ModerationDecision,
    RejectionReason,
    Review,
    ReviewEvent,
    ReviewFlag,
    ReviewStatus,
)

RATINGS = (1, 2, 3, 4, 5)
# The chart covers the current month and the eleven before it: a year.
CHART_MONTHS = 12


# --- Delays, in words ------------------------------------------------------


def delay_text(delay: timedelta) -> str:
    """A delay as people say it, in the active language: under an hour
    « moins d'une heure »; under two days in whole hours (« 5 h »); then in
    whole days (« 2 j »). A negative delay is a programming error
    (ValueError): :func:`percentile_delays` and
    :func:`pending_ages` never yield one."""
    seconds = delay.total_seconds()
    if seconds < 0:
        raise ValueError("A delay cannot be negative.")
    if seconds < 3600:
        return gettext("less than an hour")
    hours = round(seconds / 3600)
    if hours < 48:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = round(seconds / 86400)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


# --- Percentiles of delays --------------------------------------------------


def nearest_rank(percent: int, size: int) -> int:
    """The 1-based rank of the ``percent``-th percentile of ``size`` sorted
    values, by the nearest-rank method: ``ceil(percent × size / 100)``
    (at least 1). The value at that rank is an observed delay, and at least
    ``percent`` % of the values are less than or equal to it: "half of the
    reviews were decided within p50, 95 in 100 within p95". Of an even
    count, the median is the lower of the two middle values (never a mean)."""
    return max(1, -(-percent * size // 100))


def _rank_expression(percent: int, size: str = "size") -> CombinedExpression:
    """:func:`nearest_rank` in SQL, on the integer window ``size``: the
    integer division of ``percent × size + 99`` by 100 (the same on SQLite
    and PostgreSQL, both dividing integers as integers)."""
    return (F(size) * percent + 99) / 100


@dataclass(frozen=True)
class DelayPercentiles:
    """The delays of ``count`` reviews: their median (``p50``) and 95th
    percentile (``p95``) by the nearest-rank method (:func:`nearest_rank`);
    both None when there are none."""

    count: int
    p50: timedelta | None
    p95: timedelta | None

    @property
    def delay(self) -> timedelta | None:
        """The median: half of the reviews took this long or less."""
        return self.p50

    @property
    def text(self) -> str:
        return self.p50_text

    @property
    def p50_text(self) -> str:
        return "—" if self.p50 is None else delay_text(self.p50)

    @property
    def p95_text(self) -> str:
        return "—" if self.p95 is None else delay_text(self.p95)


NO_DELAYS = DelayPercentiles(count=0, p50=None, p95=None)


def percentile_delays(rows: QuerySet[Review], key: str) -> dict[Hashable, DelayPercentiles]:
    """The p50 and p95 (nearest rank) of the ``delay`` annotation of
    ``rows`` for each value of the field or annotation ``key``, in ONE
    query: a window numbers each group's rows by delay (ties by pk), another
    counts them, and only the rows at the two ranks come back — at most two
    a group, however many reviews. The same SQL on SQLite and PostgreSQL; no
    table in memory. A group without rows is absent from the result."""
    ordered = rows.annotate(
        position=Window(
            RowNumber(), partition_by=[F(key)], order_by=[F("delay").asc(), F("pk").asc()]
        ),
        size=Window(Count("pk"), partition_by=[F(key)]),
    ).filter(Q(position=_rank_expression(50)) | Q(position=_rank_expression(95)))
    found: dict[Hashable, dict[int, timedelta]] = {}
    sizes: dict[Hashable, int] = {}
    for group, position, size, delay in ordered.values_list(
        key, "position", "size", "delay"
    ).order_by():
        found.setdefault(group, {})[position] = delay
        sizes[group] = size
    return {
        group: DelayPercentiles(
            count=sizes[group],
            p50=found[group].get(nearest_rank(50, sizes[group])),
            p95=found[group].get(nearest_rank(95, sizes[group])),
        )
        for group in found
    }


def _publication_rows() -> QuerySet[Review]:
    """Published reviews with a consistent delay to publication (see the
    module's note: publication before submission is excluded), annotated
    ``delay``."""
    return (
        Review.objects.published()
        .filter(published_at__gte=F("created_at"))
        .annotate(
            delay=ExpressionWrapper(
                F("published_at") - F("created_at"), output_field=DurationField()
            )
        )
    )


# The statuses a decision moves a review to: online (automatic checks
# passed, or a moderator's decision) or refused by a moderator.
DECISION_STATUSES = (ReviewStatus.PUBLISHED, ReviewStatus.REJECTED)


def _first_decision() -> Subquery:
    """When the review was first decided: the first move of its status to
    published or rejected in its history (``ReviewEvent.created_at``).

    The history is the record of the decision's time: every publication,
    automatic or by a person, and every refusal is a status move
    (``transitions.review_move``), made in the transaction that records a
    moderator's ``ModerationDecision``, right after it; a review whose history began before
    moves were recorded has its status then as its first event (migration
    0005). The *first* decision is the one the author waited for: a later
    refusal of a published review (after a flag), or a publication after
    an appeal or a correction, is a new examination, not the wait."""
    return Subquery(
        ReviewEvent.objects.filter(review=OuterRef("pk"), to_status__in=DECISION_STATUSES)
        .order_by("created_at", "pk")
        .values("created_at")[:1]
    )


def _decision_rows() -> QuerySet[Review]:
    """Every review decided at least once, annotated ``decided_at``
    (:func:`_first_decision`) and ``delay`` from its submission; a review
    whose first decision is recorded before its submission is inconsistent
    and excluded (never clamped), as is one never decided (pending, or
    withdrawn while it waited)."""
    return (
        Review.objects.annotate(decided_at=_first_decision())
        .filter(decided_at__gte=F("created_at"))
        .annotate(
            delay=ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
        )
    )


# --- Reviews waiting for a person -------------------------------------------


@dataclass(frozen=True)
class PendingAges:
    """The reviews waiting for a person: how many, how long the one waiting
    longest has waited (``oldest``, None when none waits) and how many have
    waited longer than ``REVIEW_MODERATION_MAX_DAYS`` (``overdue``)."""

    count: int
    oldest: timedelta | None
    overdue: int

    @property
    def oldest_text(self) -> str:
        return "—" if self.oldest is None else delay_text(self.oldest)


NO_PENDING = PendingAges(count=0, oldest=None, overdue=0)


def max_moderation_days() -> int:
    """The longest a review waits for a person, in days, as promised on the
    transparency page (``REVIEW_MODERATION_MAX_DAYS``)."""
    return int(settings.REVIEW_MODERATION_MAX_DAYS)


def pending_ages(*, now: datetime) -> dict[int, PendingAges]:
    """The reviews in moderation by rating, in ONE GROUP BY query. A review
    waits since it entered moderation (``status_changed_at``, the move to
    pending: its submission, or a correction or an upheld appeal sent it
    back); one whose wait starts after ``now`` is inconsistent and excluded,
    never counted as a wait of zero. A rating without pending reviews is
    absent."""
    waiting_since = Coalesce("status_changed_at", "created_at")
    limit = now - timedelta(days=max_moderation_days())
    rows = (
        Review.objects.filter(status=ReviewStatus.PENDING)
        .alias(waiting_since=waiting_since)
        .filter(waiting_since__lte=now)
        .values("rating")
        .annotate(
            n=Count("pk"),
            since=Min("waiting_since"),
            overdue=Count("pk", filter=Q(waiting_since__lt=limit)),
        )
        .values_list("rating", "n", "since", "overdue")
        .order_by()
    )
    return {
        rating: PendingAges(count=n, oldest=now - since, overdue=overdue)
        for rating, n, since, overdue in rows
    }


@dataclass(frozen=True)
class RatingDelays:
    """One row of the table "delay to decision, by rating": the reviews of
    ``stars`` stars decided (their p50 and p95 delays) and still waiting."""

    stars: int
    decided: DelayPercentiles
    pending: PendingAges


# --- Counts -----------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A count and its label, agreeing in number (« 1 publié », « 12 publiés »)."""

    key: str
    count: int
    label: str


@dataclass(frozen=True)
class StatusCounts:
    """Reviews received, by status, and the published ones that no person
    had to look at (``published_automatically``: no publish decision, see
    :func:`status_counts`)."""

    received: int
    published: int
    pending: int
    rejected: int
    withdrawn: int
    unpublished: int
    published_automatically: int

    @property
    def automatic_percent(self) -> int | None:
        """Share of published reviews published without a person, in whole
        percent; None before the first publication."""
        if not self.published:
            return None
        return round(100 * self.published_automatically / self.published)

    def figures(self) -> list[Figure]:
        """The headline counts with labels in the active language."""
        n = self
        return [
            Figure(
                "received",
                n.received,
                ngettext("Review received", "Reviews received", n.received),
            ),
            Figure(
                "published",
                n.published,
                ngettext("Published review", "Published reviews", n.published),
            ),
            # Invariable in French and English: « en attente de modération ».
            Figure("pending", n.pending, gettext("Awaiting moderation")),
            Figure(
                "rejected",
                n.rejected,
                ngettext("Rejected review", "Rejected reviews", n.rejected),
            ),
            Figure(
                "unpublished",
                n.unpublished,
                ngettext(
                    "Review unpublished after an audit",
                    "Reviews unpublished after an audit",
                    n.unpublished,
                ),
            ),
            Figure(
                "withdrawn",
                n.withdrawn,
                ngettext(
                    "Review withdrawn by its author",
                    "Reviews withdrawn by their authors",
                    n.withdrawn,
                ),
            ),
        ]


def _published_by_a_person() -> Exists:
    """A publish decision exists: a moderator (or an upheld appeal) published
    the review, as opposed to the automatic checks."""
    return Exists(
        ModerationDecision.objects.filter(
            review=OuterRef("pk"), decision=ModerationDecision.Decision.PUBLISH
        )
    )


def status_counts() -> StatusCounts:
    """Every review by status, and the published ones without a publish
    decision, in one aggregate query."""
    published = Q(status=ReviewStatus.PUBLISHED)
    counts = Review.objects.annotate(by_person=_published_by_a_person()).aggregate(
        received=Count("pk"),
        published=Count("pk", filter=published),
        pending=Count("pk", filter=Q(status=ReviewStatus.PENDING)),
        rejected=Count("pk", filter=Q(status=ReviewStatus.REJECTED)),
        withdrawn=Count("pk", filter=Q(status=ReviewStatus.WITHDRAWN)),
        unpublished=Count("pk", filter=Q(status=ReviewStatus.UNPUBLISHED)),
        published_automatically=Count("pk", filter=published & Q(by_person=False)),
    )
    return StatusCounts(**counts)


def rejected_by_reason() -> list[tuple[str, int]]:
    """(label, number of rejected reviews) for every reason of the published
    list, zeros included, in the list's order; a review counts once per
    reason it was rejected for. One GROUP BY query."""
    counts = dict(
        Review.objects.filter(
            status=ReviewStatus.REJECTED,
            decisions__decision=ModerationDecision.Decision.REJECT,
        )
        .values_list("decisions__reason")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return [(str(label), counts.get(value, 0)) for value, label in RejectionReason.choices]


@dataclass(frozen=True)
class FlagOutcomes:
    """Flags received from companies and visitors, and what became of them:
    ``upheld`` (the review was rejected by the decision that closed the
    flag), ``dismissed`` (closed, the review stays), ``pending`` (open)."""

    received: int
    upheld: int
    dismissed: int
    pending: int

    def figures(self) -> list[Figure]:
        return [
            Figure(
                "received",
                self.received,
                ngettext("Flag received", "Flags received", self.received),
            ),
            Figure(
                "upheld",
                self.upheld,
                ngettext("Upheld: review removed", "Upheld: reviews removed", self.upheld),
            ),
            Figure(
                "dismissed",
                self.dismissed,
                ngettext("Dismissed: review kept", "Dismissed: reviews kept", self.dismissed),
            ),
            Figure("pending", self.pending, gettext("Being examined")),
        ]


def flag_outcomes() -> FlagOutcomes:
    """Flags by outcome, in one aggregate query. A closed flag is upheld when
    a rejection of its review was decided between the flag and its closing
    (``reviews.services.moderation.review_moderate`` closes the review's
    open flags right after recording the decision); any other closed flag
    was dismissed (``flag_dismiss``, or a decision to publish)."""
    rejection = ModerationDecision.objects.filter(
        review=OuterRef("review"),
        decision=ModerationDecision.Decision.REJECT,
        created_at__gte=OuterRef("created_at"),
        created_at__lte=OuterRef("resolved_at"),
    )
    closed = Q(resolved_at__isnull=False)
    counts = ReviewFlag.objects.annotate(rejected_then=Exists(rejection)).aggregate(
        received=Count("pk"),
        upheld=Count("pk", filter=closed & Q(rejected_then=True)),
        dismissed=Count("pk", filter=closed & Q(rejected_then=False)),
        pending=Count("pk", filter=Q(resolved_at__isnull=True)),
    )
    return FlagOutcomes(**counts)


# --- Reviews per month, by rating ------------------------------------------


@dataclass(frozen=True)
class Month:
    """The reviews received in one month (``first``: its first day), by rating."""

    first: date
    by_rating: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.by_rating.values())

    @property
    def short_label(self) -> str:
        return formats.date_format(self.first, "M")

    @property
    def long_label(self) -> str:
        return formats.date_format(self.first, "F Y")

    def counts(self) -> list[int]:
        """Counts for 1 → 5 stars."""
        return [self.by_rating.get(stars, 0) for stars in RATINGS]


def _month_starts(now: datetime, months: int) -> list[date]:
    """The first days of the ``months`` months ending with ``now``'s (local
    time), oldest first."""
    local = timezone.localtime(now).date().replace(day=1)
    starts = [local]
    for _ in range(months - 1):
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts[::-1]


def reviews_per_month(*, months: int = CHART_MONTHS, now: datetime | None = None) -> list[Month]:
    """Reviews received (every status: refused ones too, so the chart shows
    what people sent, not what we kept) per month of submission, in the
    site's time zone, by rating, for the last ``months`` months including the
    current one; a month without reviews is there with zeros. One GROUP BY
    query."""
    starts = _month_starts(now or timezone.now(), months)
    since = timezone.make_aware(datetime.combine(starts[0], datetime.min.time()))
    rows = (
        Review.objects.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values_list("month", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    )
    table: dict[date, dict[int, int]] = {start: {} for start in starts}
    for month, rating, n in rows:
        first = timezone.localtime(month).date() if isinstance(month, datetime) else month
        if first in table:
            table[first][rating] = table[first].get(rating, 0) + n
    return [Month(first=start, by_rating=table[start]) for start in starts]


def month_chart(months: list[Month]) -> StackedBars:
    """The stacked-bar geometry of :func:`reviews_per_month`, 1 star at the
    bottom."""
    return stacked_bars(
        [(month.short_label, month.by_rating) for month in months],
        keys=list(RATINGS),
        # Narrow, so its text stays legible once shrunk to a phone's width.
        width=480,
        height=220,
        margin_left=44,
        margin_top=14,
    )


# --- The page ---------------------------------------------------------------


@dataclass(frozen=True)
class TransparencyFigures:
    """Everything the transparency page shows, read at once."""

    statuses: StatusCounts
    rejected_by_reason: list[tuple[str, int]]
    delays_by_rating: list[RatingDelays]
    median_automatic: DelayPercentiles
    median_by_person: DelayPercentiles
    flags: FlagOutcomes
    months: list[Month]
    max_moderation_days: int

    @property
    def chart(self) -> StackedBars:
        return month_chart(self.months)

    @property
    def overdue(self) -> int:
        """Reviews waiting for a person longer than the promised maximum."""
        return sum(row.pending.overdue for row in self.delays_by_rating)


def transparency_figures(*, now: datetime | None = None) -> TransparencyFigures:
    """The live figures of the transparency page in seven queries, whatever
    the number of reviews."""
    now = now or timezone.now()
    decided = percentile_delays(_decision_rows(), "rating")
    pending = pending_ages(now=now)
    by_path = percentile_delays(
        _publication_rows().annotate(by_person=_published_by_a_person()), "by_person"
    )
    return TransparencyFigures(
        statuses=status_counts(),
        rejected_by_reason=rejected_by_reason(),
        delays_by_rating=[
            RatingDelays(
                stars=stars,
                decided=decided.get(stars, NO_DELAYS),
                pending=pending.get(stars, NO_PENDING),
            )
            for stars in RATINGS
        ],
        median_automatic=by_path.get(False, NO_DELAYS),
        median_by_person=by_path.get(True, NO_DELAYS),
        flags=flag_outcomes(),
        months=reviews_per_month(now=now),
        max_moderation_days=max_moderation_days(),
    )
