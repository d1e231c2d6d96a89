"""The pro space's shell: its entry and each company's dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from common.types import AuthenticatedHttpRequest
from directory.companies.selectors import profile_gaps
from directory.quotes.models import QuoteStatus
from directory.quotes.selectors import quote_requests_for_company
from directory.team.decorators import member_view, pro_context
from directory.team.models import Membership
from directory.team.selectors import companies_of

LATEST_QUOTES = 5


@login_required
@require_safe
def pro_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    companies = list(companies_of(request.user))
    if len(companies) == 1:
        return redirect("directory:pro-dashboard", company_id=companies[0].pk)
    return render(request, "directory/pro/home.html", {"companies": companies})


@member_view
@require_safe
def dashboard(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    quotes = quote_requests_for_company(company)
    return render(
        request,
        "directory/pro/dashboard.html",
        pro_context(
            membership,
            gaps=profile_gaps(company),
            latest_quotes=quotes[:LATEST_QUOTES],
            new_quotes=quotes.filter(status=QuoteStatus.NEW).count(),
        ),
    )
