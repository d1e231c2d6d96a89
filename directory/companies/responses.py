"""The public answer for a company that is no longer listed, shared by its
page and its quote form."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from directory.companies.models import Company

GONE = 410


def company_gone_response(request: HttpRequest, company: Company) -> HttpResponse:
    """HTTP 410 "Cette entreprise n'est plus référencée": the company's
    name and trade only, never its reviews, phone, e-mail, address or a
    way to ask it for a quote; a link to other companies of its trade.

    Marked never to be cached: browsers keep a 410 without a
    Cache-Control as fresh for ever (Chromium does), and a suspension is
    undone when staff list the company again."""
    response = render(request, "410.html", {"company": company}, status=GONE)
    add_never_cache_headers(response)
    return response
