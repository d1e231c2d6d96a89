"""The pro space's loyalty page (issue 13 § 3): progress to the minimum of
sessions, the score with its interval and raw figures, its monthly
history, what would lift it, and the recent new clients who have not come
back. Members of the company only (``directory.team.decorators``): another
company's member gets a 404, a visitor the log-in page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from directory.team import decorators

from ..history import history_chart
from ..score import Rules
from ..selectors import loyalty_overview
from ..wording import return_period

View = Callable[..., HttpResponse]
# directory's decorator, typed here (directory is not under mypy --strict yet).
member_view: Callable[[View], View] = decorators.member_view


@member_view
@require_safe
def loyalty_dashboard(request: HttpRequest, membership: Any) -> HttpResponse:
    today = timezone.localdate()
    overview = loyalty_overview(membership.company, on=today, rules=Rules.from_settings())
    chart = history_chart(overview.history, on=today)
    context = decorators.pro_context(
        membership, overview=overview, chart=chart, period=return_period()
    )
    return render(request, "loyalty/dashboard.html", context)
