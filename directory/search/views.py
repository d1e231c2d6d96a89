"""The home page and the results page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from common.page_cache import shared_with_visitors
from directory.search.forms import SearchForm
from directory.search.service import search_companies
from directory.taxonomy.models import Profession
from directory.taxonomy.selectors import POPULAR_TRADES


@require_safe
@shared_with_visitors
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "directory/home.html",
        {
            "form": SearchForm(),
            "popular_trades": Profession.objects.popular()[:POPULAR_TRADES],
        },
    )


@require_safe
@shared_with_visitors
def search(request: HttpRequest) -> HttpResponse:
    form, ignored = SearchForm(request.GET).without_invalid_filters()
    result = None
    # The links of the page (pages, suggestions) repeat the valid search.
    params = form.data
    if form.is_valid():
        result = search_companies(form.to_query(page=request.GET.get("page", 1)))
        if result.understood:
            # A place typed in the trade box: the page, its form and its
            # links use the query as understood (q=électricien&ou=Lyon).
            params = params.copy()
            params["q"], params["ou"] = result.understood.text, result.understood.place
            form = SearchForm(params)
            form.is_valid()
    context = {
        "form": form,
        "result": result,
        "params": params,
        "ignored": ignored,
    }
    if result is None or result.query.is_empty:
        context["show_sectors"] = True
        context["popular_trades"] = Profession.objects.popular()[:POPULAR_TRADES]
    return render(request, "directory/search.html", context)
