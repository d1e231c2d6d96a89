"""The directory's search service: one entry point for the web page and
the API.

The query is resolved in three cheap steps before companies are touched:

1. the text against the small table of trades and synonyms (fuzzy, in
   Python with rapidfuzz, identical on every database);
2. the place against the gazetteer;
3. only then companies, read from their trade rows (CompanyProfession,
   which carry the companies' search keys) by trade id and bounding box
   through one index, exact distance and reach checked on what remains,
   ranked by :mod:`directory.search.ranking`.

Text that is not a trade is looked up in company names, by whole words:
a full-text index on PostgreSQL (trigram similarity when nothing matches
exactly, for typos), padded substrings on SQLite.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
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
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least

from common.text import normalize
from directory.companies.models import Company, CompanyProfession
from directory.places.resolve import (
    Position,
    bounding_box,
    resolve_place,
)
from directory.search import ranking
from directory.taxonomy.models import Profession
from directory.taxonomy.selectors import all_trades

from .names import exactly_named, name_words, nearly_named, typo_name_score, typos_supported
from .place_text import understand_place_in_text
from .query import (
    MAX_NORMALIZED_LENGTH,
    MAX_QUERY_LENGTH,
    SearchQuery,
    SearchResult,
    TradeMatch,
    WiderSearch,
)
from .trades import (
    match_trades,
    matched_trade_ids,
    matched_trades,
    related_trades,
    suggest_trades,
    trade_key,
)

WIDER_TOWNS = 5


WIDER_TOWN_SAMPLE = 50


EARTH_RADIUS_KM = 6371.0


class GreatCircleKm(Func):
    """Great-circle distance in km from a point to each row's ``latitude``
    and ``longitude`` (haversine, earth radius ``EARTH_RADIUS_KM``).

    One node, its SQL written out, rather than a tree of a dozen Django
    functions: the search uses it three times a query (reach, proximity,
    distance shown), and resolving and compiling those trees was a third
    of a search's Python time (profiled on bench-api's database)."""

    output_field = FloatField()

    def __init__(self, latitude: float, longitude: float) -> None:
        super().__init__(F("latitude"), F("longitude"))
        self.point = (float(latitude), float(longitude))

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def,override]
        latitude, latitude_params = compiler.compile(self.source_expressions[0])
        longitude, longitude_params = compiler.compile(self.source_expressions[1])
        point_latitude, point_longitude = self.point
        sql = (
            f"(%s * ASIN(SQRT(POWER(SIN(RADIANS({latitude} - %s) / 2), 2)"
            f" + %s * COS(RADIANS({latitude})) * POWER(SIN(RADIANS({longitude} - %s) / 2), 2))))"
        )
        params = (
            2 * EARTH_RADIUS_KM,
            *latitude_params,
            point_latitude,
            math.cos(math.radians(point_latitude)),
            *latitude_params,
            *longitude_params,
            point_longitude,
        )
        return sql, params


def distance_expression(latitude: float, longitude: float) -> GreatCircleKm:
    """Great-circle distance in km from a point to each row (haversine)."""
    return GreatCircleKm(latitude, longitude)


def _float(value: float) -> Cast:
    """A constant typed as a float. PostgreSQL reads a bare ``0.8`` as
    ``numeric``: in a CASE, it made each row's arithmetic numeric, a quarter
    of the time of ranking a big city's trade (30,000 trade rows for
    "plombier" around Paris: 24 ms, 18 ms with the cast; bench database,
    ``make bench-api``). The cast is folded once, when the query is planned."""
    return Cast(Value(value), FloatField())


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
            whens.append(When(**{primary_field: match.profession_id}, then=_float(match.score)))
        else:
            whens.append(
                When(profession_id=match.profession_id, is_primary=True, then=_float(match.score))
            )
            whens.append(When(profession_id=match.profession_id, then=_float(secondary)))
    default = trades[0].score * ranking.SECONDARY_TRADE_FACTOR if primary_field else 0.0
    return Case(*whens, default=_float(default), output_field=FloatField())


def _ranked_rows(
    query: SearchQuery,
    trades: Sequence[TradeMatch],
    position: Position | None,
    radius_km: int,
    *,
    top: int | None = None,
    typos: bool = False,
) -> QuerySet | None:
    """One row per matching company — ``company_id``, ``relevance`` and
    ``distance_km`` — filtered and ordered through indexes. None when the
    text designates nothing. ``top``: only the first ``top`` rows will be
    read (the API's window), which lets a search of several trades with no
    place rank a few candidates instead of every company of the trades
    (:func:`_top_candidates`).

    Rows come from the trade rows (CompanyProfession), which carry the
    companies' search keys, except for a search by name alone, which reads
    the companies found by the name index directly: by their exact words,
    or with ``typos`` by words like them — the rows a caller reads when
    the exact ones are none (:func:`_typo_rows`). With ``typos``, None
    unless the search is by name alone, typos are supported, and no
    listed company holds the words exactly (a name that exists is not
    read as a typo because the filters leave none of its holders).
    """
    normalized = normalize(query.text)[:MAX_NORMALIZED_LENGTH]
    trade_ids = [m.profession_id for m in trades]
    trade_words = {word for match in trades for word in match.phrase.split()}
    other_words = name_words([w for w in normalized.split() if trade_key(w) not in trade_words])
    rows = CompanyProfession.objects.filter(is_listed=True)
    company_id = "company_id"
    text_score: object = Value(1.0)

    if typos and (
        trades or not other_words or not typos_supported() or exactly_named(other_words).exists()
    ):
        return None
    if trades and (trades[0].whole or not other_words):
        # A trade, and nothing else: "électricien", "plombier chauffagiste".
        rows = rows.filter(profession_id__in=trade_ids)
        text_score = _trade_score(trades)
    elif trades:
        # A trade and a name: "Plomberie Dupont" is a plumber named Dupont.
        # Words that name nobody of the trade are just words ("électricien
        # Lyon" in the trade box while the "où" box holds another place).
        named = _named_of_trades(other_words, trade_ids)
        if named is not None:
            # From the few companies of the trade so named.
            rows, company_id = named, "pk"
            text_score = _trade_score(trades, primary_field="primary_profession_id")
        else:
            rows = rows.filter(profession_id__in=trade_ids)
            text_score = _trade_score(trades)
    elif other_words:
        # By name alone: the exact words (every match scores alike), or
        # when a caller found none, words like them (closest first).
        rows, company_id = (nearly_named if typos else exactly_named)(other_words), "pk"
        text_score = typo_name_score(normalized) if typos else Value(1.0)
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
    # The review columns live on the company (a join for trade rows).
    company_prefix = "company__" if company_id == "company_id" else ""
    if query.reviewed:
        rows = rows.filter(**{f"{company_prefix}review_count__gt": 0})
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
    matched_ids = matched_trade_ids(query, trades)
    if company_id == "pk":
        primary_when = When(primary_profession_id__in=matched_ids, then=Value(1))
    else:
        primary_when = When(is_primary=True, then=Value(1))
    primary_match = Case(primary_when, default=Value(0), output_field=IntegerField())
    grouped = company_id == "company_id" and len(trade_ids) > 1
    rating_keys = _rating_keys(company_prefix) if query.sort == "rating" else {}
    if (
        grouped
        and top is not None
        and position is None
        and query.sort == "relevance"
        and connection.features.supports_slicing_ordering_in_compound
    ):
        rows = rows.filter(company_id__in=_top_candidates(rows, trade_ids, top))
    if grouped:
        # A company with two of the trades has two rows: keep its best.
        rows = rows.values(company_id).annotate(
            relevance=Max(relevance, output_field=FloatField()),
            distance_km=Min(distance, output_field=FloatField()),
            primary_match=Max(primary_match),
            **{key: Max(expression) for key, expression in rating_keys.items()},
        )
    else:
        rows = rows.annotate(
            relevance=ExpressionWrapper(relevance, output_field=FloatField()),
            distance_km=ExpressionWrapper(distance, output_field=FloatField()),
            primary_match=primary_match,
            **rating_keys,
        )
        ids = {"company_id": F("pk")} if company_id == "pk" else {}
        rows = rows.values(
            "relevance",
            "distance_km",
            "primary_match",
            *rating_keys,
            *([] if ids else ["company_id"]),
            **ids,
        )
    if query.sort == "rating":
        by_rating = ("-rated", "-rating_score", "-reviews_count", "-relevance", "company_id")
        return rows.order_by(*by_rating)
    if query.sort == "name":
        name = "trade_name" if company_id == "pk" else "company__trade_name"
        return rows.annotate(name=Min(name) if grouped else F(name)).order_by("name", "company_id")
    if query.sort == "distance" and position is not None:
        return rows.order_by("distance_km", "-relevance", "company_id")
    first = ["-primary_match"] if matched_ids else []
    if company_id == "company_id" and not grouped and position is None:
        # One trade (or none) and no place: the text score depends on
        # is_primary alone and proximity is 1, so relevance orders as
        # (is_primary, trust_score) do, which trade_rank_idx reads in
        # order, stopping at the page instead of sorting the whole trade.
        primary_first = ["-is_primary"] if matched_ids else []
        return rows.order_by(*primary_first, "-trust_score", "company_id")
    if company_id == "pk":
        # Names that match alike read best alphabetically; ordering by id
        # alone would also tempt PostgreSQL into walking the primary key.
        return rows.order_by(*first, "-relevance", "trade_name", "company_id")
    return rows.order_by(*first, "-relevance", "company_id")


def _named_of_trades(words: Sequence[str], trade_ids: Sequence[int]) -> QuerySet[Company] | None:
    """The listed companies of the trades ``trade_ids`` whose name holds
    ``words`` — exactly, or, when no listed company at all holds them
    exactly, despite typos — or None when none is so named. The usual
    case, a name that exists in the trade, costs one EXISTS (the global
    one is asked only when the trade has none)."""
    trade_rows = CompanyProfession.objects.filter(profession_id__in=trade_ids)
    exact = exactly_named(words).filter(pk__in=trade_rows.values("company_id"))
    if exact.exists():
        return exact
    if not typos_supported() or exactly_named(words).exists():
        return None
    near = nearly_named(words).filter(pk__in=trade_rows.values("company_id"))
    return near if near.exists() else None


def _typo_rows(
    query: SearchQuery,
    trades: Sequence[TradeMatch],
    position: Position | None,
    radius_km: int,
    *,
    top: int | None = None,
) -> QuerySet | None:
    """The rows of a search by name alone that found nothing, read again
    as names despite typos (``_ranked_rows(typos=True)``), or None when
    that does not apply."""
    return _ranked_rows(query, trades, position, radius_km, top=top, typos=True)


def _top_candidates(rows: QuerySet, trade_ids: Sequence[int], top: int) -> list[int]:
    """The companies among which the first ``top`` of a search of several
    trades with no place are, read from trade_rank_idx without ranking
    every company of the trades (at a million companies, "aide à
    domicile" is three trades and 123,000 companies).

    With no place, a company's relevance is 0.25 + 0.2 × trust + 0.55 ×
    its best text score, and a (trade, primary or not) bucket has one text
    score: within a bucket, relevance follows (trust desc, company). The
    order puts companies with a primary matched trade first. So the first
    ``top`` of each bucket, split into companies that have a primary
    matched trade and those that have none, hold the overall first
    ``top``: a company outside them has, in its best bucket, ``top``
    companies of its own group that rank at least as high. One query (a
    UNION ALL of index walks stopping at ``top`` rows each); PostgreSQL
    only (SQLite allows no LIMIT inside a UNION).

    ``rows`` (its filters) is compiled once and each walk reads it as a
    subquery, which PostgreSQL flattens into the walk: built as nine
    querysets, the buckets' filters and their UNION cost a third of such
    a request's CPU (``make bench-api``, "trade alone")."""
    rows_sql, rows_params = (
        rows.order_by().values("company_id", "profession_id", "is_primary", "trust_score").query
    ).sql_with_params()
    table = connection.ops.quote_name(CompanyProfession._meta.db_table)
    matched = ", ".join(["%s"] * len(trade_ids))
    has_primary = (
        f"EXISTS (SELECT 1 FROM {table} p WHERE p.company_id = r.company_id"  # noqa: S608
        f" AND p.profession_id IN ({matched}) AND p.is_primary)"
    )
    kinds = (
        ("r.is_primary", []),
        (f"NOT r.is_primary AND {has_primary}", list(trade_ids)),
        (f"NOT r.is_primary AND NOT {has_primary}", list(trade_ids)),
    )
    walks, params = [], []
    for trade_id in trade_ids:
        for condition, condition_params in kinds:
            walks.append(
                f"(SELECT r.company_id FROM ({rows_sql}) r"  # noqa: S608
                f" WHERE r.profession_id = %s AND {condition}"
                " ORDER BY r.trust_score DESC, r.company_id LIMIT %s)"
            )
            params += [*rows_params, trade_id, *condition_params, top]
    with connection.cursor() as cursor:
        # Identifiers come from the models, values are parameters.
        cursor.execute(" UNION ALL ".join(walks), params)
        return [company_id for (company_id,) in cursor.fetchall()]


def _rating_keys(prefix: str) -> dict[str, object]:
    """The "sort by rating" keys of a row (ranking.py, "Sorting by
    rating"): ``rated`` (1 with a published verified review), the smoothed
    ``rating_score`` in [0, 1] and the number of reviews, ``reviews_count``; ``prefix``
    leads from the row to its company (``"company__"`` on trade rows)."""
    count = F(f"{prefix}review_count")
    rated = Case(When(**{f"{prefix}review_count__gt": 0}, then=Value(1)), default=Value(0))
    average = Coalesce(F(f"{prefix}rating_average"), _float(3.0), output_field=FloatField())
    score = ranking.rating_component(average, count * _float(1.0))
    return {
        "rated": ExpressionWrapper(rated, output_field=IntegerField()),
        "rating_score": ExpressionWrapper(score, output_field=FloatField()),
        "reviews_count": ExpressionWrapper(count, output_field=IntegerField()),
    }


def page_companies() -> QuerySet[Company]:
    """The companies as a results page reads them: every column, and
    ``missed_audits_warning``, the number of document audits the company
    missed, when the reviews app put a public warning on it (an active
    sanction of kind "warning", reviews.models.SanctionKind); None
    otherwise. In the same query."""
    return Company.objects.annotate(
        missed_audits_warning=Max(
            "review_sanctions__strike_count",
            filter=Q(review_sanctions__kind="warning", review_sanctions__lifted_at__isnull=True),
        )
    )


def _companies_for(
    rows: list[dict],
    matched: Sequence[Profession] = (),
    companies: QuerySet[Company] | None = None,
) -> list[Company]:
    """The page's companies (read through ``companies``, by default
    :func:`page_companies`), in rank order, with their distance and score,
    and — when trades were matched — ``matched_trades`` (those of the
    matched trades the company does, its primary trade first) and
    ``matched_as_secondary`` (none of them is its primary trade). One
    query for the companies, and one for their matched trades when there
    are several (with one, the rows say it all). Their primary trades
    come from this process's copy of the taxonomy (:func:`all_trades`),
    not from a join."""
    ids = [row["company_id"] for row in rows]
    by_id = (companies if companies is not None else page_companies()).in_bulk(ids)
    trades = all_trades({company.primary_profession_id for company in by_id.values()})
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
        company = by_id.get(row["company_id"])
        if company is None:
            continue  # deleted since its row was read
        company.primary_profession = trades[company.primary_profession_id]
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


def _prepare(query: SearchQuery) -> tuple[SearchResult, list[TradeMatch] | None]:
    """The cheap steps of a search (module docstring, 1 and 2): the place
    typed in the trade box, the position, the radius, the trades. The
    trades are None when there is nothing to search: an empty query, or a
    place that resolves nowhere (``result.place`` says why)."""
    result = SearchResult(query=query)
    if query.is_empty:
        return result, None

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
            return result, None  # the page explains and suggests; no guessing
        result.position = result.place.position
    result.radius_km = min(
        query.radius_km or settings.DIRECTORY_DEFAULT_SEARCH_RADIUS_KM,
        settings.DIRECTORY_MAX_INTERVENTION_RADIUS_KM,
    )

    trades = match_trades(query.text) if query.text.strip() else []
    if trades:
        by_id = all_trades(m.profession_id for m in trades)
        result.trades = [by_id[m.profession_id] for m in trades if m.profession_id in by_id]
    return result, trades


def search_companies(query: SearchQuery) -> SearchResult:
    """Run a directory search. Never raises on what a visitor can type.

    A place typed in the trade box is read as the place when the "où" box
    is empty (see :func:`understand_place_in_text`); if both are given, the
    "où" box wins and the words stay in the text.
    """
    result, trades = _prepare(query)
    if trades is None:
        return result
    query = result.query

    rows = _ranked_rows(query, trades, result.position, result.radius_km)
    searchable = rows is not None
    if rows is None:
        rows = CompanyProfession.objects.none().values("company_id")
    paginator = Paginator(rows, settings.DIRECTORY_RESULTS_PER_PAGE)
    page = paginator.get_page(_bounded_page(query.page))
    if searchable and paginator.count == 0:
        typo_rows = _typo_rows(query, trades, result.position, result.radius_km)
        if typo_rows is not None:
            paginator = Paginator(typo_rows, settings.DIRECTORY_RESULTS_PER_PAGE)
            page = paginator.get_page(_bounded_page(query.page))
    matched = matched_trades(query, trades, result.trades)
    page.object_list = _companies_for(list(page.object_list), matched)
    result.page = page
    result.grouped = bool(matched) and (
        query.sort == "relevance" or (query.sort == "distance" and result.position is None)
    )
    if result.count == 0:
        _explain_empty(result, query, trades, searchable=searchable)
    return result


@dataclass
class SearchWindow:
    """A slice of a search's ranked results, for the API: ``companies``
    (as the page shows them: distance, relevance, matched trades) and
    whether more follow. ``result`` says how the query was understood
    (``query``, ``place``, ``position``, ``radius_km``, ``trades``)."""

    result: SearchResult
    companies: list[Company] = field(default_factory=list)
    has_more: bool = False


def search_companies_window(
    query: SearchQuery,
    *,
    offset: int,
    limit: int,
    companies: QuerySet[Company] | None = None,
) -> SearchWindow:
    """The same search and ranking as :func:`search_companies`, as the
    ``limit`` companies from rank ``offset``: one row past the window is
    read to say ``has_more``, nothing is counted (a COUNT over a large
    trade and region costs more than the page). No empty-state
    explanations. The caller bounds ``offset`` and ``limit``; ``companies``
    says how the window's companies are read (the columns a caller shows:
    the page's, :func:`page_companies`, by default)."""
    result, trades = _prepare(query)
    if trades is None:
        return SearchWindow(result)
    query = result.query
    rows = _ranked_rows(query, trades, result.position, result.radius_km, top=offset + limit + 1)
    if rows is None:
        return SearchWindow(result)
    fetched = list(rows[offset : offset + limit + 1])
    if not fetched:
        typo_rows = _typo_rows(
            query, trades, result.position, result.radius_km, top=offset + limit + 1
        )
        if typo_rows is not None:
            fetched = list(typo_rows[offset : offset + limit + 1])
    matched = matched_trades(query, trades, result.trades)
    found = _companies_for(fetched[:limit], matched, companies)
    result.grouped = bool(matched) and (
        query.sort == "relevance" or (query.sort == "distance" and result.position is None)
    )
    return SearchWindow(result, found, has_more=len(fetched) > limit)


def _explain_empty(
    result: SearchResult, query: SearchQuery, trades: Sequence[TradeMatch], searchable: bool
) -> None:
    """Fill what the empty state offers: the trade's spelling, related
    trades, and the same search farther away (how many, and where).

    A few small queries, only on a page that found nothing.
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
    if not count:
        rows = _typo_rows(query, trades, result.position, wider_radius)
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


def _bounded_page(raw: int | str) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), settings.DIRECTORY_MAX_RESULT_PAGES)
