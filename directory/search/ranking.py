"""How search results are ordered by default ("pertinence").

    relevance = 0.55 × text + 0.25 × proximity + 0.20 × trust

* ``text`` ∈ [0, 1]: how well the company matches what was typed — the
  score of the trade the query resolved to (primary trade counts fully,
  a secondary trade at ``SECONDARY_TRADE_FACTOR``), or the similarity of
  the company name. 1 when nothing was typed.
* ``proximity`` ∈ [0, 1]: ``1 − distance / radius``; 1 when no place was
  given.
* ``trust`` ∈ [0, 1]: the platform's own evidence about the pro, the mean
  of a rating part and a loyalty part:

  - rating: the average verified rating mapped to [0, 1], shrunk towards
    neutral by a Bayesian prior of ``RATING_PRIOR_REVIEWS`` reviews, so
    that two glowing reviews do not outrank fifty good ones;
  - loyalty: the loyalty score in [0, 1], which is neutral (0.5) until
    the pro has 30 completed sessions (seed 002).

  Both are kept on the company (``review_count`` and ``rating_average``
  by reviews, ``loyalty_score`` — the whole score / 100, NULL until scored —
  by loyalty's nightly job) and combined into ``trust_score`` by
  :func:`trust_of_columns`, the one expression both apps write with.
  The loyalty part moves trust by at most ±0.25, relevance by at most
  ±0.05: ``TRUST_WEIGHT`` (20 %) × one half.

When the search matched trades (typed, or the trade filter alone) and
results are sorted by relevance, they come in two groups: companies whose
*primary* trade matched, then — under the heading "Font aussi ce métier" —
those for which a matched trade is only secondary, each group by
relevance. The secondary factor alone would let a close tiler who also
does electricity outrank an electrician a little farther away; a visitor
who typed "électricien" wants electricians first. Sorting by distance or
by name does not group; every card still shows the trade that matched.

Sorting by rating ("Note")
--------------------------
Companies with at least one published verified review come first,
ordered by their *smoothed* rating, :func:`rating_component`: the average
(1–5) shrunk towards a neutral 3/5 by ``RATING_PRIOR_REVIEWS`` imaginary
reviews, so that one 5★ review (smoothed 3.3/5) ranks below forty reviews
averaging 4.6 (4.4/5). Equal smoothed ratings go by number of reviews,
then relevance. Companies without reviews follow, by relevance: "no
review yet" is not a bad rating, but it is not a good one either.
:func:`rating_sort_key` is the same rule in Python.

The functions use arithmetic only, so they take either Python numbers
(documentation, tests) or Django expressions (search queries) and compute
the same thing in both.
"""

from __future__ import annotations

from typing import Any

from django.db.models import FloatField, Value
from django.db.models.functions import Coalesce

TEXT_WEIGHT = 0.55
PROXIMITY_WEIGHT = 0.25
TRUST_WEIGHT = 0.20

SECONDARY_TRADE_FACTOR = 0.8
NEUTRAL = 0.5
RATING_PRIOR_REVIEWS = 5

# A number, or a Django expression that evaluates to one.
Score = Any


def proximity(distance_km: Score, radius_km: Score) -> Score:
    return 1.0 - distance_km / radius_km


def rating_component(average_rating: Score = None, review_count: Score = 0) -> Score:
    """Average rating (1–5) as [0, 1], shrunk towards neutral when reviews are few."""
    if average_rating is None:
        return NEUTRAL
    rating = (average_rating - 1.0) / 4.0
    return (review_count * rating + RATING_PRIOR_REVIEWS * NEUTRAL) / (
        review_count + RATING_PRIOR_REVIEWS
    )


def smoothed_stars(average_rating: float, review_count: int) -> float:
    """:func:`rating_component` back on the 1–5 scale (for documentation and tests)."""
    return 1.0 + 4.0 * float(rating_component(average_rating, review_count))


def rating_sort_key(
    average_rating: float | None, review_count: int, relevance: float = 0.0
) -> tuple[bool, float, int, float]:
    """The "sort by rating" order as a Python key (sort descending): what
    the search service computes in SQL."""
    rated = bool(review_count) and average_rating is not None
    return (
        rated,
        float(rating_component(average_rating, review_count)) if rated else 0.0,
        review_count,
        relevance,
    )


def trust(average_rating: Score = None, review_count: Score = 0, loyalty: Score = NEUTRAL) -> Score:
    return (rating_component(average_rating, review_count) + loyalty) / 2.0


def relevance(text: Score = 1.0, proximity: Score = 1.0, trust: Score = NEUTRAL) -> Score:
    return TEXT_WEIGHT * text + PROXIMITY_WEIGHT * proximity + TRUST_WEIGHT * trust


def trust_of_columns(average_rating: Score, review_count: Score, loyalty_score: Score) -> Score:
    """:func:`trust` as a database expression of nullable columns or
    subqueries: a NULL average (no published review) rates neutral, a NULL
    loyalty score (not scored yet: fewer than 30 sessions, or no new client
    observed) is neutral."""
    rating = Coalesce(
        rating_component(average_rating, review_count), Value(NEUTRAL), output_field=FloatField()
    )
    loyalty = Coalesce(loyalty_score, Value(NEUTRAL), output_field=FloatField())
    return (rating + loyalty) / 2.0
