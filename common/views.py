"""The staff page of the night's chain (``common.nightly``): the recent
nights, each step's outcome, duration and rows, and a chart of the
durations. Read-only; staff with ``common.view_jobrun`` (group
``support``, superusers)."""

from __future__ import annotations

from collections.abc import Hashable

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.views.decorators.http import require_safe

from .charts import StackedBars, stacked_bars
from .nightly import Night, nights_recent
from .permissions import staff_required
from .types import AuthenticatedHttpRequest

# Two weeks: enough to see a step grow or a night go missing.
NIGHTS_SHOWN = 14


def nights_chart(nights: list[Night]) -> StackedBars:
    """One bar per night, oldest on the left, stacked by step in the
    chain's order: its steps' durations in whole seconds (at least 1 for a
    step that ran, so that it shows)."""
    columns: list[tuple[str, dict[Hashable, int]]] = []
    for night in reversed(nights):
        durations: dict[Hashable, int] = {}
        for index, step in enumerate(night.steps):
            if step.seconds is not None:
                durations[index] = max(1, round(step.seconds))
        columns.append((date_format(night.night, "d/m"), durations))
    keys = list(range(len(nights[0].steps))) if nights else []
    return stacked_bars(columns, keys=keys, width=640, height=220, margin_left=48)


@require_safe
@staff_required("common.view_jobrun")
def nightly_runs(request: AuthenticatedHttpRequest) -> HttpResponse:
    nights = nights_recent(count=NIGHTS_SHOWN)
    return render(
        request,
        "common/nightly_runs.html",
        {"nights": nights, "chart": nights_chart(nights), "steps": nights[0].steps},
    )
