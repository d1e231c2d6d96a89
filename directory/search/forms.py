"""The search form of the home and results pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from directory.search.query import MAX_QUERY_LENGTH, SearchQuery
from directory.taxonomy.models import Profession, Sector


class SearchForm(forms.Form):
    """The public search, read from the query string."""

    q = forms.CharField(
        label=_("Trade, speciality or company"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("e.g. electrician, nanny, roofer"),
                "list": "trade-suggestions",
                "autocomplete": "off",
            }
        ),
    )
    ou = forms.CharField(
        label=_("City or postal code"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("e.g. Lyon, 69003"),
                "list": "place-suggestions",
                "autocomplete": "off",
            }
        ),
    )
    rayon = forms.TypedChoiceField(
        label=_("Within"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Their service area"))]
        + [(km, _("%(km)s km") % {"km": km}) for km in settings.DIRECTORY_SEARCH_RADIUS_CHOICES_KM],
    )
    metier = forms.ModelChoiceField(
        label=_("Trade"),
        required=False,
        queryset=Profession.objects.public(),
        to_field_name="slug",
        empty_label=_("All trades"),
    )
    secteur = forms.ModelChoiceField(
        label=_("Sector"),
        required=False,
        queryset=Sector.objects.all(),
        to_field_name="slug",
        empty_label=_("All sectors"),
    )
    clientele = forms.ChoiceField(
        label=_("Clients"),
        required=False,
        choices=[
            ("", _("Households and companies")),
            ("b2c", _("Households")),
            ("b2b", _("Companies")),
        ],
    )
    tri = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("relevance", _("Relevance")), ("distance", _("Distance")), ("name", _("Name"))],
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("lat") is None) != (cleaned.get("lng") is None):
            raise forms.ValidationError(_("Coordinates need both a latitude and a longitude."))
        return cleaned

    def to_query(self, page: str | int = 1) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            text=data["q"],
            place=data["ou"],
            latitude=data["lat"],
            longitude=data["lng"],
            radius_km=data["rayon"],
            profession=data["metier"],
            sector=data["secteur"],
            audience=data["clientele"],
            sort=data["tri"] or "relevance",
            page=page,
        )
