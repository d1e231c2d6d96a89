"""Forms of the partner portal."""

from __future__ import annotations

from datetime import date, datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Scope


class PartnerKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("For you: where the key is used, e.g. “Production server”. 50 characters."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What the key may do"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one scope.")},
    )
    expiry_date = forms.DateField(
        label=_("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a key without an end date."),
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the key a name."))
        return name

    def clean_expiry_date(self) -> date | None:
        day: date | None = self.cleaned_data.get("expiry_date")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date after today."))
        if day is not None and day.year > timezone.localdate().year + 10:
            raise forms.ValidationError(_("Choose a date within ten years."))
        return day

    def expiry_datetime(self) -> datetime | None:
        """The end of the chosen day, in the site's time zone."""
        day = self.cleaned_data.get("expiry_date")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.max))
