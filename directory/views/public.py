from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from ..forms import SearchForm
from ..models import Certification, Company, Profession, Sector
from ..places import autocomplete_places
from ..search import SearchQuery, search_companies

POPULAR_TRADES = 12
PROFESSION_PAGE_COMPANIES = 10


def _sectors_with_trades():
    return Sector.objects.prefetch_related(
        Prefetch("professions", queryset=Profession.objects.public().order_by("name_fr"))
    )


def _public_trades():
    return Profession.objects.public().only("slug", "name_fr", "name_en").order_by("name_fr")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "directory/home.html",
        {
            "form": SearchForm(),
            "sectors": _sectors_with_trades(),
            "popular_trades": Profession.objects.popular()[:POPULAR_TRADES],
            "trade_options": _public_trades(),
        },
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    result = None
    params = request.GET
    if form.is_valid():
        result = search_companies(form.to_query(page=request.GET.get("page", 1)))
        if result.understood:
            # A place typed in the trade box: the page, its form and its
            # links use the query as understood (q=électricien&ou=Lyon).
            params = request.GET.copy()
            params["q"], params["ou"] = result.understood.text, result.understood.place
            form = SearchForm(params)
            form.is_valid()
    context = {"form": form, "result": result, "params": params, "trade_options": _public_trades()}
    if result is None or result.query.is_empty:
        context["sectors"] = _sectors_with_trades()
        context["popular_trades"] = Profession.objects.popular()[:POPULAR_TRADES]
    return render(request, "directory/search.html", context)


@require_GET
def company_detail(request: HttpRequest, slug: str) -> HttpResponse:
    company = get_object_or_404(
        Company.objects.listed()
        .select_related("primary_profession__sector", "place")
        .prefetch_related(
            "professions",
            "photos",
            Prefetch(
                "certifications",
                queryset=Certification.objects.valid(),
                to_attr="valid_certifications",
            ),
        ),
        slug=slug,
    )
    canonical_url = request.build_absolute_uri(company.get_absolute_url())
    return render(
        request,
        "directory/company_detail.html",
        {
            "company": company,
            "canonical_url": canonical_url,
            "schema": company.schema_org(canonical_url),
        },
    )


@require_GET
def profession_index(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/profession_index.html", {"sectors": _sectors_with_trades()})


@require_GET
def profession_detail(request: HttpRequest, slug: str) -> HttpResponse:
    profession = get_object_or_404(Profession.objects.public().select_related("sector"), slug=slug)
    result = search_companies(SearchQuery(profession=profession))
    return render(
        request,
        "directory/profession_detail.html",
        {
            "profession": profession,
            "companies": result.page.object_list[:PROFESSION_PAGE_COMPANIES],
            "company_count": result.count,
            "form": SearchForm(initial={"q": profession.name}),
            "related": profession.sector.professions.public()
            .exclude(pk=profession.pk)
            .order_by("-listed_company_count")[:8],
        },
    )


@require_GET
def sector_detail(request: HttpRequest, slug: str) -> HttpResponse:
    sector = get_object_or_404(
        _sectors_with_trades(),
        slug=slug,
    )
    return render(request, "directory/sector_detail.html", {"sector": sector})


@require_GET
def trust(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/trust.html")


@require_GET
@cache_control(max_age=300, public=True)
def place_autocomplete(request: HttpRequest) -> JsonResponse:
    places = autocomplete_places(request.GET.get("q", "")[:100])
    return JsonResponse(
        {
            "results": [
                {"label": p.label, "name": p.name, "department": p.department_code} for p in places
            ]
        }
    )
