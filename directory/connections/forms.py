from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ConnectionCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Connection code"),
        max_length=40,
        help_text=_("The code the application gave you, e.g. ABCDE-12345."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
