"""The public side of quote requests: the form on a company page and the
confirmation link of anonymous requests."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from common.signed_links import LinkError

from .. import services
from ..forms import QuoteRequestForm
from ..models import Company


def _setting(name: str):
    """A rate read at request time, so settings can change it per test or deploy."""

    def rate(group: str, request: HttpRequest) -> str | None:
        if name == "QUOTE_RATE_PER_USER" and not request.user.is_authenticated:
            return None  # anonymous visitors are limited by IP
        return getattr(settings, name)

    return rate


@require_http_methods(["GET", "POST"])
@ratelimit(
    group="quote-ip", key="ip", rate=_setting("QUOTE_RATE_PER_IP"), method="POST", block=False
)
@ratelimit(
    group="quote-user",
    key="user_or_ip",
    rate=_setting("QUOTE_RATE_PER_USER"),
    method="POST",
    block=False,
)
def quote_request(request: HttpRequest, slug: str) -> HttpResponse:
    company = get_object_or_404(Company.objects.listed(), slug=slug)
    form = QuoteRequestForm(request.POST or None, company=company, user=request.user)
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many requests from you in a short time. Try again later."))
        elif form.is_valid():
            requester = request.user if request.user.is_authenticated else None
            try:
                quote = services.quote_request_create(
                    company=company, requester=requester, fields=form.service_fields()
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                request.session["quote_sent"] = quote.pk
                return redirect("directory:quote-sent", slug=company.slug)
    return render(request, "directory/quote_request.html", {"company": company, "form": form})


@require_GET
def quote_sent(request: HttpRequest, slug: str) -> HttpResponse:
    company = get_object_or_404(Company.objects.listed(), slug=slug)
    quote = company.quote_requests.filter(pk=request.session.get("quote_sent")).first()
    if quote is None:
        return redirect(company.get_absolute_url())
    return render(request, "directory/quote_sent.html", {"company": company, "quote": quote})


@require_http_methods(["GET", "POST"])
def quote_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: mail scanners that follow links
    must not confirm on the requester's behalf."""
    if request.method == "GET":
        return render(request, "directory/quote_confirm.html", {"token": token})
    try:
        quote = services.quote_request_confirm(token=token)
    except LinkError as error:
        return render(request, "directory/quote_confirm.html", {"error": error.message}, status=400)
    return render(request, "directory/quote_confirm.html", {"quote": quote})
