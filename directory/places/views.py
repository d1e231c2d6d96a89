"""The place autocomplete of the search forms."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from directory.places.resolve import autocomplete_places


@require_safe
@cache_control(max_age=300, public=True)
def place_autocomplete(request: HttpRequest) -> JsonResponse:
    places = autocomplete_places(request.GET.get("q", "")[:100])
    return JsonResponse(
        {
            "results": [
                {"label": p.label, "name": p.name, "department": p.department_code} for p in places
            ]
        }
    )
