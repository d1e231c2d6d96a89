"""Forms of the prospect import: the upload and the choice of columns
(``common.tabular.forms``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.tabular.forms import ColumnsForm, TableFileField
from common.tabular.sheet import Sheet

from . import import_columns


class ProspectImportForm(forms.Form):
    file = TableFileField(
        help_text=_(
            "CSV (UTF-8 or Windows), Excel .xlsx or Unicode text, one prospect per line under "
            "a header row: the name or the organisation, then what you have among SIREN, "
            "trade, town, postal code, e-mail, phone, budget, source, note and stage."
        ),
    )


class ProspectColumnsForm(ColumnsForm):
    def __init__(self, *args: Any, sheet: Sheet, initial_columns: dict[str, int], **kwargs: Any):
        super().__init__(
            *args,
            scheme=import_columns.SCHEME,
            sheet=sheet,
            initial_columns=initial_columns,
            **kwargs,
        )
