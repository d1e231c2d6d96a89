"""Quote requests: the public form and its confirmation, the requester's
copy in their account, the company's inbox in the pro space."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.core import is_ratelimited

from common.referral import REFERRAL_PARAMETER
from common.signed_links import LinkError
from common.types import AuthenticatedHttpRequest
from directory.companies.responses import company_gone_response
from directory.companies.selectors import CompanyGone, public_company
from directory.quotes.forms import QuoteReplyForm, QuoteRequestForm, QuoteStatusForm
from directory.quotes.models import QuoteDelivery, QuoteRequest, QuoteStatus
from directory.quotes.selectors import (
    quote_from_confirmation_link,
    quote_recipients,
    quote_request_for_member,
    quote_requests_for_company,
)
from directory.team.decorators import member_view, pro_context
from directory.team.models import Membership

from . import services


@login_required
@require_safe
def account_quote(request: AuthenticatedHttpRequest, quote_id: int) -> HttpResponse:
    quote = (
        QuoteRequest.objects.filter(requester=request.user, pk=quote_id)
        .select_related("company", "profession")
        .prefetch_related("replies")
        .first()
    )
    if quote is None:
        raise Http404
    return render(request, "directory/account/quote.html", {"quote": quote})


@member_view
@require_safe
def quotes(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    requests = quote_requests_for_company(membership.company)
    status = request.GET.get("statut", "")
    if status in QuoteStatus.values:
        requests = requests.filter(status=status)
    return render(
        request,
        "directory/pro/quotes.html",
        pro_context(
            membership,
            quotes=requests[:200],
            status=status,
            statuses=[s for s in QuoteStatus if s != QuoteStatus.UNCONFIRMED],
        ),
    )


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def quote(request: AuthenticatedHttpRequest, membership: Membership, quote_id: int) -> HttpResponse:
    quote = quote_request_for_member(membership, quote_id)
    form = QuoteReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_reply_create(
                quote=quote, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your answer is sent by e-mail."))
            return redirect(
                "directory:pro-quote", company_id=membership.company_id, quote_id=quote.pk
            )
    if request.method == "GET":
        services.quote_request_mark_read(quote=quote, actor=request.user)
    return render(
        request, "directory/pro/quote.html", pro_context(membership, quote=quote, form=form)
    )


@member_view
@require_POST
def quote_status(request: AuthenticatedHttpRequest, membership: Membership, quote_id: int):
    quote = quote_request_for_member(membership, quote_id)
    form = QuoteStatusForm(request.POST)
    if form.is_valid():
        try:
            services.quote_request_set_status(
                quote=quote, status=form.cleaned_data["status"], actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("directory:pro-quote", company_id=membership.company_id, quote_id=quote.pk)


def _setting(name: str):
    """A rate read at request time, so settings can change it per test or deploy."""

    def rate(group: str, request: HttpRequest) -> str | None:
        if name == "QUOTE_RATE_PER_USER" and not request.user.is_authenticated:
            return None  # anonymous visitors are limited by IP
        return getattr(settings, name)

    return rate


# (group, key, rate) of the quote form's limits: per visitor address, and
# per account for logged-in visitors (django-ratelimit's core).
QUOTE_LIMITS = (
    ("quote-ip", "ip", _setting("QUOTE_RATE_PER_IP")),
    ("quote-user", "user_or_ip", _setting("QUOTE_RATE_PER_USER")),
)


def _quote_limited(request: HttpRequest, *, consume: bool) -> bool:
    """Is this visitor over a quote limit? ``consume`` counts the request
    (every limit, then says whether it went over): only valid requests
    are counted, so a visitor correcting a form does not spend the quota.
    The address is ``common.client_ip`` (``RATELIMIT_IP_META_KEY``)."""
    results = [
        is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=consume)
        for group, key, rate in QUOTE_LIMITS
    ]
    return any(results)


@require_http_methods(["GET", "HEAD", "POST"])
def quote_request(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        company = public_company(slug)
    except CompanyGone as gone:
        return company_gone_response(request, gone.company)
    form = QuoteRequestForm(
        request.POST or None,
        company=company,
        user=request.user,
        referral_code=request.GET.get(REFERRAL_PARAMETER, ""),
    )
    if request.method == "POST":
        too_many = _("Too many requests from you in a short time. Try again later.")
        if _quote_limited(request, consume=False) or (
            form.is_valid() and _quote_limited(request, consume=True)
        ):
            form.add_error(None, too_many)
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
    delivery, _recipients = quote_recipients(company)
    return render(
        request,
        "directory/quote_request.html",
        {"company": company, "form": form, "reachable": delivery != QuoteDelivery.NOBODY},
    )


@require_safe
def quote_sent(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        company = public_company(slug)
    except CompanyGone as gone:
        return company_gone_response(request, gone.company)
    quote = company.quote_requests.filter(pk=request.session.get("quote_sent")).first()
    if quote is None:
        return redirect(company.get_absolute_url())
    return render(request, "directory/quote_sent.html", {"company": company, "quote": quote})


@require_http_methods(["GET", "HEAD", "POST"])
def quote_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: mail scanners that follow links
    must not confirm on the requester's behalf. A link already used says
    so (200); a garbled, forged or expired one explains itself (400)."""
    confirmed_now = False
    try:
        if request.method == "POST":
            quote, confirmed_now = services.quote_request_confirm(token=token)
        else:  # GET or HEAD: read, change nothing
            quote = quote_from_confirmation_link(
                token, QuoteRequest.objects.select_related("company__primary_profession")
            )
    except LinkError as error:
        return render(request, "directory/quote_confirm.html", {"error": error.message}, status=400)
    return render(
        request,
        "directory/quote_confirm.html",
        {"quote": quote, "company": quote.company, "confirmed_now": confirmed_now},
    )
