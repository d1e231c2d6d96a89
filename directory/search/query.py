"""What a search asks (``SearchQuery``) and what it answers (``SearchResult``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings
from django.core.paginator import Page

from common.text import normalize
from directory.companies.models import Company
from directory.places.resolve import (
    PlaceResolution,
    Position,
)
from directory.taxonomy.models import Profession, Sector

MAX_QUERY_LENGTH = 200


# Longer than any trade or company name: the rest cannot improve a match.
MAX_NORMALIZED_LENGTH = 80


# "rating": see directory.search.ranking (RATING SORT).
Sort = Literal["relevance", "distance", "name", "rating"]


Audience = Literal["", "b2c", "b2b"]


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    place: str = ""
    latitude: float | None = None
    longitude: float | None = None
    radius_km: int | None = None
    profession: Profession | None = None
    sector: Sector | None = None
    audience: Audience = ""
    sort: Sort = "relevance"
    # Only companies with at least one published verified review.
    reviewed: bool = False
    page: int | str = 1

    @property
    def is_empty(self) -> bool:
        """Nothing to search for. A text without a letter or a digit
        ("*", "---", an emoji, a zero-width space) searches for nothing,
        as a blank one: it does not list the whole directory."""
        return not (
            normalize(self.text)
            or self.place.strip()
            or self.latitude is not None
            or self.profession
            or self.sector
        )


@dataclass(frozen=True)
class TradeMatch:
    profession_id: int
    score: float  # 0–1
    phrase: str = ""  # the words of the text that designate the trade (trade keys)
    whole: bool = True  # the phrase is the whole text


@dataclass(frozen=True)
class Understanding:
    """How a trade box holding a place was read: ``text`` is what stays
    in the trade box, ``place`` what was read as the place."""

    text: str
    place: str


@dataclass(frozen=True)
class WiderSearch:
    """What a search that found nothing would find farther away."""

    radius_km: int
    count: int
    towns: list[tuple[str, int]] = field(default_factory=list)  # (city, companies)


@dataclass
class SearchResult:
    query: SearchQuery
    page: Page | None = None
    position: Position | None = None
    radius_km: int | None = None
    place: PlaceResolution = field(default_factory=PlaceResolution)
    trades: list[Profession] = field(default_factory=list)
    trade_suggestions: list[Profession] = field(default_factory=list)
    # When nothing is found: trades of the same sector (or popular ones),
    # and the same search over a wider radius.
    related_trades: list[Profession] = field(default_factory=list)
    wider: WiderSearch | None = None
    # Set when the place was read from the trade box; ``query`` then holds
    # the text and place as understood.
    understood: Understanding | None = None
    # Results are grouped: companies whose primary trade matched, then
    # those for which it is a secondary trade (ranking by relevance only).
    grouped: bool = False

    @property
    def searched(self) -> bool:
        """A search ran (even one that found nothing): the page shows
        results or the empty state, never nothing."""
        return self.page is not None

    @property
    def main_results(self) -> list[Company]:
        """The page's companies whose primary trade matched (all of them
        when results are not grouped)."""
        if not self.page:
            return []
        companies = list(self.page.object_list)
        if not self.grouped:
            return companies
        return [c for c in companies if not getattr(c, "matched_as_secondary", False)]

    @property
    def also_results(self) -> list[Company]:
        """The page's companies that do a matched trade besides their own."""
        if not self.page or not self.grouped:
            return []
        return [c for c in self.page.object_list if getattr(c, "matched_as_secondary", False)]

    @property
    def also_start(self) -> int:
        """The rank of the first of ``also_results`` (for the list's numbering)."""
        return self.page.start_index() + len(self.main_results) if self.page else 0

    @property
    def count(self) -> int:
        return self.page.paginator.count if self.page else 0

    @property
    def page_count(self) -> int:
        if not self.page:
            return 0
        return min(self.page.paginator.num_pages, settings.DIRECTORY_MAX_RESULT_PAGES)

    @property
    def has_next_page(self) -> bool:
        return bool(self.page and self.page.number < self.page_count)
