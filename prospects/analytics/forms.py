"""The analytics page's forms: the period of the client figures, the
default margin rate, one client's cost. Each says what is wrong in
French first; none writes (``services`` does)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import AmountField

from ..models import MARGIN_RATE_MAX

# The sessions' oldest allowed date is ten years back
# (loyalty.services.sessions.SESSION_MAX_AGE_YEARS): no period is longer.
MAX_PERIOD_DAYS = 366 * 10 + 2
# "0", "0,00", "0 €": a client who cost nothing (AmountField refuses 0).
_ZERO = re.compile(r"\s*0+(?:[.,]0*)?\s*(?:€|eur|euros?)?\s*", re.IGNORECASE)


class PeriodForm(forms.Form):
    # The browser's date picker sends and shows ISO dates; typed by hand,
    # French ones are read too.
    start = forms.DateField(
        label=_("From"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("To"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if start > end:
                raise forms.ValidationError(_("The period must start before it ends."))
            if end - start > timedelta(days=MAX_PERIOD_DAYS):
                raise forms.ValidationError(_("A period covers ten years at most."))
        return cleaned


class MarginRateForm(forms.Form):
    margin_rate = forms.DecimalField(
        label=_("Default margin rate (%)"),
        min_value=Decimal(0),
        max_value=Decimal(MARGIN_RATE_MAX),
        max_digits=5,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Share of the revenue you keep, from 0 to 100: 35 or 35,5."),
        error_messages={
            "min_value": _("The rate is at least %(limit_value)s %%."),
            "max_value": _("The rate is at most %(limit_value)s %%."),
            "invalid": _("Enter a number, such as 35 or 35,5."),
        },
    )


class CostField(AmountField):
    """An amount in euros (``AmountField``: "1 234,56", "45 €"), zero
    allowed: a client who cost nothing."""

    def clean(self, value: Any) -> Decimal | None:
        if isinstance(value, str) and value.strip() and _ZERO.fullmatch(value):
            return Decimal("0.00")
        return super().clean(value)


class ClientCostForm(forms.Form):
    client = forms.CharField(widget=forms.HiddenInput, max_length=64)
    cost = CostField(
        label=_("Cost (€)"),
        required=False,
        help_text=_("Empty: no cost entered."),
    )
