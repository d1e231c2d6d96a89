"""Public pages of trades and sectors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from common.page_cache import shared_with_visitors
from directory.search.forms import SearchForm
from directory.search.query import SearchQuery
from directory.search.service import search_companies
from directory.taxonomy.models import Profession

from .selectors import sectors_with_trades

PROFESSION_PAGE_COMPANIES = 10


@require_safe
@shared_with_visitors
def profession_index(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/profession_index.html", {"sectors": sectors_with_trades()})


@require_safe
@shared_with_visitors
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


@require_safe
@shared_with_visitors
def sector_detail(request: HttpRequest, slug: str) -> HttpResponse:
    sector = get_object_or_404(
        sectors_with_trades(),
        slug=slug,
    )
    return render(request, "directory/sector_detail.html", {"sector": sector})
