"""Admin helpers shared by the apps."""

from __future__ import annotations

from .company_numbers import siren_in


class SirenSearchMixin:
    """Admin search also finds a SIREN as staff type it: "732 829 320",
    "732.829.320" or a SIRET (its first nine digits)."""

    siren_lookup = "siren"

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if siren := siren_in(search_term):
            found |= queryset.filter(**{self.siren_lookup: siren})
        return found, may_have_duplicates
