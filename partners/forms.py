"""Forms of the partner portal."""

from __future__ import annotations

from datetime import date, datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.control_characters import validate_visible_text
from common.webhooks.targets import URL_MAX_LENGTH

from .models import DeliveryStatus, EndpointScope, EventType, Scope
from .selectors import webhook_event_type_choices


class PartnerKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("For you: where the key is used, e.g. “Production server”. 50 characters."),
        validators=[validate_visible_text],
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


class WebhookEndpointForm(forms.Form):
    """A new endpoint. The URL is only read here: what may be called
    (HTTPS, a public address) is the service's check
    (:func:`partners.webhooks.endpoint_create`), whose errors the view
    puts on the fields."""

    url = forms.CharField(
        label=_("URL"),
        max_length=URL_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(
            attrs={"inputmode": "url", "autocomplete": "url", "spellcheck": "false"}
        ),
        help_text=_(
            "Where we send the events, by POST: https://, on a public server. "
            "Answer with a 2xx code within 15 seconds."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        # A callable: the labels follow each request's language.
        choices=webhook_event_type_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
    scope = forms.ChoiceField(
        label=_("For which companies"),
        choices=EndpointScope.choices,
        initial=EndpointScope.CONNECTED,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        max_length=200,
        required=False,
        help_text=_("For you: e.g. “Production”. 200 characters."),
        validators=[validate_visible_text],
    )


class DeliveryFilterForm(forms.Form):
    """The filters of a delivery log (a GET form): a value that is not a
    choice is an error shown beside the field, and the log unfiltered."""

    status = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", pgettext_lazy("filter", "All")), *DeliveryStatus.choices],
    )
    type = forms.ChoiceField(
        label=_("Event"),
        required=False,
        choices=[("", pgettext_lazy("filter", "All")), *EventType.choices],
    )

    def filters(self) -> dict[str, str]:
        """``status`` and ``event_type`` for the selector ("" for all)."""
        if not self.is_valid():
            return {"status": "", "event_type": ""}
        return {
            "status": self.cleaned_data["status"],
            "event_type": self.cleaned_data["type"],
        }
