"""The search form of the home and results pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from directory.search.query import MAX_QUERY_LENGTH, SearchQuery
from directory.taxonomy.forms import BilingualChoiceField
from directory.taxonomy.models import Profession, Sector

# The fields of the results page's "Refine" column (the text and the place
# are repeated there as hidden inputs; the position is hidden).
FILTER_FIELDS = frozenset({"rayon", "metier", "secteur", "clientele", "tri", "avis"})


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
        label=_("Search radius"),
        required=False,
        coerce=int,
        empty_value=None,
        # Short options: they must read whole in the filter column and on a phone.
        choices=[("", _("Their service area"))]
        + [(km, _("%(km)s km") % {"km": km}) for km in settings.DIRECTORY_SEARCH_RADIUS_CHOICES_KM],
    )
    metier = BilingualChoiceField(
        label=_("Trade"),
        required=False,
        by_name=True,
        queryset=Profession.objects.public(),
        to_field_name="slug",
        empty_label=_("All trades"),
    )
    secteur = BilingualChoiceField(
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
        choices=[
            ("relevance", _("Relevance")),
            ("rating", _("Rating")),
            ("distance", _("Distance")),
            ("name", _("Name")),
        ],
        help_text=_(
            "Rating: reviewed companies first, by an average that weighs few reviews less."
        ),
    )
    avis = forms.BooleanField(label=_("With verified reviews only"), required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def without_invalid_filters(self) -> tuple[SearchForm, list[str]]:
        """A bound, validated form for this search without the filters
        that did not validate (a hand-edited or stale link: ``tri=best``,
        ``rayon=5000``), and a "label — error" line for each one dropped.
        The same form and no line when the text or the place is invalid:
        those are what was searched, and the visitor corrects them."""
        if self.is_valid() or self.errors.keys() & {"q", "ou"}:
            return self, []
        data = self.data.copy()
        ignored = []
        for name, errors in self.errors.items():
            if name == NON_FIELD_ERRORS:
                names = ["lat", "lng"]
                label = _("Position")
            else:
                names = [name]
                label = self.fields[name].label or name
            for key in names:
                data.pop(key, None)
            ignored += [f"{label} — {error}" for error in errors]
        form = SearchForm(data)
        return (form, ignored) if form.is_valid() else (self, [])

    @property
    def filters_untouched(self) -> bool:
        """No filter field is in the data (not even empty): the filter
        fields render as on an unfiltered search, so the page can take
        them from a cached fragment. Only the text, the place and the
        position were given (none of which the filter fields show)."""
        return not self.data.keys() & FILTER_FIELDS

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
            reviewed=data["avis"],
            page=page,
        )
