"""The pro space's shell: its entry and each company's dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from common.types import AuthenticatedHttpRequest
from directory.team.decorators import member_view, pro_context
from directory.team.models import Membership
from directory.team.selectors import companies_of

from .selectors import application_state, pro_dashboard


@login_required
@require_safe
def pro_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One company: its dashboard. Several: a choice. None: the state of the
    user's application to be listed, if any, and where to follow it."""
    companies = list(companies_of(request.user))
    if len(companies) == 1:
        return redirect("directory:pro-dashboard", company_id=companies[0].pk)
    application = None if companies else application_state(request.user)
    return render(
        request, "directory/pro/home.html", {"companies": companies, "application": application}
    )


@member_view
@require_safe
def dashboard(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    return render(
        request,
        "directory/pro/dashboard.html",
        pro_context(membership, dashboard=pro_dashboard(membership.company)),
    )
