"""The directory's read endpoints of the partner API (issue 14): trades,
sectors, places, the company search and a company's public profile.
Each calls the selectors and the search service of the web pages; the
serializers only shape their output.

A company's profile also shows what apps above ``directory`` know of it
(its loyalty, its rating details): ``settings.API_COMPANY_SECTIONS`` names
a :class:`CompanySection` per section, owned by that app, as
``PRO_SPACE_SOURCES`` does for the pro space — directory imports none of
them. The whole profile, sections included, is one query."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Expression, F, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from common.aggregates import JSONArrayAgg
from common.statements import MARKER, CompiledQuery
from common.text import normalize
from directory.companies.models import (
    Certification,
    Company,
    CompanyProfession,
    CompanyStatus,
)
from directory.companies.selectors import CompanyGone, public_company
from directory.places.resolve import autocomplete_places
from directory.search.query import MAX_QUERY_LENGTH, SearchQuery
from directory.search.service import search_companies_window
from directory.taxonomy.models import Profession, Sector
from directory.taxonomy.selectors import sectors_with_trades
from partners.api.base import PartnerAPIView, query_data
from partners.api.pagination import WindowSerializer
from partners.api.schema import read_responses, slug_parameter
from partners.api.writes import PartnerWriteView, require_connection
from partners.models import Scope

SCOPE_NOTE = "Scope: `directory:read`."


def _absolute(request: Request, path: str) -> str:
    return request.build_absolute_uri(path)


class CompanyUrls:
    """The absolute URLs of company pages for one request (its host and
    its language's path prefix), from a single ``reverse()``: a slug is
    made of characters a URL keeps as they are."""

    _MARKER = "company-slug-marker"

    def __init__(self, request: Request) -> None:
        path = reverse("directory:company", args=[self._MARKER])
        self._before, _marker, self._after = _absolute(request, path).partition(self._MARKER)

    def url(self, slug: str) -> str:
        return f"{self._before}{slug}{self._after}"


# --- Trades and sectors ------------------------------------------------------


class ProfessionOutput(serializers.Serializer):
    slug = serializers.SlugField()
    name_fr = serializers.CharField()
    name_en = serializers.CharField()
    sector = serializers.SlugField(source="sector.slug")
    synonyms = serializers.ListField(child=serializers.CharField())
    listed_companies = serializers.IntegerField(source="listed_company_count")


class ProfessionList(PartnerAPIView):
    required_scopes = (Scope.DIRECTORY_READ,)

    @extend_schema(
        operation_id="professions_list",
        summary="Trades",
        description="Every trade the directory shows, with its sector. " + SCOPE_NOTE,
        responses=read_responses(ProfessionOutput(many=True)),
        examples=[
            OpenApiExample(
                "Trades",
                value=[
                    {
                        "slug": "electricien",
                        "name_fr": "Électricien",
                        "name_en": "Electrician",
                        "sector": "batiment",
                        "synonyms": ["électricité"],
                        "listed_companies": 412,
                    }
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        trades = Profession.objects.public().select_related("sector").order_by("name_fr")
        return Response(ProfessionOutput(trades, many=True).data)


class SectorOutput(serializers.Serializer):
    slug = serializers.SlugField()
    name_fr = serializers.CharField()
    name_en = serializers.CharField()
    professions = serializers.SerializerMethodField()

    def get_professions(self, sector: Sector) -> list[str]:
        return [trade.slug for trade in sector.professions.all()]


class SectorList(PartnerAPIView):
    required_scopes = (Scope.DIRECTORY_READ,)

    @extend_schema(
        operation_id="sectors_list",
        summary="Sectors",
        description="The sectors and the slugs of their trades. " + SCOPE_NOTE,
        responses=read_responses(SectorOutput(many=True)),
        examples=[
            OpenApiExample(
                "Sectors",
                value=[
                    {
                        "slug": "batiment",
                        "name_fr": "Bâtiment",
                        "name_en": "Building",
                        "professions": ["electricien", "plombier"],
                    }
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(SectorOutput(sectors_with_trades(), many=True).data)


# --- Places ------------------------------------------------------------------


class PlaceQuery(serializers.Serializer):
    q = serializers.CharField(max_length=100, allow_blank=True, default="", trim_whitespace=True)


class PlaceOutput(serializers.Serializer):
    label = serializers.CharField(
        help_text="What to send back as a search's `place`: it reads as this place."
    )
    name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=["department", "commune", "arrondissement"],
        help_text=(
            "`department`: a département, centred on its most populous commune (as a "
            "search for it is); `arrondissement`: of Paris, Lyon or Marseille."
        ),
    )
    department = serializers.CharField(source="department_code")
    insee_code = serializers.CharField(
        help_text="The official geographic code (a département's is its number)."
    )
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class PlaceList(PartnerAPIView):
    required_scopes = (Scope.DIRECTORY_READ,)

    @extend_schema(
        operation_id="places_list",
        summary="Place autocomplete",
        description=(
            "Communes whose name or postal code starts with `q`, most populous first: "
            'the site\'s own autocomplete ("Paris 15" gives Paris 15e). A département '
            'typed by its number or name ("33", "2A", "Gironde", "cotes d\'armor") comes '
            "first, then its communes. " + SCOPE_NOTE
        ),
        parameters=[PlaceQuery],
        responses=read_responses(PlaceOutput(many=True)),
        examples=[
            OpenApiExample(
                "Lyon",
                value=[
                    {
                        "label": "Lyon (69)",
                        "name": "Lyon",
                        "kind": "commune",
                        "department": "69",
                        "insee_code": "69123",
                        "latitude": 45.7676,
                        "longitude": 4.8345,
                    }
                ],
                response_only=True,
            ),
            OpenApiExample(
                "Gironde",
                value=[
                    {
                        "label": "Gironde (département 33)",
                        "name": "Gironde",
                        "kind": "department",
                        "department": "33",
                        "insee_code": "33",
                        "latitude": 44.8378,
                        "longitude": -0.5792,
                    },
                    {
                        "label": "Bordeaux (33)",
                        "name": "Bordeaux",
                        "kind": "commune",
                        "department": "33",
                        "insee_code": "33063",
                        "latitude": 44.8378,
                        "longitude": -0.5792,
                    },
                ],
                response_only=True,
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        params = PlaceQuery(data=query_data(request))
        params.is_valid(raise_exception=True)
        places = autocomplete_places(params.validated_data["q"])
        return Response(PlaceOutput(places, many=True).data)


# --- Companies -----------------------------------------------------------------

SORTS = [
    ("relevance", "relevance"),
    ("rating", "rating"),
    ("distance", "distance"),
    ("name", "name"),
]


class CompanySearchQuery(WindowSerializer):
    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Trade, speciality or company name, as typed on the site.",
    )
    place = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text='City, postal code, "Paris 15e", a département…',
    )
    radius = serializers.ChoiceField(
        choices=list(settings.DIRECTORY_SEARCH_RADIUS_CHOICES_KM),
        required=False,
        allow_null=True,
        default=None,
        help_text="Km around the place; default: each company's service area.",
    )
    profession = serializers.SlugRelatedField(
        slug_field="slug", queryset=Profession.objects.public(), required=False, default=None
    )
    sector = serializers.SlugRelatedField(
        slug_field="slug", queryset=Sector.objects.all(), required=False, default=None
    )
    audience = serializers.ChoiceField(
        choices=[("b2c", "households"), ("b2b", "companies")], required=False, default=""
    )
    sort = serializers.ChoiceField(choices=SORTS, required=False, default="relevance")
    reviewed = serializers.BooleanField(
        required=False, default=False, help_text="Only companies with a published review."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        # A q without a letter or a digit ("*") searches for nothing
        # (SearchQuery.is_empty): it is no criterion.
        criteria = (normalize(data["q"]), data["place"].strip(), data["profession"], data["sector"])
        if not any(criteria):
            raise serializers.ValidationError(
                _("Give at least a text (q), a place, a profession or a sector.")
            )
        return data

    def to_query(self) -> SearchQuery:
        data = self.validated_data
        return SearchQuery(
            text=data["q"],
            place=data["place"],
            radius_km=data["radius"],
            profession=data["profession"],
            sector=data["sector"],
            audience=data["audience"],
            sort=data["sort"],
            reviewed=data["reviewed"],
        )


class RatingOutput(serializers.Serializer):
    average = serializers.FloatField(source="rating_average", allow_null=True)
    count = serializers.IntegerField(source="review_count")


class CompanySummary(serializers.Serializer):
    slug = serializers.SlugField()
    trade_name = serializers.CharField()
    profession = serializers.SlugField(source="primary_profession.slug")
    city = serializers.CharField()
    postal_code = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    distance_km = serializers.SerializerMethodField()
    matched_trades = serializers.SerializerMethodField()
    rating = RatingOutput(source="*")
    url = serializers.SerializerMethodField()

    def get_distance_km(self, company: Company) -> float | None:
        distance = getattr(company, "distance_km", None)
        return round(distance, 1) if distance is not None else None

    def get_matched_trades(self, company: Company) -> list[str]:
        return [trade.slug for trade in getattr(company, "matched_trades", [])]

    def get_url(self, company: Company) -> str:
        # One reverse() per response, not one per company (a fifth of
        # the serializer's time for a page of 20).
        urls = self.context.get("company_urls")
        if urls is None:
            urls = self.context["company_urls"] = CompanyUrls(self.context["request"])
        return urls.url(company.slug)


# The columns CompanySummary reads (the id aside): a search's window loads
# these alone, not the 30 of a company (search_companies_window).
SUMMARY_COLUMNS = (
    "slug",
    "trade_name",
    "primary_profession",
    "city",
    "postal_code",
    "latitude",
    "longitude",
    "rating_average",
    "review_count",
)


class SearchOutput(serializers.Serializer):
    results = CompanySummary(many=True)
    has_more = serializers.BooleanField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    query = serializers.DictField(help_text="The query as understood: text, place, radius_km.")


class CompanyList(PartnerAPIView):
    required_scopes = (Scope.DIRECTORY_READ,)

    @extend_schema(
        operation_id="companies_search",
        summary="Search companies",
        description=(
            "The site's search, with its ranking: a trade or a name (`q`), a place, filters. "
            "A window of `limit` results (at most 50) from `offset` (at most 1,000); "
            "`has_more` says whether more follow (nothing is counted). A place typed in `q` "
            '("plombier Lyon") is read as the place. An unknown place is a 400. ' + SCOPE_NOTE
        ),
        parameters=[CompanySearchQuery],
        responses=read_responses(SearchOutput),
        examples=[
            OpenApiExample(
                "Electricians near Lyon",
                value={
                    "results": [
                        {
                            "slug": "alpha-electricite",
                            "trade_name": "Alpha Électricité",
                            "profession": "electricien",
                            "city": "Lyon",
                            "postal_code": "69003",
                            "latitude": 45.76,
                            "longitude": 4.85,
                            "distance_km": 1.2,
                            "matched_trades": ["electricien"],
                            "rating": {"average": 4.6, "count": 12},
                            "url": "https://plusquepro.fr/entreprises/alpha-electricite/",
                        }
                    ],
                    "has_more": True,
                    "limit": 20,
                    "offset": 0,
                    "query": {"text": "électricien", "place": "Lyon (69)", "radius_km": 50},
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        params = CompanySearchQuery(data=query_data(request))
        params.is_valid(raise_exception=True)
        limit, offset = params.validated_data["limit"], params.validated_data["offset"]
        window = search_companies_window(
            params.to_query(),
            offset=offset,
            limit=limit,
            companies=Company.objects.only(*SUMMARY_COLUMNS),
        )
        result = window.result
        if result.query.place.strip() and result.position is None:
            suggestions = ", ".join(place.label for place in result.place.suggestions[:5])
            message = str(result.place.error or _("This place is unknown."))
            if suggestions:
                message += " " + str(_("Did you mean: %(places)s?") % {"places": suggestions})
            raise serializers.ValidationError({"place": [message]})
        body = {
            "results": CompanySummary(
                window.companies, many=True, context={"request": request}
            ).data,
            "has_more": window.has_more,
            "limit": limit,
            "offset": offset,
            "query": {
                "text": result.query.text,
                "place": result.position.label if result.position else "",
                "radius_km": result.radius_km if result.position else None,
            },
        }
        return Response(body)


class TradeOutput(serializers.Serializer):
    slug = serializers.SlugField()
    name_fr = serializers.CharField()
    name_en = serializers.CharField()


class CompanyDetailOutput(serializers.Serializer):
    slug = serializers.SlugField()
    trade_name = serializers.CharField()
    siren = serializers.CharField()
    description = serializers.CharField()
    profession = serializers.SlugField(source="profession_slug")
    sector = serializers.SlugField(source="sector_slug")
    trades = serializers.SerializerMethodField()
    address = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    intervention_radius_km = serializers.IntegerField()
    serves_consumers = serializers.BooleanField()
    serves_businesses = serializers.BooleanField()
    phone = serializers.CharField()
    email = serializers.CharField()
    website = serializers.CharField()
    year_founded = serializers.IntegerField(allow_null=True)
    logo = serializers.SerializerMethodField()
    certifications = serializers.SerializerMethodField()
    rating = RatingOutput(source="*")
    url = serializers.SerializerMethodField()

    def get_logo(self, company: Company) -> str | None:
        return _absolute(self.context["request"], company.logo.url) if company.logo else None

    @extend_schema_field(TradeOutput(many=True))
    def get_trades(self, company: Company) -> list[dict[str, str]]:
        return sorted(company.trade_rows or [], key=lambda trade: trade["name_fr"])

    def get_certifications(self, company: Company) -> list[dict[str, Any]]:
        rows = sorted(company.certification_rows or [], key=lambda c: (c["kind"], c["label"]))
        return [
            {
                "name": Certification(kind=c["kind"], label=c["label"]).display_name,
                "expires_on": c["expires_on"],
            }
            for c in rows
        ]

    def get_url(self, company: Company) -> str:
        return _absolute(self.context["request"], company.get_absolute_url())


class ReviewFiguresOutput(serializers.Serializer):
    distribution = serializers.ListField(
        child=serializers.DictField(), help_text="Published reviews per star, 5 to 1."
    )
    criteria = serializers.ListField(
        child=serializers.DictField(),
        help_text="Average of each criterion: reliability, quality, value, communication.",
    )


class LoyaltyOutput(serializers.Serializer):
    percent = serializers.IntegerField(help_text="New clients who came back, in %.")
    trade_percent = serializers.IntegerField(help_text="The same for the trade (baseline).")
    trade_baseline = serializers.BooleanField(
        help_text="The baseline is the trade's own (else a wider one)."
    )
    new_clients = serializers.IntegerField()
    returned = serializers.IntegerField()
    period_days = serializers.IntegerField()


class CompanyDetailSchema(CompanyDetailOutput):
    """The documented shape: the profile and the sections other apps add."""

    reviews = ReviewFiguresOutput(allow_null=True)
    loyalty = LoyaltyOutput(allow_null=True)


class CompanyDetail(PartnerAPIView):
    required_scopes = (Scope.DIRECTORY_READ,)

    @extend_schema(
        operation_id="companies_retrieve",
        summary="A company's public profile",
        description=(
            "What the company's public page shows: profile, trades, contact, valid "
            "certifications, ratings (`rating`; `reviews` adds the distribution and the "
            "average of each criterion) and, for a company whose loyalty is scored, "
            "`loyalty` (null otherwise, never 0 %). Only listed companies: a suspended or "
            "unknown one is a 404. " + SCOPE_NOTE
        ),
        parameters=[slug_parameter()],
        responses=read_responses(CompanyDetailSchema, 404),
        examples=[
            OpenApiExample(
                "A company",
                value={
                    "slug": "alpha-electricite",
                    "trade_name": "Alpha Électricité",
                    "siren": "552100554",
                    "description": "Électricité générale, rénovation, dépannage.",
                    "profession": "electricien",
                    "sector": "batiment",
                    "trades": [
                        {"slug": "electricien", "name_fr": "Électricien", "name_en": "Electrician"}
                    ],
                    "address": "3 rue de la République",
                    "postal_code": "69003",
                    "city": "Lyon",
                    "latitude": 45.76,
                    "longitude": 4.85,
                    "intervention_radius_km": 30,
                    "serves_consumers": True,
                    "serves_businesses": False,
                    "phone": "0478000000",
                    "email": "contact@alpha.example",
                    "website": "https://alpha.example",
                    "year_founded": 2009,
                    "logo": None,
                    "certifications": [{"name": "Qualifelec", "expires_on": "2027-06-30"}],
                    "rating": {"average": 4.6, "count": 12},
                    "url": "https://plusquepro.fr/entreprises/alpha-electricite/",
                    "reviews": {
                        "distribution": [{"stars": 5, "count": 9}, {"stars": 4, "count": 3}],
                        "criteria": [{"criterion": "quality", "average": 4.7}],
                    },
                    "loyalty": {
                        "percent": 42,
                        "trade_percent": 31,
                        "trade_baseline": True,
                        "new_clients": 50,
                        "returned": 21,
                        "period_days": 183,
                    },
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, slug: str) -> Response:
        company = company_profile_for_api(slug)
        body = dict(CompanyDetailOutput(company, context={"request": request}).data)
        for name, section in company_sections().items():
            body[name] = section.render(company)
        return Response(body)


@dataclass(frozen=True)
class CompanySection:
    """A section an app above ``directory`` adds to a company's API
    profile (``settings.API_COMPANY_SECTIONS``: name → dotted path of an
    instance). ``annotations()`` gives the expressions (name → expression
    over ``Company``, typically a ``Subquery`` returning one JSON value)
    read in the profile's own query; ``render(company)`` turns them into
    the section's data (a dict), or None when the company has nothing to
    show there. The section thereby costs no query of its own."""

    annotations: Callable[[], dict[str, Expression | Subquery]]
    render: Callable[[Company], dict[str, Any] | None]


def company_sections() -> dict[str, CompanySection]:
    return {name: import_string(path) for name, path in settings.API_COMPANY_SECTIONS.items()}


def trade_rows() -> Subquery:
    """A company's trades as one JSON array of {slug, name_fr, name_en}
    (NULL without any), for a subquery in the company's row."""
    return Subquery(
        CompanyProfession.objects.filter(company=OuterRef("pk"))
        .order_by()
        .values("company")
        .annotate(
            rows=JSONArrayAgg(
                JSONObject(
                    slug="profession__slug",
                    name_fr="profession__name_fr",
                    name_en="profession__name_en",
                )
            )
        )
        .values("rows")
    )


def certification_rows(today: date) -> Subquery:
    """A company's certifications valid on ``today`` as one JSON array of
    {kind, label, expires_on (ISO date or null)} (NULL without any)."""
    return Subquery(
        Certification.objects.valid(today)
        .filter(company=OuterRef("pk"))
        .order_by()
        .values("company")
        .annotate(
            rows=JSONArrayAgg(JSONObject(kind="kind", label="label", expires_on="expires_on"))
        )
        .values("rows")
    )


def company_profile_for_api(slug: str) -> Company:
    """The listed company ``slug`` with all its API profile shows, in one
    query: its trades and valid certifications (``trade_rows``,
    ``certification_rows``), its trade's and sector's slugs
    (``profession_slug``, ``sector_slug``) and the annotations of the
    sections of ``API_COMPANY_SECTIONS`` as subqueries in its row. 404 for
    a suspended or unknown company (the API shows no page "gone")."""
    statement = _profile_statement(
        timezone.localdate(), tuple(settings.API_COMPANY_SECTIONS.items()), connection.vendor
    )
    company = statement.company(slug)
    if company is None:
        raise Http404
    return company


@dataclass(frozen=True)
class _ProfileStatement:
    """The profile's compiled query (the slug in the marker's place), and
    the annotations whose values the database gives as text (JSON:
    ``output_field.from_db_value`` decodes them, as a queryset would)."""

    query: CompiledQuery
    decoded: dict[str, Any]

    def company(self, slug: str) -> Company | None:
        for company in Company.objects.raw(self.query.sql, self.query.params_with(slug)):
            for name, field in self.decoded.items():
                value = getattr(company, name)
                if isinstance(value, str):
                    setattr(company, name, field.from_db_value(value, None, connection))
            return company
        return None


@functools.lru_cache(maxsize=4)
def _profile_statement(
    today: date, sections: tuple[tuple[str, str], ...], vendor: str
) -> _ProfileStatement:
    """The profile's query compiled to SQL once a day (the certifications
    valid ``today``) per process and database engine, then run as a raw
    query with each request's slug. The profession and the sector come as
    slugs in the row rather than as joined objects (a raw query maps
    columns by name; the serializer reads nothing else of them). Compiling
    the subqueries took 1.3 ms of CPU a request, the same for every
    company, and building the joined profession (its JSON columns decoded)
    and sector most of the rest: the request went from 5.3 to 2.4 ms of
    CPU on the demo data (best of 7 rounds of 50)."""
    annotations: dict[str, Any] = {
        "trade_rows": trade_rows(),
        "certification_rows": certification_rows(today),
        "profession_slug": F("primary_profession__slug"),
        "sector_slug": F("primary_profession__sector__slug"),
    }
    for _name, path in sections:
        annotations |= import_string(path).annotations()
    rows = (
        Company.objects.annotate(**annotations)
        .filter(status=CompanyStatus.LISTED, slug=MARKER)
        .order_by()[:1]
    )
    decoded = {
        name: rows.query.annotations[name].output_field
        for name in annotations
        if hasattr(rows.query.annotations[name].output_field, "from_db_value")
    }
    return _ProfileStatement(CompiledQuery.of(rows), decoded)


def company_for_api(slug: str) -> Company:
    """The listed company ``slug`` (one query); a suspended one is a 404
    here too: the API shows no page "gone". The profile reads more in the
    same query (:func:`company_profile_for_api`)."""
    try:
        return public_company(slug)
    except CompanyGone as gone:
        raise Http404 from gone


def company_for_write(request: Request, slug: str) -> Company:
    """The listed company ``slug`` that connected the calling partner, for
    it to write the company's invoices or sessions: 404 for any other
    company, suspended included (one query); 403 unless connected
    (``partners.api.writes.require_connection``)."""
    company = company_for_api(slug)
    require_connection(request, company.pk)
    return company


class CompanyWriteView(PartnerWriteView):
    """A write under ``companies/{slug}/…``: the company, listed and
    connected to the calling partner (:func:`company_for_write`), is
    ``self.company`` before the handler (and any idempotent replay) runs."""

    company: Company

    def check_write_access(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.company = company_for_write(request, kwargs["slug"])
