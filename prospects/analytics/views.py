"""The analytics pages (issue 15): the platform's funnel for the staff
group ``sales``, and a company's page in the pro space — its funnel, the
Pareto chart of its revenue by client and each client's value. Another
company's page is a 404; the platform's is a 403 for anyone logged in
outside ``sales``, as the pipeline's other staff pages; a visitor gets
the log-in page. Members see everything; owners set the
margin rate and the costs (``directory.team.decorators.require_owner``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from common.permissions import staff_required
from common.types import AuthenticatedHttpRequest
from directory.team import decorators
from directory.team.models import Membership

from ..models import Pipeline
from ..permissions import PLATFORM_PERMISSION
from . import services
from .charts import funnel_chart, pareto_chart
from .clients import client_report, default_period
from .forms import ClientCostForm, MarginRateForm, PeriodForm
from .funnel import pipeline_funnel

View = Callable[..., HttpResponse]
# directory's decorators, typed here (directory is not under mypy --strict yet).
member_view: Callable[[View], View] = decorators.member_view
require_owner: Callable[[Membership], None] = decorators.require_owner
pro_context: Callable[..., dict[str, Any]] = decorators.pro_context


@staff_required(PLATFORM_PERMISSION)
@require_safe
def platform_analytics(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The platform's funnel: log-in, then sales staff or 403, as every
    other page of the platform's pipeline (``prospects.views.platform``)."""
    funnel = pipeline_funnel(pipeline=Pipeline.PLATFORM, company=None)
    context = {"funnel": funnel, "chart": funnel_chart(funnel)}
    return render(request, "prospects/analytics/platform.html", context)


def _period(request: HttpRequest) -> tuple[PeriodForm, date, date]:
    """The period asked for in the query string, else (or when it is
    invalid: the form then says why) the twelve months up to today."""
    start, end = default_period(timezone.localdate())
    if "start" in request.GET or "end" in request.GET:
        form = PeriodForm(request.GET)
        if form.is_valid():
            return form, form.cleaned_data["start"], form.cleaned_data["end"]
        return form, start, end
    return PeriodForm(initial={"start": start, "end": end}), start, end


def _page_url(request: HttpRequest, membership: Membership, anchor: str) -> str:
    url = reverse("prospects:analytics", args=[membership.company_id])
    query = request.GET.urlencode()
    return f"{url}{'?' + query if query else ''}#{anchor}"


def _company_page(
    request: HttpRequest,
    membership: Membership,
    *,
    margin_form: MarginRateForm | None = None,
    cost_form: ClientCostForm | None = None,
    status: int = 200,
) -> HttpResponse:
    company = membership.company
    period_form, start, end = _period(request)
    funnel = pipeline_funnel(pipeline=Pipeline.COMPANY, company=company)
    report = client_report(company, start=start, end=end)
    if margin_form is None:
        margin_form = MarginRateForm(initial={"margin_rate": report.margin_rate})
    context = pro_context(
        membership,
        funnel=funnel,
        chart=funnel_chart(funnel),
        report=report,
        pareto=pareto_chart(report) if report.revenue else None,
        period_form=period_form,
        margin_form=margin_form,
        cost_form=cost_form,
        cost_client=cost_form.data.get("client", "") if cost_form is not None else "",
        query=request.GET.urlencode(),
    )
    return render(request, "prospects/analytics/company.html", context, status=status)


@member_view
@require_safe
def company_analytics(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    return _company_page(request, membership)


@member_view
@require_POST
def margin_rate_update(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    require_owner(membership)
    form = MarginRateForm(request.POST)
    if form.is_valid():
        try:
            services.margin_rate_set(
                company=membership.company,
                rate=form.cleaned_data["margin_rate"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your margin rate is saved."))
            return redirect(_page_url(request, membership, "client-value"))
    return _company_page(request, membership, margin_form=form, status=400)


@member_view
@require_POST
def client_cost_update(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    require_owner(membership)
    form = ClientCostForm(request.POST)
    if form.is_valid():
        try:
            services.client_cost_set(
                company=membership.company,
                client_key=form.cleaned_data["client"],
                cost=form.cleaned_data["cost"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The client's cost is saved."))
            return redirect(_page_url(request, membership, "client-value"))
    return _company_page(request, membership, cost_form=form, status=400)
