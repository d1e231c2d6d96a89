"""The analytics page's forms: the period of the client figures, the
default margin rate, one client's cost. Each says what is wrong in
French first; none writes (``services`` does)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from common.forms import AmountField
from common.tabular.values import parse_amount

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


class RateField(forms.CharField):
    """A percentage from 0 to 100, read as the costs and every amount of
    the site are (``common.tabular.values.parse_amount``, through
    ``common.forms.AmountField``'s rules): "35", "35,5", "35.5", "35 %".
    What the cost field refuses, this one refuses too: "1e2", digits of
    other scripts ("٣٥"), "35,555"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value)  # the text checked (required, length)
        if not text:
            return None
        text = text.strip().removesuffix("%").strip()
        if text[:1] in ("-", "−"):
            raise forms.ValidationError(
                _("The rate is at least %(limit_value)s %%.") % {"limit_value": 0}
            )
        if _ZERO.fullmatch(text):
            return Decimal("0.00")
        try:
            rate = parse_amount(text)
        except ValueError:
            raise forms.ValidationError(_("Enter a number, such as 35 or 35,5.")) from None
        if rate > MARGIN_RATE_MAX:
            raise forms.ValidationError(
                _("The rate is at most %(limit_value)s %%.") % {"limit_value": MARGIN_RATE_MAX}
            )
        return rate

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return formats.number_format(value, decimal_pos=2)
        return value


class MarginRateForm(forms.Form):
    margin_rate = RateField(
        label=_("Default margin rate (%)"),
        help_text=_("Share of the revenue you keep, from 0 to 100: 35 or 35,5."),
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
