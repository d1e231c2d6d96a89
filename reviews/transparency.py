"""Reads behind the transparency page (« Comment nous vérifions les avis »):
the live moderation figures the page promises, each computed by one
set-based query (aggregates, GROUP BY, window functions), so the page costs
the same handful of queries whatever the number of reviews.

To add a figure: write a function that reads it in one query, add a field to
:class:`TransparencyFigures`, fill it in :func:`transparency_figures` and
show it in ``templates/reviews/how.html`` (``tests/reviews/test_transparency.py``
pins the number of queries).

Delays are measured from a review's submission (``Review.created_at``, the
moment the author sent the form) to its publication
(``Review.published_at``). A row whose publication is recorded before its
submission is inconsistent (an import or a back-dated row): it is
**excluded** from the delays, never clamped to zero, so it can neither
produce a negative delay nor pull a median down.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from common.charts import StackedBars, stacked_bars

from .models import ModerationDecision, RejectionReason, Review, ReviewFlag, ReviewStatus

RATINGS = (1, 2, 3, 4, 5)
# The chart covers the current month and the eleven before it: a year.
CHART_MONTHS = 12


# --- Delays, in words ------------------------------------------------------


def delay_text(delay: timedelta) -> str:
    """A delay as people say it, in the active language: under an hour
    « moins d'une heure »; under two days in whole hours (« 5 h »); then in
    whole days (« 2 j »). A negative delay is a programming error
    (ValueError): :func:`median_delays` never yields one."""
    seconds = delay.total_seconds()
    if seconds < 0:
        raise ValueError("A publication delay cannot be negative.")
    if seconds < 3600:
        return gettext("less than an hour")
    hours = round(seconds / 3600)
    if hours < 48:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = round(seconds / 86400)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


@dataclass(frozen=True)
class MedianDelay:
    """The median delay to publication of ``count`` published reviews
    (``delay`` None when there are none)."""

    count: int
    delay: timedelta | None

    @property
    def text(self) -> str:
        return "—" if self.delay is None else delay_text(self.delay)


def _delay_rows() -> QuerySet[Review]:
    """Published reviews with a consistent delay (see the module's note:
    publication before submission is excluded), annotated ``delay``."""
    return (
        Review.objects.published()
        .filter(published_at__gte=F("created_at"))
        .annotate(
            delay=ExpressionWrapper(
                F("published_at") - F("created_at"), output_field=DurationField()
            )
        )
    )


def median_delays(rows: QuerySet[Review], key: str) -> dict[Hashable, MedianDelay]:
    """The median ``delay`` of ``rows`` (from :func:`_delay_rows`, possibly
    annotated further) for each value of the field or annotation ``key``, in
    ONE query: a window numbers each group's rows by delay and only the one
    or two middle rows come back (the mean of the two for an even count).
    The same SQL on SQLite and PostgreSQL; no table in memory."""
    ordered = rows.annotate(
        position=Window(
            RowNumber(), partition_by=[F(key)], order_by=[F("delay").asc(), F("pk").asc()]
        ),
        size=Window(Count("pk"), partition_by=[F(key)]),
    ).filter(position__gte=(F("size") + 1) / 2, position__lte=(F("size") + 2) / 2)
    middles: dict[Hashable, list[timedelta]] = {}
    sizes: dict[Hashable, int] = {}
    for group, delay, size in ordered.values_list(key, "delay", "size").order_by():
        middles.setdefault(group, []).append(delay)
        sizes[group] = size
    return {
        group: MedianDelay(count=sizes[group], delay=sum(values, timedelta()) / len(values))
        for group, values in middles.items()
    }


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
    median_by_rating: list[tuple[int, MedianDelay]]
    median_automatic: MedianDelay
    median_by_person: MedianDelay
    flags: FlagOutcomes
    months: list[Month]

    @property
    def chart(self) -> StackedBars:
        return month_chart(self.months)


def transparency_figures(*, now: datetime | None = None) -> TransparencyFigures:
    """The live figures of the transparency page in six queries, whatever
    the number of reviews."""
    empty = MedianDelay(count=0, delay=None)
    by_rating = median_delays(_delay_rows(), "rating")
    by_path = median_delays(_delay_rows().annotate(by_person=_published_by_a_person()), "by_person")
    return TransparencyFigures(
        statuses=status_counts(),
        rejected_by_reason=rejected_by_reason(),
        median_by_rating=[(stars, by_rating.get(stars, empty)) for stars in RATINGS],
        median_automatic=by_path.get(False, empty),
        median_by_person=by_path.get(True, empty),
        flags=flag_outcomes(),
        months=reviews_per_month(now=now),
    )
