"""Admin helpers shared by the apps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import HttpRequest

from .company_numbers import siren_in

if TYPE_CHECKING:  # what the mixin is mixed into, for the type checker only
    from django.contrib.admin import ModelAdmin

    _AdminBase = ModelAdmin[Any]
else:
    _AdminBase = object


class SirenSearchMixin(_AdminBase):
    """Admin search also finds a SIREN as staff type it: "732 829 320",
    "732.829.320" or a SIRET (its first nine digits)."""

    siren_lookup = "siren"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if siren := siren_in(search_term):
            found |= queryset.filter(**{self.siren_lookup: siren})
        return found, may_have_duplicates
