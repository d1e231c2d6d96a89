"""Forms of a file import: the upload (its size checked; the content, not
the name, decides what the file is) and the choice of columns."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .columns import ColumnScheme
from .files import MAX_BYTES
from .sheet import Sheet

# What the file input offers to pick; anything else is refused by its content.
ACCEPT = (
    ".csv,.txt,.tsv,.xlsx,text/csv,text/plain,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)


class TableFileField(forms.FileField):
    """A CSV or .xlsx upload of at most ``MAX_BYTES``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("CSV or Excel file"))
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> UploadedFile:
        upload: UploadedFile = super().clean(data, initial)
        if upload is not None and (upload.size or 0) > MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (2 MB maximum)."))
        return upload


class ColumnsForm(forms.Form):
    """Which column of the pro's file holds which field of ``scheme``: one
    choice per field, each column at most once, with sample values to
    recognise them. ``also_required``: fields required on top of the
    scheme's own."""

    def __init__(
        self,
        *args: Any,
        scheme: ColumnScheme,
        sheet: Sheet,
        initial_columns: dict[str, int],
        also_required: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        required = {*scheme.required, *also_required}
        choices: list[tuple[str, str]] = [("", str(_("— not in the file —")))]
        for column in range(sheet.width):
            samples = ", ".join(value[:30] for value in sheet.samples(column))
            label = sheet.column_label(column)
            choices.append((str(column), f"{label} — {samples}" if samples else label))
        for key, name in scheme.fields.items():
            self.fields[key] = forms.TypedChoiceField(
                label=str(name),
                choices=choices,
                coerce=int,
                empty_value=None,
                required=key in required,
                initial=initial_columns.get(key),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = [cleaned.get(key) for key in self.scheme.fields]
        found = [column for column in chosen if column is not None]
        if len(found) != len(set(found)):
            raise forms.ValidationError(_("Each column can be chosen for one field only."))
        return cleaned

    @property
    def chosen(self) -> dict[str, int]:
        return {
            key: self.cleaned_data[key]
            for key in self.scheme.fields
            if self.cleaned_data.get(key) is not None
        }
