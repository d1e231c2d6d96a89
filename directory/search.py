"""The directory's search service: one entry point for the web page and
the API.

The query is resolved in three cheap steps before companies are touched:

1. the text against the small table of trades and synonyms (fuzzy, in
   Python with rapidfuzz, identical on every database);
2. the place against the gazetteer;
3. only then companies, read from their trade rows (CompanyProfession,
   which carry the companies' search keys) by trade id and bounding box
   through one index, exact distance and reach checked on what remains,
   ranked by :mod:`directory.ranking`.

Text that is not a trade is looked up in company names, by whole words:
a full-text index on PostgreSQL (trigram similarity when nothing matches
exactly, for typos), padded substrings on SQLite.

Trades are compared in a *trade key* form (:func:`trade_key`,
:func:`trade_text`), on both sides — what was typed and the trades' names
and synonyms — so that what people type matches like the singular:

* French plurals by simple rules, applied to every word of four letters or
  more: a final -s or -x goes, then -au and -al become -a. "peintres" →
  "peintre", "nounous" → "nounou", "travaux"… and since terms get the same
  treatment, "chevaux" and "cheval" meet at "cheva", "bureaux" and
  "bureau" at "burea". Irregular plurals ("travail"/"travaux") do not.
* Elisions and articles opening the text ("l'électricien", "d'électricien",
  "des plombiers", "les maçons") and a lone letter closing it (an English
  possessive: "chauffagiste's") are dropped. Inside the text they stay:
  "architecte d'intérieur" is a term as it is.
* Hyphens are spaces ("serruriers-dépanneurs" is a locksmith, then a word
  that may name a company).

Company names are still matched on their own words (normalised, not
keyed): "Eaux Vives" is not "Eau Vive".
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy
from django.conf import settings
from django.contrib.postgres.search import SearchQuery as TextQuery
from django.contrib.postgres.search import SearchVectorField
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ASin, Concat, Cos, Least, Power, Radians, Sin, Sqrt
from rapidfuzz import fuzz, process

from common.text import normalize, normalize_place

from . import ranking
from .models import Company, CompanyProfession, Profession, Sector
from .places import PlaceResolution, Position, bounding_box, find_place, resolve_place

MAX_QUERY_LENGTH = 200
# Longer than any trade or company name: the rest cannot improve a match.
MAX_NORMALIZED_LENGTH = 80
# rapidfuzz ratio (0–100) from which a typed word designates a trade:
# "electricein" → "electricien" scores 91, "plombie" → "plombier" 93,
# while "cuisine" → "cuisiniste" (82) does not.
TRADE_MATCH_THRESHOLD = 85
# Terms this short only match exactly ("dj", "spa").
SHORT_TERM_LENGTH = 4
TRADE_SUGGESTION_THRESHOLD = 60
# Word similarity (pg_trgm) from which a company name matches; the
# extension's default of 0.6 misses one-letter typos in short names.
NAME_SIMILARITY_THRESHOLD = 0.5
# Words that do not narrow a search by company name: articles, legal
# forms, and what people add to a trade ("un électricien pas cher").
NAME_STOP_WORDS = frozenset(
    """
    a au aux d de des du en et l la le les sur un une pour par avec chez moi ma mon mes
    fils cie sa sarl sas sasu eurl ei sci
    pas cher chere pres proche autour urgent urgence rapide bon bonne meilleur meilleure
    devis gratuit qualite
    c j m n qu s t
    """.split()
)
# Elisions and articles that may open what people type: "l'électricien".
LEADING_ARTICLES = frozenset("c d j l m n qu s t le la les un une de des du au aux".split())
MAX_NAME_WORDS = 4
# A place typed in the trade box ("électricien Lyon", "plombier 69003"):
# the words that may join it to the rest ("électricien à Lyon", "près de"),
# and the longest place read there ("Saint Rémy de Provence").
# Articles are not connectors: they start names ("Le Mans", "La Rochelle").
PLACE_CONNECTORS = frozenset("a au aux en sur dans vers pres proche autour de du d".split())
MAX_PLACE_WORDS = 4
# "au Mans", "aux Sables-d'Olonne": the article the contraction holds.
ARTICLE_CONTRACTIONS = {"au": "Le", "aux": "Les"}
MAX_PLACE_LOOKUPS = 2
_POSTAL_CODE = re.compile(r"^\d{5}$")
# "15", "15e", "1er", "3eme": a district number after a city's name.
_DISTRICT = re.compile(r"^\d{1,2}(?:e|er|eme|ieme)?$")
_TOKEN_SEPARATORS = re.compile(r"[\s,;]+")
# The empty state: how many related trades and nearby towns it offers, and
# how many of the nearest companies farther away it reads their towns from.
RELATED_TRADES = 4
WIDER_TOWNS = 5
WIDER_TOWN_SAMPLE = 50
EARTH_RADIUS_KM = 6371.0
PROFESSION_TERMS_CACHE_KEY = "directory:profession-terms:v2"

Sort = Literal["relevance", "distance", "name"]
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
    page: int | str = 1

    @property
    def is_empty(self) -> bool:
        return not (
            self.text.strip()
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


# --- Trades -----------------------------------------------------------------


def trade_key(word: str) -> str:
    """A normalised word as trade terms are compared: plural marks off.

    ``"peintres"`` → ``"peintre"``, ``"chevaux"`` and ``"cheval"`` →
    ``"cheva"``; words of three letters or fewer are left alone ("des",
    "gaz").
    """
    if len(word) > 3 and word[-1] in "sx":
        word = word[:-1]
    if len(word) > 3 and word.endswith(("au", "al")):
        word = word[:-1]
    return word


def trade_text(normalized: str) -> str:
    """Normalised text as trade terms are compared: leading elisions and
    articles and a closing lone letter dropped, every word keyed."""
    words = normalized.split()
    while len(words) > 1 and words[0] in LEADING_ARTICLES:
        words.pop(0)
    if len(words) > 1 and len(words[-1]) == 1:
        words.pop()
    return " ".join(trade_key(word) for word in words)


def profession_terms() -> list[tuple[str, int]]:
    """Every (name or synonym as a trade key, profession id) of public trades.

    A few hundred short strings, cached; ``invalidate_profession_terms``
    runs whenever the taxonomy changes.
    """
    terms = cache.get(PROFESSION_TERMS_CACHE_KEY)
    if terms is None:
        terms = [
            (keyed, profession.pk)
            for profession in Profession.objects.public().only(
                "id", "name_fr", "name_en", "synonyms"
            )
            for keyed in dict.fromkeys(map(trade_text, profession.search_terms()))
        ]
        cache.set(PROFESSION_TERMS_CACHE_KEY, terms, timeout=60 * 60)
    return terms


def invalidate_profession_terms() -> None:
    cache.delete(PROFESSION_TERMS_CACHE_KEY)


def _phrases(text: str) -> list[tuple[str, float]]:
    """The text itself, then its runs of 1–3 words, with a small discount:
    "electricien pas cher" still designates "electricien"."""
    words = text.split()
    phrases = [(text, 1.0)]
    if len(words) > 1:
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                phrases.append((" ".join(words[start : start + size]), 0.95))
    return phrases


def _term_score(phrase: str, term: str, whole: bool) -> float:
    if phrase == term:
        return 100.0
    if len(term) <= SHORT_TERM_LENGTH or len(phrase) <= SHORT_TERM_LENGTH:
        return 0.0
    if whole and term.startswith(phrase):
        return 92.0  # the visitor stopped typing early: "electri"
    return fuzz.ratio(phrase, term)


def _candidate_terms(
    phrases: list[tuple[str, float]], terms: list[tuple[str, int]], threshold: float
) -> list[int]:
    """Indexes of the terms whose best score reaches ``threshold``.

    The same scores as :func:`_term_score`, for every phrase × term at once:
    rapidfuzz's ``cdist`` computes the ratios in C, and the exact, short and
    typed-early rules are applied to the whole matrix. Scoring a thousand
    terms one by one in Python was most of a search's time (measured with
    ``bench_search``).
    """
    if not terms:
        return []
    texts = [term for term, _profession_id in terms]
    words = [phrase for phrase, _weight in phrases]
    scores = process.cdist(words, texts, scorer=fuzz.ratio, dtype=numpy.float64)
    term_lengths = numpy.fromiter(map(len, texts), dtype=numpy.int64, count=len(texts))
    phrase_lengths = numpy.fromiter(map(len, words), dtype=numpy.int64, count=len(words))
    short = (term_lengths[None, :] <= SHORT_TERM_LENGTH) | (
        phrase_lengths[:, None] <= SHORT_TERM_LENGTH
    )
    scores[short] = 0.0
    for row, (phrase, weight) in enumerate(phrases):
        if weight == 1.0:  # the whole text: typed early counts
            early = numpy.fromiter(
                (text.startswith(phrase) for text in texts), dtype=bool, count=len(texts)
            )
            scores[row, early & ~short[row]] = 92.0
        scores[row, numpy.fromiter((text == phrase for text in texts), dtype=bool)] = 100.0
        scores[row] *= weight
    return numpy.flatnonzero(scores.max(axis=0) >= threshold).tolist()


def match_trades(text: str, threshold: float = TRADE_MATCH_THRESHOLD) -> list[TradeMatch]:
    """The trades designated by ``text``, best first, with a 0–1 score."""
    normalized = trade_text(normalize(text)[:MAX_NORMALIZED_LENGTH])
    if len(normalized) < 2:
        return []
    phrases = _phrases(normalized)
    terms = profession_terms()
    best: dict[int, TradeMatch] = {}
    for index in _candidate_terms(phrases, terms, threshold):
        term, profession_id = terms[index]
        score, phrase = max(
            (_term_score(phrase, term, whole=weight == 1.0) * weight, phrase)
            for phrase, weight in phrases
        )
        if score >= threshold and score / 100 > getattr(best.get(profession_id), "score", 0):
            best[profession_id] = TradeMatch(
                profession_id, score / 100, phrase, whole=phrase == normalized
            )
    return sorted(best.values(), key=lambda match: -match.score)


# --- Companies --------------------------------------------------------------


def distance_expression(latitude: float, longitude: float):
    """Great-circle distance in km from a point to each row (haversine)."""
    half_dlat = Radians(F("latitude") - Value(latitude)) / 2
    half_dlng = Radians(F("longitude") - Value(longitude)) / 2
    a = Power(Sin(half_dlat), 2) + Value(math.cos(math.radians(latitude))) * Cos(
        Radians(F("latitude"))
    ) * Power(Sin(half_dlng), 2)
    return Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(a))


def _trade_score(trades: Sequence[TradeMatch], primary_field: str = ""):
    """Score of a row for the matched trades: the match's score for a
    company's primary trade, reduced for a secondary one.

    On trade rows (CompanyProfession) the row says which trade it is and
    whether it is primary; on company rows, ``primary_field`` names the
    primary trade and any other matched trade counts as secondary.
    """
    whens = []
    for match in trades:
        secondary = match.score * ranking.SECONDARY_TRADE_FACTOR
        if primary_field:
            whens.append(When(**{primary_field: match.profession_id}, then=match.score))
        else:
            whens.append(When(profession_id=match.profession_id, is_primary=True, then=match.score))
            whens.append(When(profession_id=match.profession_id, then=secondary))
    default = trades[0].score * ranking.SECONDARY_TRADE_FACTOR if primary_field else 0.0
    return Case(*whens, default=Value(default), output_field=FloatField())


def _name_words(words: Sequence[str]) -> list[str]:
    """The words of a name worth looking up, most selective (longest) first."""
    significant = [w for w in dict.fromkeys(words) if w not in NAME_STOP_WORDS]
    return sorted(significant, key=len, reverse=True)[:MAX_NAME_WORDS]


class NameVector(Func):
    """The words of a company's normalised name, as PostgreSQL's full-text
    index on ``directory_company`` holds them (migration 0003): the SQL
    must stay identical for the index to be used."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


@dataclass(frozen=True)
class NameMatch:
    companies: QuerySet[Company]
    exact: bool  # every word found as such; otherwise words like them (typos)


def named_companies(words: Sequence[str]) -> NameMatch:
    """Listed companies whose name holds every one of ``words`` (normalised).

    PostgreSQL looks the words up in a full-text index (whole words, about a
    millisecond at a million companies); only when no company has them all
    does it accept names with words *like* them (typos), through the
    trigram index. SQLite tests whole words by substring on the padded name.
    """
    companies = Company.objects.listed()
    if connection.vendor == "postgresql":
        exact = companies.annotate(name_vector=NameVector("search_name")).filter(
            name_vector=TextQuery(" & ".join(words), config="simple", search_type="raw")
        )
        if exact.exists():
            return NameMatch(exact, exact=True)
        for word in words:
            companies = companies.filter(search_name__trigram_word_similar=word)
        return NameMatch(companies, exact=False)
    companies = companies.annotate(padded_name=Concat(Value(" "), "search_name", Value(" ")))
    for word in words:
        companies = companies.filter(padded_name__contains=f" {word} ")
    return NameMatch(companies, exact=True)


def _name_score(normalized: str, match: NameMatch):
    """Every exact match holds all the words alike; names found despite a
    typo rank by how close they are (pg_trgm word similarity)."""
    if match.exact:
        return Value(1.0)
    from django.contrib.postgres.search import TrigramWordSimilarity

    return TrigramWordSimilarity(Value(normalized), "search_name")


def _ranked_rows(
    query: SearchQuery, trades: Sequence[TradeMatch], position: Position | None, radius_km: int
) -> QuerySet | None:
    """One row per matching company — ``company_id``, ``relevance`` and
    ``distance_km`` — filtered and ordered through indexes. None when the
    text designates nothing.

    Rows come from the trade rows (CompanyProfession), which carry the
    companies' search keys, except for a search by name alone, which reads
    the companies found by the name index directly.
    """
    normalized = normalize(query.text)[:MAX_NORMALIZED_LENGTH]
    trade_ids = [m.profession_id for m in trades]
    trade_words = {word for match in trades for word in match.phrase.split()}
    other_words = _name_words([w for w in normalized.split() if trade_key(w) not in trade_words])
    rows = CompanyProfession.objects.filter(is_listed=True)
    company_id = "company_id"
    text_score: object = Value(1.0)

    if trades and (trades[0].whole or not other_words):
        # A trade, and nothing else: "électricien", "plombier chauffagiste".
        rows = rows.filter(profession_id__in=trade_ids)
        text_score = _trade_score(trades)
    elif trades:
        # A trade and a name: "Plomberie Dupont" is a plumber named Dupont.
        # Words that name nobody of the trade are just words ("électricien
        # Lyon" in the trade box while the "où" box holds another place).
        trade_rows = CompanyProfession.objects.filter(profession_id__in=trade_ids)
        named = named_companies(other_words).companies.filter(
            pk__in=trade_rows.values("company_id")
        )
        if named.exists():
            # From the few companies of the trade so named.
            rows, company_id = named, "pk"
            text_score = _trade_score(trades, primary_field="primary_profession_id")
        else:
            rows = rows.filter(profession_id__in=trade_ids)
            text_score = _trade_score(trades)
    elif other_words:
        named = named_companies(other_words)
        rows, company_id = named.companies, "pk"
        text_score = _name_score(normalized, named)
    elif normalized:
        return None
    elif query.profession:
        rows = rows.filter(profession=query.profession)
        text_score = _trade_score([TradeMatch(query.profession.pk, 1.0)])
    else:
        rows = rows.filter(is_primary=True)

    # Filters: on columns both row kinds share, or on the company's trades.
    if query.profession and normalized:
        trade_rows = CompanyProfession.objects.filter(profession=query.profession)
        rows = rows.filter(**{f"{company_id}__in": trade_rows.values("company_id")})
    if query.sector:
        trade_rows = CompanyProfession.objects.filter(profession__sector=query.sector)
        rows = rows.filter(**{f"{company_id}__in": trade_rows.values("company_id")})
    if query.audience == "b2c":
        rows = rows.filter(serves_consumers=True)
    elif query.audience == "b2b":
        rows = rows.filter(serves_businesses=True)

    proximity: object = Value(1.0)
    distance: object = Value(None, output_field=FloatField())
    if position is not None:
        min_lat, max_lat, min_lng, max_lng = bounding_box(
            position.latitude, position.longitude, radius_km
        )
        distance = distance_expression(position.latitude, position.longitude)
        rows = (
            rows.filter(latitude__range=(min_lat, max_lat), longitude__range=(min_lng, max_lng))
            .alias(distance_km=distance)
            .filter(distance_km__lte=Least(F("intervention_radius_km"), Value(radius_km)))
        )
        proximity = ranking.proximity(distance, Value(float(radius_km)))

    relevance = ranking.relevance(text=text_score, proximity=proximity, trust=F("trust_score"))
    # 1 when a matched trade is the company's primary trade: results group
    # on it (see ranking.py). is_primary is in the trade index.
    matched_ids = _matched_trade_ids(query, trades)
    if company_id == "pk":
        primary_when = When(primary_profession_id__in=matched_ids, then=Value(1))
    else:
        primary_when = When(is_primary=True, then=Value(1))
    primary_match = Case(primary_when, default=Value(0), output_field=IntegerField())
    grouped = company_id == "company_id" and len(trade_ids) > 1
    if grouped:
        # A company with two of the trades has two rows: keep its best.
        rows = rows.values(company_id).annotate(
            relevance=Max(relevance, output_field=FloatField()),
            distance_km=Min(distance, output_field=FloatField()),
            primary_match=Max(primary_match),
        )
    else:
        rows = rows.annotate(
            relevance=ExpressionWrapper(relevance, output_field=FloatField()),
            distance_km=ExpressionWrapper(distance, output_field=FloatField()),
            primary_match=primary_match,
        )
        ids = {"company_id": F("pk")} if company_id == "pk" else {}
        rows = rows.values(
            "relevance",
            "distance_km",
            "primary_match",
            *([] if ids else ["company_id"]),
            **ids,
        )
    if query.sort == "name":
        name = "trade_name" if company_id == "pk" else "company__trade_name"
        return rows.annotate(name=Min(name) if grouped else F(name)).order_by("name", "company_id")
    if query.sort == "distance" and position is not None:
        return rows.order_by("distance_km", "-relevance", "company_id")
    first = ["-primary_match"] if matched_ids else []
    if company_id == "pk":
        # Names that match alike read best alphabetically; ordering by id
        # alone would also tempt PostgreSQL into walking the primary key.
        return rows.order_by(*first, "-relevance", "trade_name", "company_id")
    return rows.order_by(*first, "-relevance", "company_id")


def _matched_trade_ids(query: SearchQuery, trades: Sequence[TradeMatch]) -> list[int]:
    """The trades companies are found by: those the text designates, or
    the trade filter when no text was typed."""
    if trades:
        return [match.profession_id for match in trades]
    if query.profession and not normalize(query.text):
        return [query.profession.pk]
    return []


def _companies_for(rows: list[dict], matched: Sequence[Profession] = ()) -> list[Company]:
    """The page's companies, in rank order, with their distance and score,
    and — when trades were matched — ``matched_trades`` (those of the
    matched trades the company does, its primary trade first) and
    ``matched_as_secondary`` (none of them is its primary trade). One
    query for the companies, and one for their matched trades when there
    are several (with one, the rows say it all)."""
    ids = [row["company_id"] for row in rows]
    by_id = Company.objects.select_related("primary_profession").in_bulk(ids)
    links: dict[int, list[tuple[int, bool]]] = {}
    if len(matched) == 1:
        # One trade: every row has it, and says whether it is the primary one.
        links = {row["company_id"]: [(matched[0].pk, bool(row["primary_match"]))] for row in rows}
    elif matched and ids:
        for company_id, profession_id, is_primary in CompanyProfession.objects.filter(
            company_id__in=ids, profession_id__in=[trade.pk for trade in matched]
        ).values_list("company_id", "profession_id", "is_primary"):
            links.setdefault(company_id, []).append((profession_id, is_primary))
    order = {trade.pk: index for index, trade in enumerate(matched)}
    trades_by_id = {trade.pk: trade for trade in matched}
    companies = []
    for row in rows:
        company = by_id[row["company_id"]]
        company.distance_km = row["distance_km"]
        company.relevance = row["relevance"]
        if matched:
            found = sorted(
                links.get(company.pk, []), key=lambda link: (not link[1], order[link[0]])
            )
            company.matched_trades = [trades_by_id[profession_id] for profession_id, _ in found]
            company.matched_as_secondary = bool(found) and not any(p for _, p in found)
        companies.append(company)
    return companies


# --- A place in the trade box -----------------------------------------------


def _tokens(text: str) -> list[str]:
    return [token for token in _TOKEN_SEPARATORS.split(text.strip()) if normalize(token)]


def _strip_connectors(tokens: list[str], side: int) -> list[str]:
    """Drop connecting words ("à", "près de") on one side (0: start, -1: end)."""
    tokens = list(tokens)
    while tokens and normalize(tokens[side]) in PLACE_CONNECTORS:
        tokens.pop(side)
    return tokens


def _place_words(text: str) -> list[str]:
    """The words of a place name that must all be typed: not numbers or
    district marks ("Paris 15e", "Saint-Denis (93)")."""
    return [
        word
        for word in normalize_place(text).split()
        if not any(c.isdigit() for c in word) and word != "arrondissement"
    ]


def _reads_as_place(candidate: str, resolution: PlaceResolution) -> bool:
    """A resolved candidate counts only if it *is* the place, not merely
    the start of one: "Dupont" must not become "Dupontville"."""
    position = resolution.position
    if position is None:
        return False
    if _POSTAL_CODE.match(candidate):
        return True
    words = _place_words(candidate)
    return bool(words) and position.place is not None and words == _place_words(position.place.name)


def _names_someone(words: Sequence[str]) -> bool:
    significant = _name_words(normalize(" ".join(words)).split())
    if not significant:
        return False
    match = named_companies(significant)
    # PostgreSQL returns an exact match only once it found one; elsewhere ask.
    return match.exact and (connection.vendor == "postgresql" or match.companies.exists())


def understand_place_in_text(text: str) -> tuple[Understanding, PlaceResolution] | None:
    """Read a place typed in the trade box: "électricien Lyon", "plombier
    69003", "électricien à Saint-Étienne", "Lyon électricien", "plombier
    paris 15", "Dupont 69003". None when the text holds no place.

    The words after the trade (or before it) are tried as a place, and
    accepted only when they are exactly a known place's name (a postal code
    counts; a bare département number does not) and the rest still means
    something: a trade, or else the name of a listed company. Without a
    trade, a text that names a company as it stands ("Lyon Élec") is left
    alone, and only its last word (or a leading postal code) is tried.
    At most two ``find_place`` and two ``resolve_place`` calls.
    """
    tokens = _tokens(text)
    if len(tokens) < 2:
        return None
    article: list[str] = []
    trailing: list[str] = []
    trades = match_trades(text)
    if trades and trades[0].whole:
        return None
    if trades:
        trade_words = {w for m in trades for w in m.phrase.split() if w not in LEADING_ARTICLES}
        covered = [
            i
            for i, token in enumerate(tokens)
            if any(trade_key(w) in trade_words for w in normalize(token).split())
        ]
        if not covered:
            return None
        first, last = covered[0], covered[-1]
        after = tokens[last + 1 :]
        trailing = _strip_connectors(after, 0)[-MAX_PLACE_WORDS:]
        leading = _strip_connectors(tokens[:first], -1)[:MAX_PLACE_WORDS]
        groups = [trailing] if trailing else [leading] if leading else []
        joined = after[: len(after) - len(trailing)]
        if trailing and joined and normalize(joined[-1]) in ARTICLE_CONTRACTIONS:
            # "électricien au Mans": the place is "Le Mans".
            article = [ARTICLE_CONTRACTIONS[normalize(joined[-1])]]
    else:
        if _names_someone(tokens):
            return None
        # A name then its place ("Dupont Lyon"); a place first only as a
        # postal code ("69003 Dupont"), to keep the look-ups few.
        groups = [_strip_connectors(tokens[-1:], 0)]
        if _POSTAL_CODE.match(tokens[0]):
            groups.append(tokens[:1])
    candidates = [group for group in groups if group]
    if trades and trailing and len(trailing) > 1 and not _DISTRICT.match(normalize(trailing[-1])):
        candidates.insert(1, trailing[-1:])  # "pas cher Lyon": the last word alone
    lookups = [0]  # resolve_place calls, shared by the candidates
    for group in candidates[:2]:
        rest = _rest_without(tokens, group)
        if not trades and not _names_someone(rest):
            continue
        found = _exact_place(" ".join([*article, *group]), lookups)
        if found is not None:
            place, resolution = found
            return Understanding(text=" ".join(rest), place=place), resolution
    return None


def _exact_place(candidate: str, lookups: list[int]) -> tuple[str, PlaceResolution] | None:
    """``candidate`` and its resolution if it is exactly a place: a postal
    code, or a known place's name (with its district or département).

    A name is first looked up with ``find_place``, which is cheap; only a
    hit is resolved, so words that are no place never cost the gazetteer's
    fuzzy suggestions. ``lookups`` counts ``resolve_place`` calls (two at
    most per search).
    """

    def resolve(raw: str) -> PlaceResolution | None:
        if lookups[0] >= MAX_PLACE_LOOKUPS:
            return None
        lookups[0] += 1
        resolution = resolve_place(raw)
        return resolution if _reads_as_place(raw, resolution) else None

    if _POSTAL_CODE.match(candidate):
        resolution = resolve(candidate)
        return (candidate, resolution) if resolution else None
    words = _place_words(candidate)
    place = find_place(" ".join(words)) if words else None
    if place is None or _place_words(place.name) != words:
        return None
    if resolution := resolve(candidate):
        return candidate, resolution
    # "paris 15" unknown as such: the city, its district dropped.
    city = " ".join(t for t in candidate.split() if not _DISTRICT.match(normalize(t)))
    if city != candidate and (resolution := resolve(city)):
        return city, resolution
    return None


def _rest_without(tokens: list[str], group: list[str]) -> list[str]:
    """The tokens around ``group`` (a run of them), connectors next to it dropped."""
    for start in range(len(tokens) - len(group) + 1):
        if tokens[start : start + len(group)] == group:
            before = _strip_connectors(tokens[:start], -1)
            after = _strip_connectors(tokens[start + len(group) :], 0)
            return before + after
    return tokens


# --- The search ---------------------------------------------------------------


def search_companies(query: SearchQuery) -> SearchResult:
    """Run a directory search. Never raises on what a visitor can type.

    A place typed in the trade box is read as the place when the "où" box
    is empty (see :func:`understand_place_in_text`); if both are given, the
    "où" box wins and the words stay in the text.
    """
    result = SearchResult(query=query)
    if query.is_empty:
        return result

    if query.latitude is None and not query.place.strip() and query.text.strip():
        understood = understand_place_in_text(query.text[:MAX_QUERY_LENGTH])
        if understood is not None:
            result.understood, result.place = understood
            query = result.query = replace(
                query, text=result.understood.text, place=result.understood.place
            )
            result.position = result.place.position

    if result.position is not None:
        pass
    elif query.latitude is not None and query.longitude is not None:
        result.position = Position("", query.latitude, query.longitude)
    elif query.place.strip():
        result.place = resolve_place(query.place)
        if result.place.position is None:
            return result  # the page explains and suggests; no guessing
        result.position = result.place.position
    result.radius_km = min(
        query.radius_km or settings.DIRECTORY_DEFAULT_SEARCH_RADIUS_KM,
        settings.DIRECTORY_MAX_INTERVENTION_RADIUS_KM,
    )

    trades = match_trades(query.text) if query.text.strip() else []
    if trades:
        by_id = Profession.objects.in_bulk([m.profession_id for m in trades])
        result.trades = [by_id[m.profession_id] for m in trades if m.profession_id in by_id]

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                    [str(NAME_SIMILARITY_THRESHOLD)],
                )
        rows = _ranked_rows(query, trades, result.position, result.radius_km)
        searchable = rows is not None
        if rows is None:
            rows = CompanyProfession.objects.none().values("company_id")
        paginator = Paginator(rows, settings.DIRECTORY_RESULTS_PER_PAGE)
        page = paginator.get_page(_bounded_page(query.page))
        matched = _matched_trades(query, trades, result.trades)
        page.object_list = _companies_for(list(page.object_list), matched)
        result.page = page
        result.grouped = bool(matched) and (
            query.sort == "relevance" or (query.sort == "distance" and result.position is None)
        )
        if result.count == 0:
            _explain_empty(result, query, trades, searchable=searchable)
    return result


def _explain_empty(
    result: SearchResult, query: SearchQuery, trades: Sequence[TradeMatch], searchable: bool
) -> None:
    """Fill what the empty state offers: the trade's spelling, related
    trades, and the same search farther away (how many, and where).

    At most four small queries, only on a page that found nothing.
    """
    if query.text.strip() and not trades:
        result.trade_suggestions = suggest_trades(query.text)
    result.related_trades = related_trades(result.trades)
    wider_radius = max(settings.DIRECTORY_SEARCH_RADIUS_CHOICES_KM)
    if result.position is None or not searchable or result.radius_km >= wider_radius:
        return
    rows = _ranked_rows(query, trades, result.position, wider_radius)
    if rows is None:
        return
    count = rows.count()
    if count:
        # The towns of the nearest of them: where to look instead.
        nearest = rows.order_by("distance_km").values_list("company_id", flat=True)
        towns = (
            Company.objects.filter(pk__in=nearest[:WIDER_TOWN_SAMPLE])
            .values("city")
            .annotate(companies=Count("pk"))
            .order_by("-companies", "city")[:WIDER_TOWNS]
        )
        result.wider = WiderSearch(
            wider_radius, count, [(town["city"], town["companies"]) for town in towns]
        )


def related_trades(trades: Sequence[Profession], limit: int = RELATED_TRADES) -> list[Profession]:
    """Trades of the same sector as the first matched one that have listed
    companies; the most listed trades when nothing was matched."""
    others = Profession.objects.popular()
    if trades:
        others = others.filter(sector_id=trades[0].sector_id).exclude(
            pk__in=[trade.pk for trade in trades]
        )
    return list(others[:limit])


def _matched_trades(
    query: SearchQuery, trades: Sequence[TradeMatch], professions: Sequence[Profession]
) -> list[Profession]:
    ids = _matched_trade_ids(query, trades)
    known = {profession.pk: profession for profession in professions}
    if query.profession:
        known.setdefault(query.profession.pk, query.profession)
    return [known[pk] for pk in ids if pk in known]


def _bounded_page(raw: int | str) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), settings.DIRECTORY_MAX_RESULT_PAGES)


def suggest_trades(text: str, limit: int = 3) -> list[Profession]:
    """ "Did you mean…": the closest trades, more loosely matched."""
    matches = match_trades(text, threshold=TRADE_SUGGESTION_THRESHOLD)[:limit]
    by_id = Profession.objects.in_bulk([m.profession_id for m in matches])
    return [by_id[m.profession_id] for m in matches if m.profession_id in by_id]
