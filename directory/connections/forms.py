from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.services import connection_code_example


class ConnectionCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Connection code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The example comes from the generator: it cannot drift from the
        # codes partners give.
        self.fields["code"].help_text = _(
            "The code the application gave you, e.g. %(example)s."
        ) % {"example": connection_code_example()}
